// tus 1.0 resumable uploads (core, creation, checksum, termination, expiration) under /video-archive/uploads.
//
// Orthanc's HTTP server only knows GET, POST, PUT and DELETE (HEAD, OPTIONS and PATCH are refused before a plugin
// sees them, and X-HTTP-Method-Override accepts only PUT and DELETE), so the tus methods arrive as:
//   HEAD    -> GET    /video-archive/uploads/{id}   (same headers; the body adds a JSON status)
//   PATCH   -> PUT or POST /video-archive/uploads/{id}
//   OPTIONS -> GET    /video-archive/uploads
// config/nginx-tus.conf maps standard tus methods onto these, so unmodified tus clients work through it.
#include "TusRoutes.h"

#include <ctime>

#include "ChunkedRoute.h"
#include "Dispatcher.h"
#include "OrthancApi.h"
#include "PluginState.h"
#include "ProcedureRecordJson.h"
#include "StudyOrganisation.h"
#include "TusHeaders.h"
#include "UploadErrors.h"
#include "UploadMetadata.h"
#include "WorklistMerge.h"
#include "va/archive/Sha256.h"

namespace va::plugin {

namespace {

constexpr const char* kRoot = "/video-archive/uploads";

int64_t Now() {
  return static_cast<int64_t>(std::time(nullptr));
}

std::shared_ptr<PluginState> UploadState() {
  std::shared_ptr<PluginState> state = State();
  if (!state) throw HttpError{503, "the video archive is not initialised"};
  if (!state->config.uploads.enable || !state->uploads) {
    throw HttpError{404, "uploads are disabled (VideoArchive.Uploads.Enable)"};
  }
  return state;
}

void CheckVersion(const OrthancPluginHttpRequest* request) {
  try {
    CheckTusResumable(GetHeader(request, "tus-resumable"));
  } catch (const TusError& e) {
    throw HttpError{e.status(), e.what()};
  }
}

void CommonHeaders(OrthancPluginRestOutput* output) {
  SetHeader(output, "Tus-Resumable", kTusVersion);
  SetHeader(output, "Cache-Control", "no-store");
}

void CapabilityHeaders(OrthancPluginRestOutput* output, const PluginState& state) {
  SetHeader(output, "Tus-Version", kTusVersion);
  SetHeader(output, "Tus-Extension", kTusExtensions);
  SetHeader(output, "Tus-Checksum-Algorithm", kChecksumAlgorithms);
  SetHeader(output, "Tus-Max-Size", std::to_string(state.config.uploads.maxSize));
}

Json::Value UploadToJson(const archive::Upload& u) {
  Json::Value v;
  v["ID"] = u.id;
  v["Kind"] = u.kind;
  v["State"] = archive::ToString(u.state);
  v["Length"] = static_cast<Json::Int64>(u.length);
  v["Offset"] = static_cast<Json::Int64>(u.offset);
  v["Attempts"] = u.attempts;
  if (!u.jobId.empty()) v["JobID"] = u.jobId;
  if (!u.reason.empty()) v["Reason"] = u.reason;
  if (!u.recordJson.empty()) v["Record"] = ParseJson(u.recordJson);
  if (!u.resultJson.empty()) v["Result"] = ParseJson(u.resultJson);
  v["CreatedAt"] = static_cast<Json::Int64>(u.createdAt);
  v["UpdatedAt"] = static_cast<Json::Int64>(u.updatedAt);
  if (u.state == archive::UploadState::Receiving) v["ExpiresAt"] = static_cast<Json::Int64>(u.expiresAt);
  return v;
}

// OPTIONS equivalent, plus a listing for administrators.
void GetCollection(OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  auto state = UploadState();
  const int limit = GetIntArgument(request, "limit", 100, 1, 10000);
  Json::Value list(Json::arrayValue);
  for (const auto& u : state->uploads->List(limit)) list.append(UploadToJson(u));
  CommonHeaders(output);
  CapabilityHeaders(output, *state);
  AnswerJson(output, list);
}

// Creation: validates the procedure record completely before anything is kept.
class CreateUpload : public RequestReader {
 public:
  explicit CreateUpload(const OrthancPluginHttpRequest* request) {
    state_ = UploadState();
    organisation_ = RequestOrganisation(request);
    CheckVersion(request);
    if (!GetHeader(request, "upload-defer-length").empty()) {
      throw HttpError{400, "Upload-Defer-Length is not supported: send Upload-Length"};
    }
    const std::string length = GetHeader(request, "upload-length");
    if (length.empty()) throw HttpError{400, "Upload-Length is required"};
    try {
      length_ = ParseUploadLength(length, state_->config.uploads.maxSize);
    } catch (const TusError& e) {
      throw HttpError{e.status(), e.what()};
    }
    rawMetadata_ = GetHeader(request, "upload-metadata");
    try {
      record_ = ParseUploadMetadata(rawMetadata_);
      ApplyWorklist(state_->config.uploads, record_);
      CheckPatientIdentified(record_);
    } catch (const MetadataError& e) {
      throw HttpError{400, e.what()};
    }
  }
  void AddChunk(const void*, size_t size) override {
    if (size > 0) throw HttpError{400, "creation-with-upload is not supported: send the bytes with PATCH (PUT)"};
  }
  void Execute(OrthancPluginRestOutput* output) override {
    const int64_t expires = Now() + static_cast<int64_t>(3600 * state_->config.uploads.expirationHours);
    std::string id;
    try {
      id = state_->uploads->Create("tus", length_, rawMetadata_, WriteJson(RecordToJson(record_), false), expires);
    } catch (const archive::UploadError& e) {
      throw ToHttpError(e);
    }
    RememberUploadOrganisation(*state_, id, organisation_);
    if (length_ == 0) state_->dispatcher->Wake();
    LogInfo("upload " + id + " created: " + std::to_string(length_) + " bytes announced");
    const std::string location = std::string(kRoot) + "/" + id;
    CommonHeaders(output);
    SetHeader(output, "Location", location);
    SetHeader(output, "Upload-Expires", FormatHttpDate(expires));
    Json::Value v;
    v["ID"] = id;
    v["Location"] = location;
    v["Record"] = RecordToJson(record_);
    AnswerJsonStatus(output, 201, v);
  }

