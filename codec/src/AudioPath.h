// One source audio track on its way into the MP4: AAC is copied (ADTS headers stripped), anything else is
// decoded, resampled to planar float and re-encoded with FFmpeg's native AAC encoder.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "Decoder.h"
#include "FfmpegHandles.h"
#include "Mp4Muxer.h"

namespace va::codec::detail {

class AudioPath {
 public:
  // Adds the output track to mux (before mux.Start()). startOffset (AV_TIME_BASE units) is subtracted from every
  // timestamp so audio keeps its place relative to the video, whose first picture becomes time 0.
  AudioPath(const AVStream* in, const std::string& sourceName, Mp4Muxer& mux, int64_t startOffset, bool strict);

  // A demuxed packet of this track; its data is taken (the packet is left blank).
  void Push(AVPacket* packet);
  // Drains decoder, resampler and encoder at the end of the input.
  void Finish();

  const std::string& Note() const { return note_; }

 private:
  void WriteFiltered();
  void Resample(const AVFrame* frame);  // nullptr flushes the resampler
  void EncodeFromFifo(bool final);
  void DrainEncoder();

  const AVStream* in_;
  Mp4Muxer& mux_;
  int outIndex_ = -1;
  int64_t offset_ = 0;  // in the input stream's time base
  std::string note_;
  PacketPtr packet_;
  // Copy path.
  BsfPtr bsf_;
  // Re-encode path.
  std::unique_ptr<Decoder> decoder_;
  CodecContextPtr encoder_;
  SwrPtr swr_;
  AudioFifoPtr fifo_;
  FramePtr decoded_;
  FramePtr resampled_;
  int64_t nextPts_ = AV_NOPTS_VALUE;  // in 1/sample_rate
};

}  // namespace va::codec::detail
