#include "FrameGrabber.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "FrameConverter.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace va::codec::detail {

namespace {

// Without a complete index, a target this far beyond what was read is reached by seeking; closer ones by decoding
// on (typical GOPs are 0.5 to 5 seconds long).
constexpr double kDecodeOnWithinSec = 5.0;
// A keyframe found for a time may be shown after it (its decode time came first): seek back this far, doubling,
// this many times before starting from the beginning.
constexpr double kSeekBackSec = 1.0;
constexpr int kSeekBackAttempts = 4;

bool Valid(AVRational r) {
  return r.num > 0 && r.den > 0;
}

// The container's sample aspect ratio, else the picture's (or the stream parameters' before any picture).
AVRational SampleAspectRatio(const AVStream* st, const AVFrame* frame) {
  if (Valid(st->sample_aspect_ratio)) return st->sample_aspect_ratio;
  if (frame && Valid(frame->sample_aspect_ratio)) return frame->sample_aspect_ratio;
  return st->codecpar->sample_aspect_ratio;
}

// The demuxer skips the samples of every other stream.
void ReadVideoOnly(const InputFile& in) {
  for (unsigned i = 0; i < in.fmt->nb_streams; ++i)
    if (static_cast<int>(i) != in.videoIndex) in.fmt->streams[i]->discard = AVDISCARD_ALL;
}

std::string Seconds(double t) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f s", t);
  return buf;
}

}  // namespace

PictureSize DisplaySize(int width, int height, AVRational sar) {
  if (!Valid(sar) || sar.num == sar.den) return {width, height};
  const double ratio = av_q2d(sar);
  if (ratio > 1)  // pixels wider than tall: the picture is wider than its rows are long; shrink its height
    return {width, std::max(1, static_cast<int>(std::lround(height / ratio)))};
  return {std::max(1, static_cast<int>(std::lround(width * ratio))), height};
}

PictureSize FitWithin(PictureSize size, int maxWidth, int maxHeight) {
  double scale = 1;
  if (maxWidth > 0 && size.width > maxWidth) scale = std::min(scale, static_cast<double>(maxWidth) / size.width);
  if (maxHeight > 0 && size.height > maxHeight) scale = std::min(scale, static_cast<double>(maxHeight) / size.height);
  if (scale >= 1) return size;
  PictureSize fit{static_cast<int>(std::lround(size.width * scale)),
                  static_cast<int>(std::lround(size.height * scale))};
  fit.width = std::clamp(fit.width, 1, maxWidth > 0 ? maxWidth : INT_MAX);
  fit.height = std::clamp(fit.height, 1, maxHeight > 0 ? maxHeight : INT_MAX);
  return fit;
}

