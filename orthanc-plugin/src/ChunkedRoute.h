// Adapts Orthanc's chunked REST callback (request bodies streamed piece by piece, never held whole) to C++ readers.
#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "HttpHelpers.h"

namespace va::plugin {

// One request with a body. An error thrown by AddChunk or Execute is answered with its status and reason. Orthanc
// cannot answer before the body is consumed, so after an error the rest of a body is read and dropped, up to a
// bound past which the transfer is cut (the client then sees Orthanc's own 400, and our reason is in the log).
class RequestReader {
 public:
  virtual ~RequestReader() = default;
  virtual void AddChunk(const void* data, size_t size) = 0;
  virtual void Execute(OrthancPluginRestOutput* output) = 0;

  // Used by the route adapter.
  std::optional<HttpError> failure;
  size_t dropped = 0;
};

// A request refused before its body was read.
class RefusedRequest : public RequestReader {
 public:
  explicit RefusedRequest(HttpError error) { failure = std::move(error); }
  void AddChunk(const void*, size_t) override {}
  void Execute(OrthancPluginRestOutput*) override {}
};

// Orthanc reads a body that has a Content-Length whole into memory before handing it over (only a body sent with
// Transfer-Encoding: chunked streams). A factory throws this to refuse such a body before Orthanc reads it; the
// client gets 413 with the message registered by RegisterChunkedRouteErrors.
class BodyNotStreamed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// Declares the plugin's error code for BodyNotStreamed; call once at initialisation. limitMegabytes goes into the
// message clients read.
void RegisterChunkedRouteErrors(OrthancPluginContext* context, int limitMegabytes);

using ReaderFactory = std::unique_ptr<RequestReader> (*)(const std::string& url,
                                                         const OrthancPluginHttpRequest* request);

namespace detail {
OrthancPluginErrorCode AddChunk(OrthancPluginServerChunkedRequestReader* reader, const void* data, uint32_t size);
OrthancPluginErrorCode Execute(OrthancPluginServerChunkedRequestReader* reader, OrthancPluginRestOutput* output);
void Finalize(OrthancPluginServerChunkedRequestReader* reader);
OrthancPluginErrorCode MakeReader(ReaderFactory factory, OrthancPluginServerChunkedRequestReader** reader,
                                  const char* url, const OrthancPluginHttpRequest* request);

template <ReaderFactory factory>
OrthancPluginErrorCode Factory(OrthancPluginServerChunkedRequestReader** reader, const char* url,
                               const OrthancPluginHttpRequest* request) {
  return MakeReader(factory, reader, url, request);
}
template <SimpleHandler handler>
OrthancPluginErrorCode Handler(OrthancPluginRestOutput* output, const char*, const OrthancPluginHttpRequest* request) {
  return RunHandler(handler, output, request);
}
}  // namespace detail

// Registers a route whose POST and PUT bodies stream through readers made by the factories (nullptr = method not
// allowed), and whose GET and DELETE are plain handlers (nullptr = not allowed). Handlers and readers may throw
// HttpError (answered with its status and reason) or any std::exception (500).
template <SimpleHandler get, ReaderFactory post, SimpleHandler del, ReaderFactory put>
void RegisterChunkedRoute(OrthancPluginContext* context, const char* pathRegex) {
  OrthancPluginRestCallback getCallback = nullptr;
  OrthancPluginRestCallback deleteCallback = nullptr;
  OrthancPluginServerChunkedRequestReaderFactory postFactory = nullptr;
  OrthancPluginServerChunkedRequestReaderFactory putFactory = nullptr;
  if constexpr (get != nullptr) getCallback = detail::Handler<get>;
  if constexpr (del != nullptr) deleteCallback = detail::Handler<del>;
  if constexpr (post != nullptr) postFactory = detail::Factory<post>;
  if constexpr (put != nullptr) putFactory = detail::Factory<put>;
  OrthancPluginRegisterChunkedRestCallback(context, pathRegex, getCallback, postFactory, deleteCallback, putFactory,
                                           detail::AddChunk, detail::Execute, detail::Finalize);
}

}  // namespace va::plugin
