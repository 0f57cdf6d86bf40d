// Brings decoded pictures to what x265 takes: yuv420p or yuv420p10le at the encoder's (even) size.
#pragma once

#include <string>

#include "FfmpegHandles.h"

namespace va::codec::detail {

class FrameConverter {
 public:
  // width/height: the encoder's size (even). bitDepth: 8 or 10. fullRange: the range the VUI will signal.
  FrameConverter(int width, int height, int bitDepth, bool fullRange);

  // Returns src itself when it already fits, else a converted frame owned by the converter (valid until the next
  // call). Odd-sized sources are padded by replicating their last column / row; other sizes are scaled.
  const AVFrame* Convert(const AVFrame* src);

  AVPixelFormat target() const { return target_; }
  bool fullRange() const { return fullRange_; }
  // Human-readable notes on what had to be done ("", or e.g. "scaled 640x480 -> 1280x720 on 3 frames").
  std::string Notes() const;

  // yuvj* formats hold the same samples as yuv* with full range; FFmpeg deprecates them in swscale.
  static AVPixelFormat Normalize(AVPixelFormat fmt, bool* fullRange);

 private:
  int width_;
  int height_;
  AVPixelFormat target_;
  bool fullRange_;
  SwsPtr sws_;
  int swsW_ = 0, swsH_ = 0;
  AVPixelFormat swsFmt_ = AV_PIX_FMT_NONE;
  bool swsFull_ = false;
  FramePtr out_;
  long long padded_ = 0, scaled_ = 0, converted_ = 0;
  std::string padNote_, scaleNote_, convertNote_;
};

}  // namespace va::codec::detail
