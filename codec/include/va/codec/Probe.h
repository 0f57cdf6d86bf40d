// What a media file holds, read with libavformat/libavcodec.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "va/codec/CodecError.h"

namespace va::codec {

struct StreamInfo {
  std::string container;  // libavformat short name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "mpeg", "mpegts"
  std::string codecName;  // "h264", "hevc", "mpeg2video", ...
  std::string profile;    // e.g. "High", "Main", "Main 10"
  int level = 0;          // codec level as FFmpeg reports it (e.g. 153 for HEVC 5.1, 31 for H.264 3.1)
  int width = 0;
  int height = 0;
  int fpsNum = 0;  // average (or nominal) frame rate
  int fpsDen = 1;
  // Timestamps do not follow one frame period (dropped or jittered frames, soft telecine). Found from the spacing
  // of the presentation times in the first seconds and, where the container counts its frames, from that count
  // against duration x nominal rate. DICOM has a single Frame Time, so such video needs a transcode.
  bool variableFrameRate = false;
  int64_t frameCount = 0;  // from the container when known, else estimated from duration * fps
  double durationSec = 0;
  int bitDepth = 8;
  std::string pixelFormat;   // e.g. "yuv420p"
  std::string chromaFormat;  // "420", "422", "444" (also RGB), "400" (grey); rarer ones as "411", "440", "410"
  bool interlaced = false;
  int audioStreams = 0;
  std::string audioCodec;  // first audio stream, empty when none
  int64_t bitRate = 0;     // video stream bit rate when the container states it, else the overall bit rate
};

// Throws CodecError when the file cannot be opened or holds no video stream.
StreamInfo Probe(const std::string& path);

// The same for bytes in memory (read through a custom AVIOContext; nothing touches the file system).
StreamInfo ProbeBuffer(const uint8_t* data, size_t size);

// Decodes every video frame of the file end to end (bounded memory). Throws CodecError on a decode error.
struct DecodeCheck {
  int64_t frames = 0;
  double durationSec = 0;  // frames / nominal fps
  int64_t audioPackets = 0;
};
DecodeCheck DecodeAll(const std::string& path);

}  // namespace va::codec
