#include "ChunkedRoute.h"

#include "OrthancApi.h"
#include "va/archive/UploadStore.h"

namespace va::plugin {

namespace {

// What a failed refusal may still read and drop so that the client gets a real answer.
constexpr size_t kMaxDroppedBody = 64 << 20;

RequestReader* AsReader(OrthancPluginServerChunkedRequestReader* reader) {
  return reinterpret_cast<RequestReader*>(reader);
}

}  // namespace

void RefusedRequest::AddChunk(const void*, size_t size) {
  dropped_ += size;
  if (dropped_ > kMaxDroppedBody) throw error_;
}

void RefusedRequest::Execute(OrthancPluginRestOutput*) {
  throw error_;
}

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
  try {
    AsReader(reader)->AddChunk(data, size);
    return OrthancPluginErrorCode_Success;
  } catch (const HttpError& e) {
    LogWarning("request refused while its body arrived: " + e.reason);
    return e.status == 507 ? OrthancPluginErrorCode_FullStorage : OrthancPluginErrorCode_BadRequest;
  } catch (const archive::UploadError& e) {
    LogWarning(std::string("request refused while its body arrived: ") + e.what());
    return e.kind() == archive::UploadError::Kind::NoSpace ? OrthancPluginErrorCode_FullStorage
                                                           : OrthancPluginErrorCode_BadRequest;
  } catch (const std::exception& e) {
    LogError(std::string("request failed while its body arrived: ") + e.what());
    return OrthancPluginErrorCode_InternalError;
  }
}

OrthancPluginErrorCode Execute(OrthancPluginServerChunkedRequestReader* reader, OrthancPluginRestOutput* output) {
  try {
    AsReader(reader)->Execute(output);
  } catch (const HttpError& e) {
    AnswerError(output, e.status, e.reason);
  } catch (const std::exception& e) {
    AnswerError(output, 500, e.what());
  }
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
