#include "Decoder.h"

#include <cstdio>

namespace va::codec::detail {

Decoder::Decoder(const AVStream* stream, const std::string& sourceName, int threads, bool strict)
    : stream_(stream), sourceName_(sourceName), strict_(strict) {
  const AVCodecParameters* par = stream->codecpar;
  const AVCodec* codec = avcodec_find_decoder(par->codec_id);
  if (!codec) throw CodecError("no decoder for " + std::string(avcodec_get_name(par->codec_id)) + " in " + sourceName);
  ctx_.reset(avcodec_alloc_context3(codec));
  if (!ctx_) throw CodecError("out of memory");
  Check(avcodec_parameters_to_context(ctx_.get(), par), "decoder setup for " + sourceName);
  ctx_->pkt_timebase = stream->time_base;
  ctx_->thread_count = threads;
  // Explode: an archive must not silently keep a concealed picture as if it were the source.
  if (strict_) ctx_->err_recognition |= AV_EF_EXPLODE;
  Check(avcodec_open2(ctx_.get(), codec, nullptr),
        "cannot open the " + std::string(codec->name) + " decoder for " + sourceName);
}

std::string Decoder::Position() const {
  char buf[96];
  const double t = lastTs_ == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(lastTs_) * av_q2d(stream_->time_base);
  std::snprintf(buf, sizeof buf, "%.3f s (stream %d, after %lld frames)", t, stream_->index,
                static_cast<long long>(frames_));
  return buf;
}

void Decoder::Send(const AVPacket* packet) {
  if (packet) {
    if (packet->pts != AV_NOPTS_VALUE)
      lastTs_ = packet->pts;
    else if (packet->dts != AV_NOPTS_VALUE)
      lastTs_ = packet->dts;
    if (strict_ && (packet->flags & AV_PKT_FLAG_CORRUPT))
      throw CodecError("corrupt packet in " + sourceName_ + " at " + Position());
  }
  const int ret = avcodec_send_packet(ctx_.get(), packet);
  // EOF: a second end-of-stream (harmless); EAGAIN cannot happen as callers drain after every send.
  if (ret < 0 && ret != AVERROR_EOF)
    throw CodecError("decode error in " + sourceName_ + " at " + Position() + ": " + AvError(ret));
}

bool Decoder::Receive(AVFrame* frame) {
  const int ret = avcodec_receive_frame(ctx_.get(), frame);
  if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return false;
  if (ret < 0) throw CodecError("decode error in " + sourceName_ + " at " + Position() + ": " + AvError(ret));
  if (frame->best_effort_timestamp != AV_NOPTS_VALUE) lastTs_ = frame->best_effort_timestamp;
  if (strict_ && (frame->decode_error_flags || (frame->flags & AV_FRAME_FLAG_CORRUPT)))
    throw CodecError("corrupt picture in " + sourceName_ + " at " + Position() +
                     ": the decoder had to conceal damaged or missing data");
  ++frames_;
  return true;
}

}  // namespace va::codec::detail
