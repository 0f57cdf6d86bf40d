#include "FrameConverter.h"

#include <cstring>

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace va::codec::detail {

namespace {

std::string Size(int w, int h) {
  return std::to_string(w) + "x" + std::to_string(h);
}

// Copies the last real column and row into the padding, so the encoder sees no hard black edge.
void ReplicateEdges(AVFrame* f, int w, int h, int bytesPerSample) {
  uint8_t* y = f->data[0];
  const int stride = f->linesize[0];
  if (w < f->width) {
    for (int row = 0; row < h; ++row) {
      uint8_t* line = y + static_cast<ptrdiff_t>(row) * stride;
      std::memcpy(line + w * bytesPerSample, line + (w - 1) * bytesPerSample, bytesPerSample);
    }
  }
  if (h < f->height)
    std::memcpy(y + static_cast<ptrdiff_t>(h) * stride, y + static_cast<ptrdiff_t>(h - 1) * stride,
                static_cast<size_t>(f->width) * bytesPerSample);
}

}  // namespace

AVPixelFormat FrameConverter::Normalize(AVPixelFormat fmt, bool* fullRange) {
  AVPixelFormat plain = fmt;
  switch (fmt) {
    case AV_PIX_FMT_YUVJ420P: plain = AV_PIX_FMT_YUV420P; break;
    case AV_PIX_FMT_YUVJ422P: plain = AV_PIX_FMT_YUV422P; break;
    case AV_PIX_FMT_YUVJ444P: plain = AV_PIX_FMT_YUV444P; break;
    case AV_PIX_FMT_YUVJ440P: plain = AV_PIX_FMT_YUV440P; break;
    case AV_PIX_FMT_YUVJ411P: plain = AV_PIX_FMT_YUV411P; break;
    default: break;
  }
  if (fullRange && plain != fmt) *fullRange = true;
  return plain;
}

FrameConverter::FrameConverter(int width, int height, int bitDepth, bool fullRange)
    : width_(width),
      height_(height),
      target_(bitDepth == 8 ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_YUV420P10LE),
      fullRange_(fullRange) {}

const AVFrame* FrameConverter::Convert(const AVFrame* src) {
  bool full = src->color_range == AVCOL_RANGE_JPEG;
  const AVPixelFormat fmt = Normalize(static_cast<AVPixelFormat>(src->format), &full);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(fmt);
  if (!desc) throw CodecError("decoded picture has no pixel format");
  if (desc->flags & AV_PIX_FMT_FLAG_RGB) full = true;  // RGB samples are always full range
  if (fmt == target_ && full == fullRange_ && src->width == width_ && src->height == height_) return src;

  // An odd source one pixel short of the encoder size is padded; any other mismatch is scaled to fit.
  const bool pad =
      (src->width == width_ - 1 || src->width == width_) && (src->height == height_ - 1 || src->height == height_);
  const int dstW = pad ? src->width : width_;
  const int dstH = pad ? src->height : height_;
  if (!sws_ || swsW_ != src->width || swsH_ != src->height || swsFmt_ != fmt || swsFull_ != full) {
    sws_.reset(sws_getContext(src->width, src->height, fmt, dstW, dstH, target_, SWS_BICUBIC | SWS_ACCURATE_RND,
                              nullptr, nullptr, nullptr));
    if (!sws_)
      throw CodecError(std::string("cannot convert ") + (av_get_pix_fmt_name(fmt) ? av_get_pix_fmt_name(fmt) : "?") +
                       " pictures to " + av_get_pix_fmt_name(target_));
    // YUV keeps its matrix; RGB is converted with the BT.601 matrix the VUI then declares. The output range is
    // the one the VUI declares.
    const int cs =
        src->colorspace == AVCOL_SPC_UNSPECIFIED || src->colorspace == AVCOL_SPC_RGB ? SWS_CS_DEFAULT : src->colorspace;
    const int* coeffs = sws_getCoefficients(cs);
    sws_setColorspaceDetails(sws_.get(), coeffs, full, coeffs, fullRange_, 0, 1 << 16, 1 << 16);
    swsW_ = src->width;
    swsH_ = src->height;
    swsFmt_ = fmt;
    swsFull_ = full;
  }
  if (!out_) {
    out_ = NewFrame();
    out_->format = target_;
    out_->width = width_;
    out_->height = height_;
    Check(av_frame_get_buffer(out_.get(), 0), "picture buffer");
  }
  // x265 copied the previous picture already, so the buffer is ours to overwrite.
  Check(sws_scale(sws_.get(), src->data, src->linesize, 0, src->height, out_->data, out_->linesize),
        "pixel conversion");
  if (pad && (dstW != width_ || dstH != height_)) {
    ReplicateEdges(out_.get(), dstW, dstH, target_ == AV_PIX_FMT_YUV420P ? 1 : 2);
    if (padded_++ == 0)
      padNote_ = "padded " + Size(dstW, dstH) + " to " + Size(width_, height_) +
                 " by repeating the last column/row (x265 4:2:0 needs even dimensions)";
  } else if (!pad) {
    if (scaled_++ == 0) scaleNote_ = "scaled " + Size(src->width, src->height) + " to " + Size(width_, height_);
  }
  if (fmt != target_ && converted_++ == 0)
    convertNote_ = std::string("converted ") + av_get_pix_fmt_name(fmt) + " to " + av_get_pix_fmt_name(target_);
  out_->pts = src->pts;
  return out_.get();
}

std::string FrameConverter::Notes() const {
  std::string notes;
  auto add = [&](const std::string& note, long long n) {
    if (n == 0) return;
    if (!notes.empty()) notes += "; ";
    notes += note + " (" + std::to_string(n) + " frames)";
  };
  add(convertNote_, converted_);
  add(padNote_, padded_);
  add(scaleNote_, scaled_);
  return notes;
}

}  // namespace va::codec::detail
