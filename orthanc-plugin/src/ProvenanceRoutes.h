// REST routes of provenance: the public key, verification of an uploaded file or a stored instance, de-identified
// copies of a study, and the signed legal export package (docs/provenance.md).
#pragma once

namespace va::plugin {

void RegisterProvenanceRoutes();

}  // namespace va::plugin
