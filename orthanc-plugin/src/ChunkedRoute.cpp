#include "ChunkedRoute.h"

#include "OrthancApi.h"
#include "UploadErrors.h"
#include "va/archive/UploadStore.h"

namespace va::plugin {

namespace {

// What a failed refusal may still read and drop so that the client gets a real answer.
constexpr size_t kMaxDroppedBody = 64 << 20;

OrthancPluginErrorCode g_bodyNotStreamed = OrthancPluginErrorCode_BadRequest;
int64_t g_maxBufferedBody = int64_t{64} << 20;

// A Content-Length body above the bound would sit whole in Orthanc's memory.
void CheckBodyStreamed(const OrthancPluginHttpRequest* request) {
  const std::string length = GetHeader(request, "content-length");
  if (length.empty()) return;  // chunked: streamed
  int64_t bytes = 0;
  for (char c : length) {
    if (c < '0' || c > '9' || bytes > (int64_t{1} << 50)) return;  // malformed: Orthanc refuses it itself
    bytes = bytes * 10 + (c - '0');
  }
  if (bytes > g_maxBufferedBody) {
    throw BodyNotStreamed("Content-Length " + length + " is above the " + std::to_string(g_maxBufferedBody >> 20) +
                          " MiB a request may have unless sent with Transfer-Encoding: chunked");
  }
}

RequestReader* AsReader(OrthancPluginServerChunkedRequestReader* reader) {
  return reinterpret_cast<RequestReader*>(reader);
}

// What the reason of an error raised while a body arrives reads as over HTTP.
HttpError AsHttpError() {
  try {
    throw;
  } catch (const HttpError& e) {
    return e;
  } catch (const archive::UploadError& e) {
    return ToHttpError(e);
  } catch (const std::exception& e) {
    return HttpError{500, e.what()};
  } catch (...) {
    return HttpError{500, "unexpected error"};
  }
}

}  // namespace

void RegisterChunkedRouteErrors(OrthancPluginContext* context, int limitMegabytes) {
  g_maxBufferedBody = static_cast<int64_t>(limitMegabytes) << 20;
  const std::string message = "a request body over " + std::to_string(limitMegabytes) +
                              " MiB must be sent with Transfer-Encoding: chunked (Orthanc would hold a body with "
                              "Content-Length whole in memory); or send smaller pieces (tus chunkSize)";
  g_bodyNotStreamed = OrthancPluginRegisterErrorCode(context, 1, 413, message.c_str());
}

namespace detail {

OrthancPluginErrorCode MakeReader(ReaderFactory factory, OrthancPluginServerChunkedRequestReader** reader,
                                  const char* url, const OrthancPluginHttpRequest* request) {
  std::unique_ptr<RequestReader> made;
  try {
    CheckBodyStreamed(request);
    made = factory(url, request);
  } catch (const BodyNotStreamed& e) {
    // Returning an error here is the only way to answer before Orthanc reads the whole body into memory.
    LogWarning(std::string("request refused before its body was read: ") + e.what());
    return g_bodyNotStreamed;
  } catch (const HttpError& e) {
    made = std::make_unique<RefusedRequest>(e);
  } catch (const std::exception& e) {
    made = std::make_unique<RefusedRequest>(HttpError{500, e.what()});
  }
  *reader = reinterpret_cast<OrthancPluginServerChunkedRequestReader*>(made.release());
  return OrthancPluginErrorCode_Success;
}

OrthancPluginErrorCode AddChunk(OrthancPluginServerChunkedRequestReader* reader, const void* data, uint32_t size) {
  RequestReader* r = AsReader(reader);
  if (r->failure) {
    r->dropped += size;
    if (r->dropped <= kMaxDroppedBody) return OrthancPluginErrorCode_Success;
    LogWarning("request refused, its body cut after " + std::to_string(r->dropped >> 20) +
               " MiB: " + r->failure->reason);
    return r->failure->status == 507 ? OrthancPluginErrorCode_FullStorage : OrthancPluginErrorCode_BadRequest;
  }
  try {
    r->AddChunk(data, size);
  } catch (...) {
    r->failure = AsHttpError();
  }
  return OrthancPluginErrorCode_Success;
}

OrthancPluginErrorCode Execute(OrthancPluginServerChunkedRequestReader* reader, OrthancPluginRestOutput* output) {
  RequestReader* r = AsReader(reader);
  try {
    if (!r->failure) r->Execute(output);
  } catch (...) {
    r->failure = AsHttpError();
  }
  if (r->failure) AnswerError(output, r->failure->status, r->failure->reason);
  return OrthancPluginErrorCode_Success;
}

void Finalize(OrthancPluginServerChunkedRequestReader* reader) {
  delete AsReader(reader);
}

}  // namespace detail

}  // namespace va::plugin
