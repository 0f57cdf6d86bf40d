// Still-image encoding of RGB pictures with libavcodec: JPEG (mjpeg encoder) and PNG.
#include <cstring>

#include "FfmpegHandles.h"
#include "va/codec/Frames.h"

namespace va::codec {

namespace {

using detail::Check;

// JPEG and PNG both store sizes in 16 bits (PNG allows more, its decoders often do not).
constexpr int kMaxSide = 65535;

void CheckImage(const RgbImage& image, const std::string& format) {
  const std::string size = std::to_string(image.width) + "x" + std::to_string(image.height);
  if (image.width <= 0 || image.height <= 0 || image.width > kMaxSide || image.height > kMaxSide)
    throw CodecError("cannot encode a " + format + " of " + size + " pixels: each side must be 1 to " +
                     std::to_string(kMaxSide));
  const size_t expected = static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * 3;
  if (image.pixels.size() != expected)
    throw CodecError("cannot encode a " + format + " of " + size + " pixels: the image holds " +
                     std::to_string(image.pixels.size()) + " bytes of RGB, not " + std::to_string(expected));
}

// The image in an aligned RGB24 frame, as encoders and swscale want it.
detail::FramePtr RgbFrame(const RgbImage& image) {
  detail::FramePtr frame = detail::NewFrame();
  frame->format = AV_PIX_FMT_RGB24;
  frame->width = image.width;
  frame->height = image.height;
  Check(av_frame_get_buffer(frame.get(), 0), "RGB picture buffer");
  const size_t row = static_cast<size_t>(image.width) * 3;
  for (int y = 0; y < image.height; ++y)
    std::memcpy(frame->data[0] + static_cast<ptrdiff_t>(y) * frame->linesize[0], image.pixels.data() + row * y, row);
  return frame;
}

// Encodes one picture with an intra-only encoder opened by `configure`d context; returns the bytes of its packet.
template <typename Configure>
std::string EncodeStill(AVCodecID id, const std::string& format, AVFrame* frame, Configure configure) {
  const AVCodec* codec = avcodec_find_encoder(id);
  if (!codec) throw CodecError("this FFmpeg has no " + format + " encoder");
  detail::CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw CodecError("out of memory");
  ctx->width = frame->width;
  ctx->height = frame->height;
  ctx->pix_fmt = static_cast<AVPixelFormat>(frame->format);
  ctx->time_base = AVRational{1, 25};
  configure(ctx.get());
  Check(avcodec_open2(ctx.get(), codec, nullptr), "cannot open the " + format + " encoder");
  frame->pts = 0;
  Check(avcodec_send_frame(ctx.get(), frame), format + " encoding");
  Check(avcodec_send_frame(ctx.get(), nullptr), format + " encoding");
  detail::PacketPtr packet = detail::NewPacket();
  std::string bytes;
  for (;;) {
    const int ret = avcodec_receive_packet(ctx.get(), packet.get());
    if (ret == AVERROR_EOF) break;
    Check(ret, format + " encoding");
    bytes.append(reinterpret_cast<const char*>(packet->data), static_cast<size_t>(packet->size));
    av_packet_unref(packet.get());
  }
  if (bytes.empty()) throw CodecError("the " + format + " encoder produced no picture");
  return bytes;
}

}  // namespace

std::string EncodeJpeg(const RgbImage& image, int quality) {
  CheckImage(image, "JPEG");
  if (quality < 1 || quality > 100) throw CodecError("JPEG quality must be 1 to 100, not " + std::to_string(quality));
  // 100 -> quantiser 1 (finest), 1 -> 31 (coarsest), linearly.
  const int qscale = 1 + ((100 - quality) * 30 + 49) / 99;

  const detail::FramePtr rgb = RgbFrame(image);
  detail::FramePtr yuv = detail::NewFrame();
  yuv->format = AV_PIX_FMT_YUVJ420P;
  yuv->width = image.width;
  yuv->height = image.height;
  yuv->color_range = AVCOL_RANGE_JPEG;
  yuv->colorspace = AVCOL_SPC_BT470BG;
  Check(av_frame_get_buffer(yuv.get(), 0), "JPEG picture buffer");
  // yuvj420p is yuv420p with full range; swscale is asked for the latter (it deprecates the j formats).
  const detail::SwsPtr sws(sws_getContext(image.width, image.height, AV_PIX_FMT_RGB24, image.width, image.height,
                                          AV_PIX_FMT_YUV420P, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP,
                                          nullptr, nullptr, nullptr));
  if (!sws) throw CodecError("cannot convert RGB to YUV for JPEG");
  const int* bt601 = sws_getCoefficients(SWS_CS_ITU601);
  sws_setColorspaceDetails(sws.get(), bt601, 1, bt601, 1, 0, 1 << 16, 1 << 16);
  Check(sws_scale(sws.get(), rgb->data, rgb->linesize, 0, image.height, yuv->data, yuv->linesize),
        "RGB to YUV conversion");
  yuv->quality = qscale * FF_QP2LAMBDA;
  return EncodeStill(AV_CODEC_ID_MJPEG, "JPEG", yuv.get(), [qscale](AVCodecContext* ctx) {
    ctx->color_range = AVCOL_RANGE_JPEG;
    ctx->flags |= AV_CODEC_FLAG_QSCALE;
    ctx->global_quality = qscale * FF_QP2LAMBDA;
    ctx->qmin = 1;
    ctx->qmax = 31;
  });
}

std::string EncodePng(const RgbImage& image) {
  CheckImage(image, "PNG");
  const detail::FramePtr rgb = RgbFrame(image);
  return EncodeStill(AV_CODEC_ID_PNG, "PNG", rgb.get(), [](AVCodecContext*) {});
}

}  // namespace va::codec
