// Our DICOMweb root for video-aware clients (OHIF, dicomweb-client): /video-archive/dicom-web. Video instances are
// served here (WADO-RS retrieve with the transfer-syntax parameter honoured, rendered video/mp4 with Range, bulkdata
// as video/mp4 / video/H265 / video/mpeg, thumbnails, rendered frames); everything else (QIDO-RS, metadata, other
// objects) is forwarded to the DICOMweb plugin with its URLs rewritten to this root. STOW-RS is StowRoutes.
#pragma once

#include <orthanc/OrthancCPlugin.h>

namespace va::plugin {

void RegisterDicomWebVideoRoutes(bool withStudyRoutes);

// GET /video-archive/dicom-web/studies and /studies/{study}: forwarded (QIDO-RS, study retrieve). Used by
// StowRoutes, which owns the POST side of the same paths.
void ForwardStudiesGet(OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request);
void ForwardStudyGet(OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request);

}  // namespace va::plugin
