// STOW-RS with metadata and bulkdata for video under /video-archive/dicom-web/studies (README.md).
#pragma once

namespace va::plugin {

void RegisterStowRoutes();

}  // namespace va::plugin
