// What the streamed multipart readers of the STOW-RS route share: the multipart reader's errors as HTTP errors, a
// part's media type, and the upload store they stage into.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "MultipartReader.h"
#include "PluginState.h"

namespace va::plugin {

// Feeds body bytes; a malformed body is 400 with the reader's reason.
void FeedMultipart(MultipartReader& reader, const void* data, size_t size);
// Checks the body ended properly; 400 otherwise.
void FinishMultipart(MultipartReader& reader);
// The media type a part's headers name, `fallback` when they name none; 400 when malformed.
std::string PartMediaType(const std::map<std::string, std::string>& headersLowercased, const MultipartReader& reader,
                          const std::string& fallback);
// The plugin's state when its uploads (and so the upload store) are on; 503 / 404 otherwise.
std::shared_ptr<PluginState> UploadsState();

}  // namespace va::plugin
