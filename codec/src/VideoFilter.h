// A libavfilter chain between the decoder and the encoder (deinterlace, crop, constant frame rate).
#pragma once

#include <string>

#include "FfmpegHandles.h"

namespace va::codec::detail {

struct VideoFilterInput {
  int width = 0;
  int height = 0;
  AVPixelFormat format = AV_PIX_FMT_NONE;
  AVRational timeBase{1, 25};  // of the frames pushed
  AVRational sar{0, 1};
  AVRational frameRate{0, 1};  // a hint for filters; 0/1 when unknown
};

class VideoFilter {
 public:
  // chain: libavfilter syntax, e.g. "bwdif=mode=send_frame,crop=w=640:h=480:x=0:y=0". threads: 0 = automatic.
  // Throws CodecError when the chain does not parse or does not fit the input.
  VideoFilter(const std::string& chain, const VideoFilterInput& input, int threads);

  // Takes the frame's data (the frame is left blank).
  void Push(AVFrame* frame);
  // End of input at endPts (the time base of the input): rate filters fill up to there.
  void Close(int64_t endPts);
  // The next filtered frame; false when the chain needs more input or is drained.
  bool Pull(AVFrame* frame);

  AVRational outputTimeBase() const;

 private:
  std::string chain_;
  FilterGraphPtr graph_;
  AVFilterContext* source_ = nullptr;  // owned by graph_
  AVFilterContext* sink_ = nullptr;    // owned by graph_
};

}  // namespace va::codec::detail
