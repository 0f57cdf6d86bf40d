// Fills an upload's procedure record from the worklist (ModalityWorklists folder and/or a remote worklist SCP)
// when it names an accession number; a disagreement between the recorder and the worklist is refused.
#pragma once

#include "Configuration.h"
#include "ProcedureRecord.h"

namespace va::plugin {

// Throws MetadataError naming the field that conflicts, or HttpError 502 when the worklist SCP cannot be reached.
void ApplyWorklist(const UploadSettings& settings, ProcedureRecord& record);

}  // namespace va::plugin
