// What the linked FFmpeg and x265 can do, asked at run time (the packaged libraries may differ from the headers).
#include <x265.h>

#include "FfmpegHandles.h"
#include "va/codec/Transcoder.h"

namespace va::codec {

namespace {

std::string VersionString(unsigned v) {
  return std::to_string(AV_VERSION_MAJOR(v)) + "." + std::to_string(AV_VERSION_MINOR(v)) + "." +
         std::to_string(AV_VERSION_MICRO(v));
}

}  // namespace

CodecCapabilities QueryCapabilities() {
  CodecCapabilities caps;
  caps.x265Version = std::string("x265 ") + x265_version_str;
  // x265_api_get returns null for a bit depth the library (or a loadable libx265_mainNN) does not provide.
  caps.x265Main = x265_api_get(8) != nullptr;
  caps.x265Main10 = x265_api_get(10) != nullptr;
  caps.x265Main12 = x265_api_get(12) != nullptr;
  caps.libavformatVersion = "libavformat " + VersionString(avformat_version());
  caps.libavcodecVersion = "libavcodec " + VersionString(avcodec_version());
  caps.decodeH264 = avcodec_find_decoder(AV_CODEC_ID_H264) != nullptr;
  caps.decodeHevc = avcodec_find_decoder(AV_CODEC_ID_HEVC) != nullptr;
  caps.decodeMpeg2 = avcodec_find_decoder(AV_CODEC_ID_MPEG2VIDEO) != nullptr;
  caps.encodeAac = avcodec_find_encoder_by_name("aac") != nullptr;
  return caps;
}

}  // namespace va::codec
