#include "AudioPath.h"

#include <algorithm>

extern "C" {
#include <libavutil/opt.h>
}

namespace va::codec::detail {

namespace {

constexpr int kAacBitRatePerChannel = 96000;  // transparent for speech and theatre sound at archive scale

int PickSampleRate(const AVCodec* enc, int wanted) {
  if (!enc->supported_samplerates) return wanted;
  int best = 0;
  for (const int* r = enc->supported_samplerates; *r; ++r) {
    if (*r == wanted) return wanted;
    if (*r > best && *r <= std::max(wanted, 8000)) best = *r;
  }
  return best ? best : 48000;
}

// The source layout if the encoder takes it, else one of the encoder's with as many channels, else stereo.
void PickLayout(const AVCodec* enc, const AVChannelLayout& src, AVChannelLayout* out) {
  AVChannelLayout wanted{};
  if (src.nb_channels > 0 && src.order != AV_CHANNEL_ORDER_UNSPEC)
    av_channel_layout_copy(&wanted, &src);
  else
    av_channel_layout_default(&wanted, src.nb_channels > 0 ? src.nb_channels : 2);
  const AVChannelLayout* sameCount = nullptr;
  for (const AVChannelLayout* l = enc->ch_layouts; l && l->nb_channels; ++l) {
    if (!av_channel_layout_compare(l, &wanted)) {
      av_channel_layout_copy(out, l);
      av_channel_layout_uninit(&wanted);
      return;
    }
    if (!sameCount && l->nb_channels == wanted.nb_channels) sameCount = l;
  }
  if (sameCount)
    av_channel_layout_copy(out, sameCount);
  else if (!enc->ch_layouts)
    av_channel_layout_copy(out, &wanted);
  else
    av_channel_layout_default(out, 2);
  av_channel_layout_uninit(&wanted);
}

}  // namespace

AudioPath::AudioPath(const AVStream* in, const std::string& sourceName, Mp4Muxer& mux, int64_t startOffset, bool strict)
    : in_(in), mux_(mux), packet_(NewPacket()) {
  offset_ = av_rescale_q(startOffset, AV_TIME_BASE_Q, in->time_base);
  const AVCodecParameters* par = in->codecpar;
  const std::string codecName = avcodec_get_name(par->codec_id);
  if (par->codec_id == AV_CODEC_ID_AAC) {
    // MPEG-TS and raw AAC carry ADTS headers; MP4 wants raw frames plus an AudioSpecificConfig. The filter
    // passes raw frames through untouched, so it is safe for MP4/MOV sources too.
    const AVBitStreamFilter* filter = av_bsf_get_by_name("aac_adtstoasc");
    if (!filter) throw CodecError("FFmpeg lacks the aac_adtstoasc bitstream filter");
    AVBSFContext* raw = nullptr;
    Check(av_bsf_alloc(filter, &raw), "aac_adtstoasc");
    bsf_.reset(raw);
    Check(avcodec_parameters_copy(bsf_->par_in, par), "aac_adtstoasc");
    bsf_->time_base_in = in->time_base;
    Check(av_bsf_init(bsf_.get()), "aac_adtstoasc");
    outIndex_ = mux_.AddStream(bsf_->par_out, in->time_base, in->metadata);
    note_ = "copied aac";
    return;
  }

  decoder_ = std::make_unique<Decoder>(in, sourceName, 1, strict);
  const AVCodec* aac = avcodec_find_encoder_by_name("aac");
  if (!aac) throw CodecError("FFmpeg lacks its native aac encoder");
  encoder_.reset(avcodec_alloc_context3(aac));
  if (!encoder_) throw CodecError("out of memory");
  AVCodecContext* enc = encoder_.get();
  enc->sample_fmt = AV_SAMPLE_FMT_FLTP;
  enc->sample_rate = PickSampleRate(aac, par->sample_rate > 0 ? par->sample_rate : 48000);
  PickLayout(aac, par->ch_layout, &enc->ch_layout);
  enc->bit_rate = static_cast<int64_t>(kAacBitRatePerChannel) * enc->ch_layout.nb_channels;
  enc->time_base = AVRational{1, enc->sample_rate};
  enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // AudioSpecificConfig in extradata, as MP4 needs
  Check(avcodec_open2(enc, aac, nullptr), "cannot open the AAC encoder");
  fifo_.reset(av_audio_fifo_alloc(enc->sample_fmt, enc->ch_layout.nb_channels, enc->frame_size * 2));
  if (!fifo_) throw CodecError("out of memory");
  decoded_ = NewFrame();
  resampled_ = NewFrame();
  CodecParametersPtr outPar(avcodec_parameters_alloc());
  if (!outPar) throw CodecError("out of memory");
  Check(avcodec_parameters_from_context(outPar.get(), enc), "AAC track parameters");
  outIndex_ = mux_.AddStream(outPar.get(), enc->time_base, in->metadata);
  note_ = "re-encoded " + codecName + " -> aac";
}

void AudioPath::Push(AVPacket* packet) {
  if (bsf_) {
    Check(av_bsf_send_packet(bsf_.get(), packet), "aac_adtstoasc on stream " + std::to_string(in_->index));
    WriteFiltered();
    return;
  }
  decoder_->Send(packet);
  av_packet_unref(packet);
  while (decoder_->Receive(decoded_.get())) {
    Resample(decoded_.get());
    av_frame_unref(decoded_.get());
  }
  EncodeFromFifo(false);
}

void AudioPath::WriteFiltered() {
  for (;;) {
    const int ret = av_bsf_receive_packet(bsf_.get(), packet_.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    Check(ret, "aac_adtstoasc on stream " + std::to_string(in_->index));
    if (packet_->pts != AV_NOPTS_VALUE) packet_->pts -= offset_;
    if (packet_->dts != AV_NOPTS_VALUE) packet_->dts -= offset_;
    mux_.Write(packet_.get(), outIndex_, in_->time_base);
  }
}

void AudioPath::Resample(const AVFrame* frame) {
  AVCodecContext* enc = encoder_.get();  // non-const: swr_alloc_set_opts2 takes mutable layouts
  if (frame && nextPts_ == AV_NOPTS_VALUE) {
    // The first decoded timestamp anchors the track; from there on samples are counted, which keeps the AAC
    // timestamps gap-free (a recorder's audio clock jitter must not become clicks).
    const int64_t ts = frame->best_effort_timestamp;
    nextPts_ = ts == AV_NOPTS_VALUE ? 0 : av_rescale_q(ts - offset_, in_->time_base, enc->time_base);
  }
  if (!swr_) {
    if (!frame) return;  // nothing was ever decoded
    SwrContext* raw = nullptr;
    AVChannelLayout inLayout{};
    if (frame->ch_layout.order != AV_CHANNEL_ORDER_UNSPEC)
      av_channel_layout_copy(&inLayout, &frame->ch_layout);
    else
      av_channel_layout_default(&inLayout, frame->ch_layout.nb_channels);
    const int ret = swr_alloc_set_opts2(&raw, &enc->ch_layout, enc->sample_fmt, enc->sample_rate, &inLayout,
                                        static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0, nullptr);
    av_channel_layout_uninit(&inLayout);
    swr_.reset(raw);
    Check(ret, "audio resampler setup");
    Check(swr_init(swr_.get()), "audio resampler setup");
  }
  av_frame_unref(resampled_.get());
  resampled_->format = enc->sample_fmt;
  resampled_->sample_rate = enc->sample_rate;
  Check(av_channel_layout_copy(&resampled_->ch_layout, &enc->ch_layout), "audio layout");
  Check(swr_convert_frame(swr_.get(), resampled_.get(), frame), "audio resampling");
  if (resampled_->nb_samples > 0 &&
      av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(resampled_->extended_data), resampled_->nb_samples) <
          resampled_->nb_samples)
    throw CodecError("out of memory buffering audio");
}

void AudioPath::EncodeFromFifo(bool final) {
  AVCodecContext* enc = encoder_.get();
  const int frameSize = enc->frame_size;
  while (av_audio_fifo_size(fifo_.get()) >= frameSize || (final && av_audio_fifo_size(fifo_.get()) > 0)) {
    const int n = std::min(frameSize, av_audio_fifo_size(fifo_.get()));
    FramePtr frame = NewFrame();  // a fresh frame: the encoder may still hold a reference to the previous one
    frame->nb_samples = n;
    frame->format = enc->sample_fmt;
    frame->sample_rate = enc->sample_rate;
    Check(av_channel_layout_copy(&frame->ch_layout, &enc->ch_layout), "audio layout");
    Check(av_frame_get_buffer(frame.get(), 0), "audio buffer");
    if (av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(frame->data), n) < n)
      throw CodecError("audio buffer underrun");
    frame->pts = nextPts_;
    nextPts_ += n;
    Check(avcodec_send_frame(enc, frame.get()), "AAC encoding");
    DrainEncoder();
  }
}

void AudioPath::DrainEncoder() {
  for (;;) {
    const int ret = avcodec_receive_packet(encoder_.get(), packet_.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    Check(ret, "AAC encoding");
    mux_.Write(packet_.get(), outIndex_, encoder_->time_base);
  }
}

void AudioPath::Finish() {
  if (bsf_) {
    Check(av_bsf_send_packet(bsf_.get(), nullptr), "aac_adtstoasc flush");
    WriteFiltered();
    return;
  }
  decoder_->Send(nullptr);
  while (decoder_->Receive(decoded_.get())) {
    Resample(decoded_.get());
    av_frame_unref(decoded_.get());
  }
  if (swr_) Resample(nullptr);
  EncodeFromFifo(true);
  Check(avcodec_send_frame(encoder_.get(), nullptr), "AAC encoder flush");
  DrainEncoder();
}

}  // namespace va::codec::detail
