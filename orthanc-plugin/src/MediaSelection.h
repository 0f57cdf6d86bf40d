// Picks the bytes to deliver for a video instance: its original bitstream or its H.264 rendition (started on demand
// when missing), from the `rendition` query parameter and the Accept header.
#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <memory>
#include <string>

#include "MediaNegotiation.h"
#include "PluginState.h"
#include "StoredVideo.h"

namespace va::plugin {

struct SelectedMedia {
  std::shared_ptr<const StoredVideo> video;  // the stored instance
  Rendition rendition = Rendition::Original;
  std::shared_ptr<codec::ByteSource> bytes;  // what to deliver
  std::string contentType;
  std::string etag;
  std::string cacheKey;  // instance + rendition, for derived data (timelines, sprites)
};

// Throws HttpError: 404 / 415 (see OpenStoredVideo), 400 / 406 (negotiation), and 503 with a Retry-After header
// while the H.264 rendition is being made (the answer names the job to follow).
SelectedMedia SelectMedia(PluginState& state, OrthancPluginRestOutput* output, const std::string& instanceId,
                          const std::string& renditionParam, const std::string& acceptHeader);

}  // namespace va::plugin
