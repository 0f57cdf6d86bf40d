#include "MultipartRequest.h"

#include "HttpHelpers.h"

namespace va::plugin {

void FeedMultipart(MultipartReader& reader, const void* data, size_t size) {
  try {
    reader.Feed(static_cast<const char*>(data), size);
  } catch (const MultipartError& e) {
    throw HttpError{400, std::string("malformed multipart body: ") + e.what()};
  }
}

void FinishMultipart(MultipartReader& reader) {
  try {
    reader.Finish();
  } catch (const MultipartError& e) {
    throw HttpError{400, std::string("malformed multipart body: ") + e.what()};
  }
}

std::string PartMediaType(const std::map<std::string, std::string>& headersLowercased, const MultipartReader& reader,
                          const std::string& fallback) {
  const auto ct = headersLowercased.find("content-type");
  if (ct == headersLowercased.end()) return fallback;
  try {
    return ParseMediaType(ct->second).type;
  } catch (const MultipartError& e) {
    throw HttpError{400, "part " + std::to_string(reader.partCount()) + ": " + e.what()};
  }
}

std::shared_ptr<PluginState> UploadsState() {
  std::shared_ptr<PluginState> state = State();
  if (!state) throw HttpError{503, "the video archive is not initialised"};
  if (!state->config.uploads.enable) throw HttpError{404, "uploads are disabled (VideoArchive.Uploads.Enable)"};
  return state;
}

}  // namespace va::plugin
