#include "ProvenanceRoutes.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "ArchivePipeline.h"
#include "ByteRangeAnswer.h"
#include "DeidentifyJob.h"
#include "HttpHelpers.h"
#include "LegalExport.h"
#include "OrthancApi.h"
#include "ProvenanceService.h"
#include "RouteCallback.h"
#include "ScratchFolder.h"
#include "SecurityFilter.h"
#include "SourceAttachment.h"
#include "StudyInstances.h"

namespace va::plugin {

namespace {

// verify-<pid>-<n>: unique among the requests of this process and of any other sharing the work directory.
std::string NewRequestFolderName() {
  static std::atomic<uint64_t> counter{0};
  return "verify-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

ProvenanceService& Service(PluginState& state) {
  if (!state.provenance) throw HttpError{503, "provenance keys are not loaded"};
  return *state.provenance;
}

// Who asked, for the export's custody record: the authenticated user or token, when security is on.
std::string RequesterName(PluginState& state, const OrthancPluginHttpRequest* request) {
  if (!state.security) return "(security disabled)";
  const auto who = RequestPrincipal(request);
  return who ? who->name + " (" + RoleName(who->role) + ")" : "(unknown)";
}

verify::VerifyKeys KeysFor(PluginState& state, const OrthancPluginHttpRequest* request) {
  verify::VerifyKeys keys = Service(state).Keys();
  keys.decodePictures = GetArgument(request, "decode", "true") != "false";
  keys.watermarkSeconds = GetIntArgument(request, "seconds", 10, 1, 600);
  if (GetArgument(request, "watermark", "true") == "false") keys.haveWatermarkKey = false;
  return keys;
}

// Adds what the archive knows about the watermark ID found: the record it was written for.
void AddWatermarkRecord(PluginState& state, Json::Value& report) {
  const std::string hex = report["Watermark"].get("ArchiveId", "").asString();
  if (hex.empty() || !state.catalog) return;
  const auto found = state.catalog->FindWatermark(std::stoull(hex, nullptr, 16));
  Json::Value& w = report["Watermark"]["ArchiveRecord"];
  if (!found) {
    w = Json::Value();
    report["Watermark"]["ArchiveRecordNote"] = "this ID is not in this archive's watermark registry";
    return;
  }
  w["Kind"] = found->kind;
  w["SOPInstanceUID"] = found->sopInstanceUid;
  w["StudyInstanceUID"] = found->studyInstanceUid;
  w["SourceSOPInstanceUID"] = found->sourceSopUid;
  w["Recorded"] = static_cast<Json::Int64>(found->createdAt);
}

void PublicKey(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const std::string& pem = Service(state).PublicKeyPem();
  OrthancPluginAnswerBuffer(Context(), output, pem.data(), static_cast<uint32_t>(pem.size()), "application/x-pem-file");
}

// POST the file itself (a DICOM instance, an MP4, any video) as the body.
void VerifyUpload(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Post, "POST");
  if (request->bodySize == 0) throw HttpError{400, "POST the file to verify (DICOM, MP4 or any video) as the body"};
  const verify::VerifyKeys keys = KeysFor(state, request);
  const ScratchFolder scratch(state.config.workDirectory, NewRequestFolderName());
  const std::filesystem::path file = scratch.path() / "upload";
  {
    std::ofstream out(file, std::ios::binary);
    out.write(static_cast<const char*>(request->body), static_cast<std::streamsize>(request->bodySize));
    if (!out) throw HttpError{507, "cannot write the uploaded file to the work directory (disk full?)"};
  }
  Json::Value report = verify::VerifyFile(file.string(), keys, scratch.path().string());
  report["File"] = "(request body)";
  AddWatermarkRecord(state, report);
  AnswerJson(output, report);
}

// GET /video-archive/instances/{id}/provenance: the stored instance as it is now.
void VerifyInstance(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const std::string id = request->groups[0];
  const verify::VerifyKeys keys = KeysFor(state, request);
  const ScratchFolder scratch(state.config.workDirectory, NewRequestFolderName());
  std::string file;
  try {
    file = LocateSourceFile(state.config, id, scratch.path() / "instance.dcm");
  } catch (const std::exception& e) {
    throw HttpError{404, "no stored instance " + id + ": " + e.what()};
  }
  Json::Value report = verify::VerifyFile(file, keys, scratch.path().string());
  report["File"] = "instance " + id;
  AddWatermarkRecord(state, report);
  AnswerJson(output, report);
}

// POST /video-archive/studies/{uid}/deidentify: starts the job; answers its ID and the copy's Study Instance UID.
void Deidentify(PluginState& /*state*/, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Post, "POST");
  const std::string studyUid = request->groups[0];
  if (OrthancStudyId(studyUid).empty()) throw HttpError{404, "study " + studyUid + " is not stored here"};
  const DeidentifySubmission s = SubmitDeidentifyJob(State(), studyUid);
  Json::Value v;
  v["Job"] = s.jobId;
  v["StudyInstanceUID"] = studyUid;
  v["DeidentifiedStudyInstanceUID"] = s.newStudyUid;
  v["Path"] = "/jobs/" + s.jobId;
  AnswerJson(output, v);
}

// GET /video-archive/studies/{uid}/legal-export: builds a new signed package (a GET, so that a legal reviewer, who
// may only read, can ask for one); answers where to download it.
void LegalExportCreate(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const std::string studyUid = request->groups[0];
  const LegalExportResult r = BuildLegalExport(state, studyUid, RequesterName(state, request));
  Json::Value v;
  v["StudyInstanceUID"] = studyUid;
  v["Package"] = r.id;
  v["Size"] = static_cast<Json::UInt64>(r.size);
  v["Sha256"] = r.sha256;
  v["Files"] = r.files;
  v["CustodyEvents"] = r.custodyEvents;
  v["KeyId"] = Service(state).KeyId();
  v["Download"] = "/video-archive/studies/" + studyUid + "/legal-export/" + r.id;
  v["PublicKey"] = "/video-archive/provenance/public-key";
  AnswerJson(output, v);
}

// GET /video-archive/studies/{uid}/legal-export/{package}: the tar, with HTTP Range.
void LegalExportDownload(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const std::string studyUid = request->groups[0];
  const std::string name = request->groups[1];
  if (name.rfind("export-", 0) != 0 || name.find('/') != std::string::npos || name.find("..") != std::string::npos)
    throw HttpError{404, "no such package"};
  const std::filesystem::path file = std::filesystem::path(LegalExportFolder(state.config, studyUid)) / name;
  if (!std::filesystem::is_regular_file(file)) throw HttpError{404, "no package " + name + " for study " + studyUid};
  const auto bytes = codec::OpenWholeFile(file.string());
  SetHeader(output, "Content-Disposition", "attachment; filename=\"" + name + "\"");
  AnswerByteRange(output, request, *bytes, "application/x-tar", "\"" + name + "\"",
                  static_cast<uint64_t>(state.config.delivery.maxAnswerMegabytes) << 20);
}

}  // namespace

void RegisterProvenanceRoutes() {
  OrthancPluginContext* c = Context();
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/provenance/public-key", RouteCallback<PublicKey>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/provenance/verify", RouteCallback<VerifyUpload>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/instances/([^/]+)/provenance",
                                          RouteCallback<VerifyInstance>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/studies/([^/]+)/deidentify", RouteCallback<Deidentify>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/studies/([^/]+)/legal-export",
                                          RouteCallback<LegalExportCreate>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/studies/([^/]+)/legal-export/([^/]+)",
                                          RouteCallback<LegalExportDownload>);
}

}  // namespace va::plugin