 private:
  std::shared_ptr<PluginState> state_;
  int64_t length_ = 0;
  std::string rawMetadata_;
  ProcedureRecord record_;
  std::string organisation_;  // the uploader's: the organisation of the study the upload makes
};

std::unique_ptr<RequestReader> MakeCreate(const std::string&, const OrthancPluginHttpRequest* request) {
  return std::make_unique<CreateUpload>(request);
}

// HEAD equivalent.
void GetUpload(OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  auto state = UploadState();
  const auto u = state->uploads->Get(request->groups[0]);
  if (!u) throw HttpError{404, std::string("no upload ") + request->groups[0] + " (finished, deleted or expired)"};
  CommonHeaders(output);
  SetHeader(output, "Upload-Offset", std::to_string(u->offset));
  SetHeader(output, "Upload-Length", std::to_string(u->length));
  if (!u->rawMetadata.empty()) SetHeader(output, "Upload-Metadata", u->rawMetadata);
  if (u->state == archive::UploadState::Receiving) SetHeader(output, "Upload-Expires", FormatHttpDate(u->expiresAt));
  AnswerJson(output, UploadToJson(*u));
}

// PATCH equivalent: the body goes to the staging file as it arrives.
class AppendUpload : public RequestReader {
 public:
  AppendUpload(const std::string& id, const OrthancPluginHttpRequest* request) : id_(id) {
    state_ = UploadState();
    CheckVersion(request);
    if (GetHeader(request, "content-type") != "application/offset+octet-stream") {
      throw HttpError{415, "Content-Type must be application/offset+octet-stream"};
    }
    const std::string offset = GetHeader(request, "upload-offset");
    if (offset.empty()) throw HttpError{400, "Upload-Offset is required"};
    int64_t clientOffset = 0;
    try {
      clientOffset = ParseUploadOffset(offset);
      const std::string checksum = GetHeader(request, "upload-checksum");
      if (!checksum.empty()) expectedDigest_ = ParseUploadChecksum(checksum).digest;
    } catch (const TusError& e) {
      throw HttpError{e.status(), e.what()};
    }
    expires_ = Now() + static_cast<int64_t>(3600 * state_->config.uploads.expirationHours);
    try {
      appender_ = state_->uploads->BeginAppend(id_, clientOffset, !expectedDigest_.empty(), expires_);
    } catch (const archive::UploadError& e) {
      throw ToHttpError(e);
    }
  }
  void AddChunk(const void* data, size_t size) override { appender_->Write(data, size); }
  void Execute(OrthancPluginRestOutput* output) override {
    int64_t offset = 0;
    try {
      offset = appender_->Commit(expectedDigest_);
    } catch (const archive::UploadError& e) {
      throw ToHttpError(e);
    }
    appender_.reset();
    const auto u = state_->uploads->Get(id_);
    if (u && u->state == archive::UploadState::Complete) {
      LogInfo("upload " + id_ + " complete (" + std::to_string(offset) + " bytes); ingest queued");
      state_->dispatcher->Wake();
    }
    CommonHeaders(output);
    SetHeader(output, "Upload-Offset", std::to_string(offset));
    SetHeader(output, "Upload-Expires", FormatHttpDate(expires_));
    OrthancPluginSendHttpStatusCode(Context(), output, 204);
  }