RgbImage RgbScaler::Convert(const AVFrame* frame, int width, int height) {
  if (width <= 0 || height <= 0)
    throw CodecError("invalid picture size " + std::to_string(width) + "x" + std::to_string(height));
  bool full = frame->color_range == AVCOL_RANGE_JPEG;
  const AVPixelFormat fmt = FrameConverter::Normalize(static_cast<AVPixelFormat>(frame->format), &full);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(fmt);
  if (!desc) throw CodecError("decoded picture has no pixel format");
  const bool rgb = (desc->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL)) != 0;
  // Untagged video: HD and larger is BT.709 nearly always, smaller BT.601.
  int space = frame->colorspace;
  if (space == AVCOL_SPC_UNSPECIFIED || space == AVCOL_SPC_RESERVED || space == AVCOL_SPC_RGB)
    space = frame->height >= 720 ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M;
  // An interlaced picture shrunk to half its height or less is made from its top field alone: blending both fields
  // would show anything that moved twice. Every other line of every plane is the field (chroma too, for 4:2:0).
  const bool oneField = frame->interlaced_frame && height * 2 <= frame->height && frame->height >= 2 &&
                        !(desc->flags & AV_PIX_FMT_FLAG_PAL) && desc->log2_chroma_h <= 1;
  const int srcH = oneField ? frame->height / 2 : frame->height;
  int linesize[AV_NUM_DATA_POINTERS];
  for (int i = 0; i < AV_NUM_DATA_POINTERS; ++i) linesize[i] = oneField ? frame->linesize[i] * 2 : frame->linesize[i];
  if (!sws_ || srcW_ != frame->width || srcH_ != srcH || srcFmt_ != fmt || srcFull_ != full || srcSpace_ != space ||
      dstW_ != width || dstH_ != height) {
    // Area averaging keeps strong reductions (thumbnails of HD video) free of aliasing.
    const bool shrinkMuch = width * 2 <= frame->width || height * 2 <= srcH;
    const int flags = (shrinkMuch ? SWS_AREA : SWS_BICUBIC) | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT;
    sws_.reset(
        sws_getContext(frame->width, srcH, fmt, width, height, AV_PIX_FMT_RGB24, flags, nullptr, nullptr, nullptr));
    if (!sws_)
      throw CodecError(std::string("cannot convert ") + (desc->name ? desc->name : "?") + " pictures of " +
                       std::to_string(frame->width) + "x" + std::to_string(frame->height) + " to RGB");
    if (!rgb)
      sws_setColorspaceDetails(sws_.get(), sws_getCoefficients(space), full ? 1 : 0,
                               sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
    srcW_ = frame->width;
    srcH_ = srcH;
    srcFmt_ = fmt;
    srcFull_ = full;
    srcSpace_ = space;
    dstW_ = width;
    dstH_ = height;
  }
  if (!out_ || out_->width != width || out_->height != height) {
    out_ = NewFrame();
    out_->format = AV_PIX_FMT_RGB24;
    out_->width = width;
    out_->height = height;
    Check(av_frame_get_buffer(out_.get(), 0), "RGB picture buffer");
  }
  Check(sws_scale(sws_.get(), frame->data, linesize, 0, srcH, out_->data, out_->linesize), "conversion to RGB");
  RgbImage image;
  image.width = width;
  image.height = height;
  const size_t rowBytes = static_cast<size_t>(width) * 3;
  image.pixels.resize(rowBytes * static_cast<size_t>(height));
  for (int y = 0; y < height; ++y)
    std::memcpy(image.pixels.data() + rowBytes * static_cast<size_t>(y),
                out_->data[0] + static_cast<ptrdiff_t>(y) * out_->linesize[0], rowBytes);
  return image;
}

FrameGrabber::FrameGrabber(std::shared_ptr<ByteSource> source)
    : in_(OpenInputSource(std::move(source))), packet_(NewPacket()) {
  stream_ = in_->video();
  ReadVideoOnly(*in_);
  decoder_ = std::make_unique<Decoder>(stream_, in_->name, 0, false);
  start_ = stream_->start_time != AV_NOPTS_VALUE ? stream_->start_time : 0;
  frameTicks_ = std::max<int64_t>(1, av_rescale_q(1, av_inv_q(NominalFrameRate(stream_)), stream_->time_base));
}

double FrameGrabber::durationSec() const {
  if (stream_->duration != AV_NOPTS_VALUE && stream_->duration > 0)
    return static_cast<double>(stream_->duration) * av_q2d(stream_->time_base);
  if (in_->fmt->duration != AV_NOPTS_VALUE && in_->fmt->duration > 0)
    return static_cast<double>(in_->fmt->duration) / AV_TIME_BASE;
  return 0;
}

int64_t FrameGrabber::listedFrameCount() const {
  return stream_->nb_frames > 0 ? stream_->nb_frames : 0;
}

int64_t FrameGrabber::frameCount() const {
  if (stream_->nb_frames > 0) return stream_->nb_frames;
  return std::llround(durationSec() * av_q2d(NominalFrameRate(stream_)));
}

double FrameGrabber::frameDurationSec() const {
  return 1.0 / av_q2d(NominalFrameRate(stream_));
}

PictureSize FrameGrabber::displaySize() const {
  const AVCodecParameters* par = stream_->codecpar;
  return DisplaySize(par->width, par->height, SampleAspectRatio(stream_, nullptr));
}

int64_t FrameGrabber::Ticks(double seconds) const {
  return static_cast<int64_t>(seconds / av_q2d(stream_->time_base));
}

int64_t FrameGrabber::ToPts(double timeSec) const {
  // Saturate far beyond any real duration rather than overflow: such a time asks for the last frame.
  const double ticks = std::min(timeSec / av_q2d(stream_->time_base), 1e17);
  return start_ + std::llround(ticks);
}

void FrameGrabber::Reset() {
  held_.reset();
  pending_.reset();
  inputEnded_ = false;
  drained_ = false;
  truncation_.clear();
  havePts_ = false;
}

