#include "StudyOrganisation.h"

#include "OrthancApi.h"
#include "SecurityFilter.h"
#include "SecurityService.h"

namespace va::plugin {

namespace {

std::string RemoteAet(const OrthancPluginDicomInstance* instance) {
  const char* aet = OrthancPluginGetInstanceRemoteAet(Context(), instance);
  return aet == nullptr ? "" : aet;
}

}  // namespace

void RecordStoredStudy(PluginState& state, const OrthancPluginDicomInstance* instance,
                       const dicom::InstanceHeader& header) {
  if (!state.security || header.studyInstanceUid.empty()) return;
  SecurityService& security = *state.security;
  const bool byDimse = OrthancPluginGetInstanceOrigin(Context(), instance) == OrthancPluginInstanceOrigin_DicomProtocol;
  std::string organisation;
  std::string origin;
  const std::string aet = byDimse ? RemoteAet(instance) : "";
  const auto mapped = security.Settings().aetOrganisations.find(aet);
  if (byDimse && mapped != security.Settings().aetOrganisations.end()) {
    organisation = mapped->second;
    origin = "aet";
  } else {
    organisation = OrganisationOf(state.config.storage, header.institutionName);
    origin = organisation == state.config.storage.defaultOrganisation ? "default" : "institution";
  }
  // The first instance decides; an upload's own organisation overwrites it later (RecordUploadedStudy).
  security.Access().RecordStudy(header.studyInstanceUid, "", organisation, origin, header.patientIdentityRemoved,
                                false);
  if (byDimse) {
    archive::AuditEvent event;
    event.actor = aet;
    event.role = "modality";
    event.organisation = organisation;
    event.action = "C-STORE";
    event.resource = header.sopInstanceUid;
    event.studyUid = header.studyInstanceUid;
    event.outcome = "success";
    security.Audit(event);
  }
}

std::string RequestOrganisation(const OrthancPluginHttpRequest* request) {
  const auto who = RequestPrincipal(request);
  return who ? who->organisation : "";
}

void RememberUploadOrganisation(PluginState& state, const std::string& uploadId, const std::string& organisation) {
  if (state.security && !organisation.empty())
    state.security->Access().RecordUploadOrganisation(uploadId, organisation);
}

void RecordUploadedStudy(PluginState& state, const std::string& uploadId, const std::string& studyUid) {
  if (!state.security) return;
  const std::string organisation = state.security->Access().UploadOrganisation(uploadId);
  if (organisation.empty()) return;  // an admin without organisation uploaded: the stored-instance rules stand
  state.security->Access().RecordStudy(studyUid, "", organisation, "upload", false, true);
}

}  // namespace va::plugin
