#include "H264Encoder.h"

#include <array>
#include <cmath>

extern "C" {
#include <libavutil/opt.h>
}

namespace va::codec::detail {

namespace {

// H.264 table A-1, level 4.2, with the High profile's factor of 1.25 (table A-2): MaxBR 50 000 and MaxCPB 62 500
// (units of 1200 bits for Baseline/Main, 1500 for High), as x264 itself checks them. CRF with a VBV at these caps
// encodes as plain CRF except on pathological content, which would otherwise leave the level.
constexpr int64_t kLevel42HighMaxBitRate = 62'500'000;
constexpr int64_t kLevel42HighMaxCpbBits = 78'125'000;
constexpr int kLevel42 = 42;

constexpr std::array<const char*, 10> kPresets = {"ultrafast", "superfast", "veryfast", "faster",   "fast",
                                                  "medium",    "slow",      "slower",   "veryslow", "placebo"};

void SetPrivate(AVCodecContext* ctx, const char* key, const std::string& value) {
  Check(av_opt_set(ctx->priv_data, key, value.c_str(), 0),
        std::string("libx264 option ") + key + "=" + value + " (FFmpeg's libx264 wrapper changed?)");
}

}  // namespace

H264Encoder::H264Encoder(const H264EncoderConfig& c) : config_(c), frame_(NewFrame()) {
  bool knownPreset = false;
  for (const char* p : kPresets) knownPreset = knownPreset || c.preset == p;
  if (!knownPreset)
    throw CodecError(
        "unknown x264 preset '" + c.preset +
        "': use one of ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow, placebo");
  if (c.crf < 1 || c.crf > 51)
    throw CodecError("x264 crf must be 1..51 (0 is lossless, outside the High profile), not " + std::to_string(c.crf));
  if (c.keyint < 1) throw CodecError("keyframe interval must be at least one frame");
  if (c.width <= 0 || c.height <= 0 || (c.width & 1) || (c.height & 1))
    throw CodecError("H.264 4:2:0 needs an even picture size, not " + std::to_string(c.width) + "x" +
                     std::to_string(c.height));

  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (!codec)
    throw CodecError(
        "this FFmpeg has no libx264 encoder (check `ffmpeg -encoders | grep libx264`); H.264 renditions "
        "need an FFmpeg built with --enable-libx264 --enable-gpl");
  ctx_.reset(avcodec_alloc_context3(codec));
  if (!ctx_) throw CodecError("out of memory");
  AVCodecContext* e = ctx_.get();
  e->width = c.width;
  e->height = c.height;
  e->pix_fmt = AV_PIX_FMT_YUV420P;
  e->framerate = c.rate;
  e->time_base = av_inv_q(c.rate);
  e->sample_aspect_ratio = c.sar;
  e->color_primaries = c.primaries;
  e->color_trc = c.transfer;
  e->colorspace = c.matrix;
  e->color_range = AVCOL_RANGE_MPEG;
  e->field_order = AV_FIELD_PROGRESSIVE;
  e->thread_count = c.threads;
  e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // SPS/PPS in extradata: the MP4 muxer writes them as avcC
  e->profile = FF_PROFILE_H264_HIGH;
  e->level = kLevel42;
  e->gop_size = c.keyint;
  e->rc_max_rate = kLevel42HighMaxBitRate;
  e->rc_buffer_size = static_cast<int>(kLevel42HighMaxCpbBits);

  SetPrivate(e, "preset", c.preset);
  SetPrivate(e, "crf", std::to_string(c.crf));
  SetPrivate(e, "profile", "high");
  // No scene-cut keyframes and closed GOPs: IDRs exactly every keyint frames. forced-idr turns the keyframe
  // requests Send() puts on those same frames into IDRs (a second guarantee of the same grid).
  // x264's "profile" is only a ceiling: the SPS names the lowest profile the tools in use need, so ultrafast (no
  // CABAC, no B-frames, no 8x8 transform) would be signalled Constrained Baseline. The 8x8 transform exists only in
  // High, so keeping it on (every preset but ultrafast has it anyway) makes every rendition a High profile stream.
  SetPrivate(e, "x264-params", "scenecut=0:open-gop=0:8x8dct=1");
  SetPrivate(e, "forced-idr", "1");

  Check(avcodec_open2(e, codec, nullptr), "cannot open the libx264 encoder (" + std::to_string(c.width) + "x" +
                                              std::to_string(c.height) + ", preset " + c.preset + ")");
  settings_ = "libx264 preset=" + c.preset + " crf=" + std::to_string(c.crf) +
              " profile=high level=4.2 keyint=" + std::to_string(c.keyint);
}

void H264Encoder::Send(const AVFrame* picture, int64_t index) {
  if (!picture) {
    const int ret = avcodec_send_frame(ctx_.get(), nullptr);
    if (ret < 0 && ret != AVERROR_EOF) Check(ret, "H.264 encoder flush");
    return;
  }
  Check(av_frame_ref(frame_.get(), picture), "H.264 encoder input");
  frame_->pts = index;
  // The wrapper turns a decoded picture's own type into a forced type: only our keyframe grid may force anything.
  frame_->pict_type = index % config_.keyint == 0 ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
  frame_->interlaced_frame = 0;
  frame_->top_field_first = 0;
  const int ret = avcodec_send_frame(ctx_.get(), frame_.get());
  av_frame_unref(frame_.get());
  Check(ret, "H.264 encoding of frame " + std::to_string(index));
}

bool H264Encoder::Receive(AVPacket* packet) {
  const int ret = avcodec_receive_packet(ctx_.get(), packet);
  if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return false;
  Check(ret, "H.264 encoding");
  if (packet->duration <= 0) packet->duration = 1;
  return true;
}

}  // namespace va::codec::detail