bool FrameGrabber::HasContainerIndex() const {
  // Formats with a generic index add keyframes as they read them; program and transport streams (formats with
  // timestamp discontinuities) index every PES header they see, keyframe or not.
  return avformat_index_get_entries_count(stream_) > 0 &&
         !(in_->fmt->iformat->flags & (AVFMT_GENERIC_INDEX | AVFMT_TS_DISCONT));
}

bool FrameGrabber::KeyframeBetween(int64_t target) const {
  const int64_t read = fresh_ ? INT64_MIN : lastReadDts_;
  // A container's index (MP4 sample tables, Matroska cues, AVI idx1) tells where the keyframe before the target
  // is; an index of what was read so far is trusted only within that.
  const int entries = avformat_index_get_entries_count(stream_);
  const bool readIndex = (in_->fmt->iformat->flags & AVFMT_GENERIC_INDEX) && entries > 0 &&
                         avformat_index_get_entry(stream_, entries - 1)->timestamp >= target;
  if (HasContainerIndex() || readIndex) {
    const AVIndexEntry* key = avformat_index_get_entry_from_timestamp(stream_, target, AVSEEK_FLAG_BACKWARD);
    return key && key->timestamp > read;
  }
  return target - (fresh_ ? start_ : read) > Ticks(kDecodeOnWithinSec);
}

bool FrameGrabber::NeedsSeek(bool first, int64_t target) const {
  if (first) return !fresh_;
  if (drained_ && !pending_) return !held_ || target < held_->pts;  // every frame read: held_ is the last one
  if (held_) {
    if (target < held_->pts) return true;                  // behind: only a seek goes back
    if (pending_ && target < pending_->pts) return false;  // still the held frame
  } else if (!atStart_) {
    return true;
  }
  return KeyframeBetween(target);
}

void FrameGrabber::Seek(int64_t target, bool toStart) {
  ++seeks_;
  Reset();
  AVFormatContext* fmt = in_->fmt.get();
  const int v = in_->videoIndex;
  int ret = -1;
  if (!toStart) {
    ret = av_seek_frame(fmt, v, target, AVSEEK_FLAG_BACKWARD);
    toStart = ret < 0;
  }
  if (toStart) {
    // Program and transport streams seek by bisecting on timestamps and land near, not at, the time asked for; a
    // time well before the start takes every format to its first packet. Some formats refuse such a time: then
    // the start itself, then the first byte.
    ret = av_seek_frame(fmt, v, start_ - Ticks(3600), AVSEEK_FLAG_BACKWARD);
    if (ret < 0) ret = av_seek_frame(fmt, v, start_, AVSEEK_FLAG_BACKWARD);
    if (ret < 0 && !(fmt->iformat->flags & AVFMT_NO_BYTE_SEEK)) ret = av_seek_frame(fmt, -1, 0, AVSEEK_FLAG_BYTE);
  }
  if (ret >= 0) {
    avcodec_flush_buffers(decoder_->context());
  } else {
    // Not seekable at all: a fresh reader of the same bytes starts at the beginning.
    std::unique_ptr<InputFile> again = Reopen(*in_);
    ReadVideoOnly(*again);
    decoder_ = std::make_unique<Decoder>(again->video(), again->name, 0, false);
    in_ = std::move(again);
    stream_ = in_->video();
  }
  atStart_ = toStart;
  fresh_ = toStart;
  skipToKey_ = !toStart;
}

std::string FrameGrabber::Truncation() const {
  // An index read from the container (MP4 sample tables) lists every sample; one that indexes only what was read
  // proves nothing.
  if (!HasContainerIndex()) return {};
  const int entries = avformat_index_get_entries_count(stream_);
  const int64_t lastIndexed = avformat_index_get_entry(stream_, entries - 1)->timestamp;
  if (!fresh_ && lastIndexed <= maxReadTs_) return {};
  return in_->name + " is truncated: its index lists video up to " +
         Seconds(static_cast<double>(lastIndexed - start_) * av_q2d(stream_->time_base)) + " but the data ends before";
}

