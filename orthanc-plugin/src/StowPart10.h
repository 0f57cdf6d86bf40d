// STOW-RS of DICOM Part 10 files (type="application/dicom", PS3.18 10.5) under the archive's DICOMweb root, so the
// root takes both media types of STOW-RS. (The DICOMweb plugin's own STOW-RS is a chunked route that another
// plugin cannot call, so the parts are stored here through Orthanc's POST /instances.)
#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <memory>
#include <string>

#include "ChunkedRoute.h"

namespace va::plugin {

// Stages each application/dicom part on disk as it arrives; once the whole body is valid, stores the parts one by
// one and answers the Store Instances Response (Referenced / Failed SOP Sequence): 200 when all were stored, 202
// when some failed, 409 when none was.
std::unique_ptr<RequestReader> MakeStowPart10(const std::string& studyInUrl, const OrthancPluginHttpRequest* request);

}  // namespace va::plugin