 private:
  std::string id_;
  std::shared_ptr<PluginState> state_;
  std::string expectedDigest_;
  int64_t expires_ = 0;
  std::unique_ptr<archive::UploadStore::Appender> appender_;
};

std::unique_ptr<RequestReader> MakeAppend(const std::string&, const OrthancPluginHttpRequest* request) {
  return std::make_unique<AppendUpload>(request->groups[0], request);
}

// Termination.
void DeleteUpload(OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  auto state = UploadState();
  CheckVersion(request);
  try {
    state->uploads->Delete(request->groups[0]);
  } catch (const archive::UploadError& e) {
    throw ToHttpError(e);
  }
  LogInfo(std::string("upload ") + request->groups[0] + " terminated by the client");
  CommonHeaders(output);
  OrthancPluginSendHttpStatusCode(Context(), output, 204);
}

// Runs a failed ingest again (after fixing what its reason names).
void RetryUpload(OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  auto state = UploadState();
  if (request->method != OrthancPluginHttpMethod_Post) throw HttpError{405, "only POST is allowed on this route"};
  if (!state->uploads->Requeue(request->groups[0])) {
    throw HttpError{409, std::string("upload ") + request->groups[0] + " has not failed (or its bytes are gone)"};
  }
  state->dispatcher->Wake();
  AnswerJson(output, UploadToJson(*state->uploads->Get(request->groups[0])));
}

}  // namespace

void RegisterTusRoutes() {
  RegisterChunkedRoute<GetCollection, MakeCreate, nullptr, nullptr>(Context(), kRoot);
  RegisterChunkedRoute<GetUpload, MakeAppend, DeleteUpload, MakeAppend>(Context(), "/video-archive/uploads/([^/]+)");
  OrthancPluginRegisterRestCallbackNoLock(
      Context(), "/video-archive/uploads/([^/]+)/retry",
      [](OrthancPluginRestOutput* output, const char*, const OrthancPluginHttpRequest* request) {
        return RunHandler(RetryUpload, output, request);
      });
}

}  // namespace va::plugin
