// Playback routes under /video-archive (README.md, "Playback"): MP4 with Range, HLS per instance and per series,
// thumbnails, scrubbing sprites, H.264 renditions, and the player page.
#pragma once

namespace va::plugin {

void RegisterDeliveryRoutes();

}  // namespace va::plugin
