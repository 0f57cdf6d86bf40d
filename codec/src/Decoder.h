// A strict FFmpeg decoder for one stream: errors and concealed (corrupt) frames become CodecError with a position.
#pragma once

#include <cstdint>
#include <string>

#include "FfmpegHandles.h"

namespace va::codec::detail {

class Decoder {
 public:
  // threads: 0 = FFmpeg's automatic choice. strict: concealed errors and corrupt packets are failures too.
  Decoder(const AVStream* stream, const std::string& sourceName, int threads, bool strict);

  // Sends one packet, or nullptr at end of stream. Throws CodecError.
  void Send(const AVPacket* packet);
  // Fills frame with the next decoded frame; false when more input is needed or the decoder is drained.
  bool Receive(AVFrame* frame);

  AVCodecContext* context() const { return ctx_.get(); }
  int64_t frames() const { return frames_; }
  // "12.345 s (frame 370)" for messages, from the last timestamp seen.
  std::string Position() const;

 private:
  const AVStream* stream_;
  std::string sourceName_;
  bool strict_;
  CodecContextPtr ctx_;
  int64_t frames_ = 0;
  int64_t lastTs_ = AV_NOPTS_VALUE;
};

}  // namespace va::codec::detail
