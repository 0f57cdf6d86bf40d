#include "ChunkedRoute.h"

#include "OrthancApi.h"
#include "UploadErrors.h"
#include "va/archive/UploadStore.h"

namespace va::plugin {

namespace {

// What a failed refusal may still read and drop so that the client gets a real answer.
constexpr size_t kMaxDroppedBody = 64 << 20;

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

namespace detail {

OrthancPluginErrorCode MakeReader(ReaderFactory factory, OrthancPluginServerChunkedRequestReader** reader,
                                  const char* url, const OrthancPluginHttpRequest* request) {
  std::unique_ptr<RequestReader> made;
  try {
    made = factory(url, request);
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

OrthancPluginErrorCode RunHandler(SimpleHandler handler, OrthancPluginRestOutput* output,
                                  const OrthancPluginHttpRequest* request) {
  try {
    handler(output, request);
  } catch (const HttpError& e) {
    AnswerError(output, e.status, e.reason);
  } catch (const OrthancCallError& e) {
    AnswerError(output, e.HttpStatus(), e.what());
  } catch (const std::exception& e) {
    AnswerError(output, 500, e.what());
  }
  return OrthancPluginErrorCode_Success;
}

}  // namespace detail

}  // namespace va::plugin