FramePtr FrameGrabber::NextFrame() {
  FramePtr frame = NewFrame();
  for (;;) {
    if (decoder_->Receive(frame.get())) {
      int64_t pts = frame->best_effort_timestamp;
      if (pts == AV_NOPTS_VALUE) pts = havePts_ ? lastPts_ + frameTicks_ : start_;
      frame->pts = pts;
      lastPts_ = pts;
      havePts_ = true;
      return frame;
    }
    if (drained_) return nullptr;
    if (inputEnded_) {
      decoder_->Send(nullptr);
      drained_ = true;
      continue;
    }
    const int ret = av_read_frame(in_->fmt.get(), packet_.get());
    if (ret == AVERROR_EOF) {
      truncation_ = Truncation();
      inputEnded_ = true;
      continue;
    }
    if (ret < 0) throw CodecError("cannot read " + in_->name + ": " + AvError(ret));
    const AVPacket* p = packet_.get();
    if (p->stream_index == in_->videoIndex) {
      fresh_ = false;
      if (p->dts != AV_NOPTS_VALUE)
        lastReadDts_ = p->dts;
      else if (p->pts != AV_NOPTS_VALUE)
        lastReadDts_ = p->pts;
      maxReadTs_ = std::max({maxReadTs_, lastReadDts_, p->pts});
      if (!(skipToKey_ && !(p->flags & AV_PKT_FLAG_KEY))) {
        skipToKey_ = false;
        decoder_->Send(p);
      }
    }
    av_packet_unref(packet_.get());
  }
}

void FrameGrabber::DecodeUpTo(int64_t target) {
  for (;;) {
    if (!pending_) {
      pending_ = NextFrame();
      if (!pending_) {
        // The end: held_ is the last frame, unless the data ended early and the answer may have been lost.
        if (!truncation_.empty()) throw CodecError(truncation_);
        return;
      }
    }
    // From the very start, the first frame also answers for times before it.
    if (pending_->pts > target && (held_ || !atStart_)) return;
    held_ = std::move(pending_);
  }
}

const AVFrame* FrameGrabber::FrameAt(double timeSec) {
  if (!std::isfinite(timeSec))
    throw CodecError("cannot find the frame of " + in_->name + " at a time that is not a number");
  const bool first = timeSec <= 0;
  const int64_t target = first ? start_ : ToPts(timeSec);
  try {
    int64_t back = Ticks(kSeekBackSec);
    // Beyond the end, the last keyframe.
    const double duration = durationSec();
    int64_t seekTo = duration > 0 ? std::min(target, start_ + Ticks(duration)) : target;
    // Without an index a seek lands near the time, rarely on a keyframe, and decoding starts at the next one: aim
    // early enough for that one still to come before the target.
    if (!HasContainerIndex()) seekTo -= back;
    if (NeedsSeek(first, target)) Seek(seekTo, first || seekTo <= start_);
    for (int attempt = 1;; ++attempt) {
      DecodeUpTo(target);
      if (held_) return held_.get();
      if (atStart_) throw CodecError("no picture could be decoded from the start of the stream");
      // The keyframe found is shown after the target (its decode time came first), or none followed the seek point.
      seekTo = std::max(start_, seekTo - back);
      back *= 2;
      Seek(seekTo, attempt >= kSeekBackAttempts || seekTo <= start_);
    }
  } catch (const CodecError& e) {
    throw CodecError("cannot decode the frame at " + Seconds(timeSec) + " of " + in_->name + ": " + e.what());
  }
}

bool FrameGrabber::EndsBefore(double timeSec, int64_t* frames) const {
  if (!drained_ || pending_ || !held_) return false;  // a later frame exists, or was not looked for
  const int64_t last = held_->pts;
  if (frames) *frames = (last - start_ + frameTicks_ / 2) / frameTicks_ + 1;
  return ToPts(timeSec) >= last + frameTicks_;
}

RgbImage FrameGrabber::Picture(double timeSec, int maxWidth, int maxHeight) {
  return Render(FrameAt(timeSec), maxWidth, maxHeight);
}

RgbImage FrameGrabber::Render(const AVFrame* frame, int maxWidth, int maxHeight) {
  const PictureSize size =
      FitWithin(DisplaySize(frame->width, frame->height, SampleAspectRatio(stream_, frame)), maxWidth, maxHeight);
  return scaler_.Convert(frame, size.width, size.height);
}

RgbImage FrameGrabber::PictureOfSize(double timeSec, int width, int height) {
  return scaler_.Convert(FrameAt(timeSec), width, height);
}

}  // namespace va::codec::detail
