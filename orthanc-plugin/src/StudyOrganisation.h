// Where a study's organisation comes from, recorded in the access catalog when its instances arrive: the recorder
// or workstation that uploaded it through our routes, the AE title that sent it (Security.AetOrganisations), its
// Institution Name (Storage.Organisations), or Storage.DefaultOrganisation. Only what arrives while security is on
// is recorded; an admin assigns older studies (POST /video-archive/security/studies/{uid}).
#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <string>

#include "PluginState.h"
#include "va/dicom/VideoInstance.h"

namespace va::plugin {

// From the stored-instance callback (every instance, video or not). Audits a C-STORE by its calling AE title.
void RecordStoredStudy(PluginState& state, const OrthancPluginDicomInstance* instance,
                       const dicom::InstanceHeader& header);

// From our upload routes: the caller's organisation ("" when security is off or the caller has none) ...
std::string RequestOrganisation(const OrthancPluginHttpRequest* request);
// ... becomes the organisation of what the upload makes.
void RememberUploadOrganisation(PluginState& state, const std::string& uploadId, const std::string& organisation);

// From the ingest of an upload, once its instances are stored.
void RecordUploadedStudy(PluginState& state, const std::string& uploadId, const std::string& studyUid);

}  // namespace va::plugin
