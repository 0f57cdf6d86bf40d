// H.264 High profile, 8-bit 4:2:0, level 4.2 through libavcodec's libx264 wrapper: constant frame rate, closed GOPs
// of a fixed length, VBV capped at the level's limits.
#pragma once

#include <string>

#include "FfmpegHandles.h"

namespace va::codec::detail {

struct H264EncoderConfig {
  int width = 0;  // even
  int height = 0;
  AVRational rate{25, 1};  // frames per second; the encoder's time base is its inverse (pts = frame number)
  AVRational sar{0, 1};    // 0/1 = unknown
  AVColorPrimaries primaries = AVCOL_PRI_UNSPECIFIED;
  AVColorTransferCharacteristic transfer = AVCOL_TRC_UNSPECIFIED;
  AVColorSpace matrix = AVCOL_SPC_UNSPECIFIED;
  std::string preset = "veryfast";
  int crf = 23;
  int threads = 0;
  int keyint = 50;  // an IDR every keyint frames and nowhere else
};

class H264Encoder {
 public:
  // Throws CodecError when libx264 is missing or refuses the settings.
  explicit H264Encoder(const H264EncoderConfig& config);

  // Sends picture number `index` (yuv420p, limited range, the configured size); nullptr flushes.
  void Send(const AVFrame* picture, int64_t index);
  // The next encoded access unit (timestamps in timeBase()); false when more input is needed or fully drained.
  bool Receive(AVPacket* packet);

  AVCodecContext* context() const { return ctx_.get(); }
  AVRational timeBase() const { return ctx_->time_base; }
  const std::string& Settings() const { return settings_; }

 private:
  H264EncoderConfig config_;
  CodecContextPtr ctx_;
  FramePtr frame_;  // a reference to the picture being sent, with the fields the encoder reads set by us
  std::string settings_;
};

}  // namespace va::codec::detail
