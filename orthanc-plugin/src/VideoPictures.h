// Pictures of stored videos: a frame at a time (thumbnails, /preview through the decode-image callback) and scrubbing
// sprites (one JPEG of evenly spread frames + a WebVTT track that maps times to tiles, as web players read them).
#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <string>

#include "PluginState.h"
#include "StoredVideo.h"
#include "va/codec/Frames.h"

namespace va::plugin {

// The frame shown at t seconds (0 = the first), scaled down to fit width x height (0 = no limit).
codec::RgbImage ThumbnailOf(const StoredVideo& video, double t, int width, int height);

// Answers image/jpeg, or image/png when the Accept header prefers it.
void AnswerPicture(OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request,
                   const codec::RgbImage& image);

struct SpriteFiles {
  std::string jpegPath;
  std::string vttPath;
};
// Made once per (instance, tiles, width) into <WorkDirectory>/delivery, then read from there.
SpriteFiles SpriteOf(const PluginState& state, const StoredVideo& video, int tiles, int tileWidth);

// Orthanc's decode-image callback: frame frameIndex of a video instance as an RGB image. Returns
// OrthancPluginErrorCode_Plugin for anything that is not video, so Orthanc's own decoder takes it.
OrthancPluginErrorCode DecodeVideoFrame(OrthancPluginImage** target, const void* dicom, uint32_t size,
                                        uint32_t frameIndex);

}  // namespace va::plugin
