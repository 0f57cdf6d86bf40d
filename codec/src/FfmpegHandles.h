// Owning handles for FFmpeg objects: every context, frame and packet is freed by its unique_ptr, on every path.
#pragma once

#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include "va/codec/CodecError.h"

namespace va::codec::detail {

struct InputFormatDeleter {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
// An output context owns its AVIOContext (opened with avio_open) as well.
struct OutputFormatDeleter {
  void operator()(AVFormatContext* c) const {
    if (c && !(c->oformat->flags & AVFMT_NOFILE)) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
struct CodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct CodecParametersDeleter {
  void operator()(AVCodecParameters* p) const { avcodec_parameters_free(&p); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsDeleter {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
struct SwrDeleter {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
struct BsfDeleter {
  void operator()(AVBSFContext* b) const { av_bsf_free(&b); }
};
struct AudioFifoDeleter {
  void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
};
struct FilterGraphDeleter {
  void operator()(AVFilterGraph* g) const { avfilter_graph_free(&g); }
};
struct FilterInOutDeleter {
  void operator()(AVFilterInOut* io) const { avfilter_inout_free(&io); }
};
// A custom (memory) AVIOContext: its buffer may have been reallocated by FFmpeg, so free what it holds now.
struct CustomIoDeleter {
  void operator()(AVIOContext* io) const {
    if (io) av_freep(&io->buffer);
    avio_context_free(&io);
  }
};

using InputFormatPtr = std::unique_ptr<AVFormatContext, InputFormatDeleter>;
using OutputFormatPtr = std::unique_ptr<AVFormatContext, OutputFormatDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using CodecParametersPtr = std::unique_ptr<AVCodecParameters, CodecParametersDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;
using BsfPtr = std::unique_ptr<AVBSFContext, BsfDeleter>;
using AudioFifoPtr = std::unique_ptr<AVAudioFifo, AudioFifoDeleter>;
using CustomIoPtr = std::unique_ptr<AVIOContext, CustomIoDeleter>;
using FilterGraphPtr = std::unique_ptr<AVFilterGraph, FilterGraphDeleter>;  // owns its filter contexts
using FilterInOutPtr = std::unique_ptr<AVFilterInOut, FilterInOutDeleter>;

inline std::string AvError(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  // Some decoders return private codes (AC-3's parse errors, ...) that av_strerror cannot name.
  if (av_strerror(err, buf, sizeof buf) < 0) return "damaged data (decoder error " + std::to_string(err) + ")";
  return buf;
}

// Throws CodecError("<what>: <FFmpeg reason>") when ret is an FFmpeg error code.
inline int Check(int ret, const std::string& what) {
  if (ret < 0) throw CodecError(what + ": " + AvError(ret));
  return ret;
}

inline FramePtr NewFrame() {
  FramePtr f(av_frame_alloc());
  if (!f) throw CodecError("out of memory allocating a frame");
  return f;
}

inline PacketPtr NewPacket() {
  PacketPtr p(av_packet_alloc());
  if (!p) throw CodecError("out of memory allocating a packet");
  return p;
}

}  // namespace va::codec::detail
