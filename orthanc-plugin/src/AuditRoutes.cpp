// /video-archive/audit/...: the trail's records, its verification, checkpoints, the public key an auditor verifies
// with offline, and the export as DICOM audit messages (PS3.15 A.5) or syslog lines.
#include <string>

#include "HttpHelpers.h"
#include "OrthancApi.h"
#include "RouteCallback.h"
#include "SecurityRoutes.h"
#include "SecurityService.h"

namespace va::plugin {

namespace {

archive::AuditTrail& Trail(PluginState& state) {
  if (!state.security) throw HttpError{404, "security is disabled (VideoArchive.Security.Enable)"};
  return state.security->Trail();
}

int64_t Int64Argument(const OrthancPluginHttpRequest* request, const char* key) {
  const std::string text = GetArgument(request, key, "");
  if (text.empty()) return 0;
  try {
    size_t used = 0;
    const long long value = std::stoll(text, &used);
    if (used != text.size() || value < 0) throw std::invalid_argument(text);
    return value;
  } catch (const std::exception&) {
    throw HttpError{400, std::string("query parameter '") + key + "' must be a non-negative integer"};
  }
}

// ?after=<sequence>&from=<unix s>&to=<unix s>&actor=&study=&limit=
archive::AuditQuery QueryOf(const OrthancPluginHttpRequest* request) {
  archive::AuditQuery q;
  q.afterSequence = Int64Argument(request, "after");
  q.fromMicros = Int64Argument(request, "from") * 1000000;
  q.toMicros = Int64Argument(request, "to") * 1000000;
  q.actor = GetArgument(request, "actor", "");
  q.studyUid = GetArgument(request, "study", "");
  q.limit = GetIntArgument(request, "limit", 1000, 1, 100000);
  return q;
}

Json::Value RecordToJson(const archive::AuditRecord& r) {
  Json::Value v;
  v["Sequence"] = static_cast<Json::Int64>(r.sequence);
  v["Time"] = r.IsoTime();
  v["Actor"] = r.event.actor;
  v["Role"] = r.event.role;
  v["Organisation"] = r.event.organisation;
  v["Source"] = r.event.sourceAddress;
  v["Action"] = r.event.action;
  v["Resource"] = r.event.resource;
  v["StudyInstanceUID"] = r.event.studyUid;
  v["Outcome"] = r.event.outcome;
  v["Detail"] = r.event.detail;
  v["PreviousHash"] = r.previousHash;
  v["Hash"] = r.hash;
  return v;
}

Json::Value CheckpointToJson(const archive::AuditCheckpoint& c) {
  Json::Value v;
  v["Sequence"] = static_cast<Json::Int64>(c.sequence);
  v["Hash"] = c.hash;
  v["TimeMicros"] = static_cast<Json::Int64>(c.timeMicros);
  v["KeyID"] = c.keyId;
  v["Signature"] = c.signature;
  return v;
}

void Records(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  Json::Value list(Json::arrayValue);
  for (const auto& r : Trail(state).Query(QueryOf(request))) list.append(RecordToJson(r));
  AnswerJson(output, list);
}

void Verify(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const archive::AuditVerification v = Trail(state).Verify();
  Json::Value out;
  out["Intact"] = v.intact;
  out["Records"] = static_cast<Json::Int64>(v.records);
  out["Checkpoints"] = static_cast<Json::Int64>(v.checkpoints);
  out["LastSequence"] = static_cast<Json::Int64>(v.lastSequence);
  out["LastCheckpointSequence"] = static_cast<Json::Int64>(v.lastCheckpointSequence);
  out["UncheckpointedRecords"] = static_cast<Json::Int64>(v.uncheckpointedRecords);
  out["Problems"] = Json::arrayValue;
  for (const auto& p : v.problems) {
    Json::Value item;
    item["Sequence"] = static_cast<Json::Int64>(p.sequence);
    item["What"] = p.what;
    out["Problems"].append(item);
  }
  AnswerJson(output, out);
}

void Checkpoints(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  archive::AuditTrail& trail = Trail(state);
  if (request->method == OrthancPluginHttpMethod_Post) {
    const auto checkpoint = trail.Checkpoint();
    if (!checkpoint) throw HttpError{409, "the audit trail is empty: nothing to sign"};
    AnswerJson(output, CheckpointToJson(*checkpoint));
    return;
  }
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET or POST");
  Json::Value list(Json::arrayValue);
  for (const auto& c : trail.Checkpoints()) list.append(CheckpointToJson(c));
  AnswerJson(output, list);
}

void PublicKey(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const std::string pem = Trail(state).PublicKeyPem();
  OrthancPluginAnswerBuffer(Context(), output, pem.data(), static_cast<uint32_t>(pem.size()), "application/x-pem-file");
}

// ?format=dicom (default: one XML document <AuditMessages> holding a PS3.15 A.5 AuditMessage per record) or
// format=syslog (RFC 5424 lines), with the filters of /records.
void Export(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const std::string format = GetArgument(request, "format", "dicom");
  const std::string source = state.security ? state.security->Settings().audit.auditSourceId : "";
  const auto records = Trail(state).Query(QueryOf(request));
  std::string body;
  if (format == "dicom") {
    body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AuditMessages>\n";
    for (const auto& r : records) {
      std::string message = archive::ToDicomAuditMessage(r, source);
      if (message.rfind("<?xml", 0) == 0) message.erase(0, message.find("?>") + 2);  // one prolog for the document
      body += message + "\n";
    }
    body += "</AuditMessages>\n";
    OrthancPluginAnswerBuffer(Context(), output, body.data(), static_cast<uint32_t>(body.size()), "application/xml");
  } else if (format == "syslog") {
    for (const auto& r : records) body += archive::ToSyslogMessage(r, "-", "video-archive", source) + "\n";
    OrthancPluginAnswerBuffer(Context(), output, body.data(), static_cast<uint32_t>(body.size()), "text/plain");
  } else {
    throw HttpError{400, "format must be dicom or syslog"};
  }
}

}  // namespace

void RegisterAuditRoutes() {
  OrthancPluginContext* c = Context();
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/audit/records", RouteCallback<Records>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/audit/verify", RouteCallback<Verify>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/audit/checkpoints", RouteCallback<Checkpoints>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/audit/public-key", RouteCallback<PublicKey>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/audit/export", RouteCallback<Export>);
}

}  // namespace va::plugin
