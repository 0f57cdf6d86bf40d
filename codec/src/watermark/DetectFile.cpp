// DetectWatermark over a file: decode up to maxSeconds of the first video stream and feed the luma to a detector.
#include <cmath>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "../Decoder.h"
#include "../FfmpegHandles.h"
#include "../InputFile.h"
#include "va/codec/Watermark.h"

namespace va::codec {
namespace {

// The luma of a decoded picture as it is when the format keeps it as a plain plane; otherwise converted to gray.
class LumaSource {
 public:
  LumaPlane From(const AVFrame* frame) {
    const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(frame->format));
    if (!desc) throw CodecError("decoded picture has no pixel format");
    const AVComponentDescriptor& y = desc->comp[0];
    const bool direct = !(desc->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BE |
                                         AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_FLOAT)) &&
                        y.plane == 0 && y.shift == 0 && y.offset == 0 && y.step == (y.depth > 8 ? 2 : 1);
    if (direct) return LumaPlane{frame->data[0], frame->linesize[0], frame->width, frame->height, y.depth};
    if (!sws_ || width_ != frame->width || height_ != frame->height || format_ != frame->format) {
      sws_.reset(sws_getContext(frame->width, frame->height, static_cast<AVPixelFormat>(frame->format), frame->width,
                                frame->height, AV_PIX_FMT_GRAY8, SWS_POINT, nullptr, nullptr, nullptr));
      if (!sws_)
        throw CodecError(std::string("cannot read the luma of ") + (desc->name ? desc->name : "?") + " pictures");
      gray_ = detail::NewFrame();
      gray_->format = AV_PIX_FMT_GRAY8;
      gray_->width = frame->width;
      gray_->height = frame->height;
      detail::Check(av_frame_get_buffer(gray_.get(), 0), "gray picture buffer");
      width_ = frame->width;
      height_ = frame->height;
      format_ = frame->format;
    }
    detail::Check(sws_scale(sws_.get(), frame->data, frame->linesize, 0, frame->height, gray_->data, gray_->linesize),
                  "conversion to gray");
    return LumaPlane{gray_->data[0], gray_->linesize[0], frame->width, frame->height, 8};
  }

 private:
  detail::SwsPtr sws_;
  detail::FramePtr gray_;
  int width_ = 0, height_ = 0, format_ = -1;
};

}  // namespace

WatermarkDetection DetectWatermark(const std::string& path, const WatermarkKey& key, double maxSeconds) {
  WatermarkDetector detector(key);
  return DetectWatermark(path, detector, maxSeconds);
}

WatermarkDetection DetectWatermark(const std::string& path, WatermarkDetector& detector, double maxSeconds) {
  const std::unique_ptr<detail::InputFile> in = detail::OpenInputFile(path);
  const AVStream* stream = in->video();
  for (unsigned i = 0; i < in->fmt->nb_streams; ++i)
    if (static_cast<int>(i) != in->videoIndex) in->fmt->streams[i]->discard = AVDISCARD_ALL;
  detail::Decoder decoder(stream, in->name, 2, false);
  const double tb = av_q2d(stream->time_base);
  // Frames without timestamps are counted at the nominal rate.
  const double frameSec = 1.0 / av_q2d(detail::NominalFrameRate(stream));
  detail::PacketPtr packet = detail::NewPacket();
  detail::FramePtr frame = detail::NewFrame();
  LumaSource luma;
  double firstTs = NAN;
  int64_t count = 0;
  bool done = false;
  auto drain = [&]() {
    while (!done && decoder.Receive(frame.get())) {
      const int64_t ts = frame->best_effort_timestamp;
      double t = ts != AV_NOPTS_VALUE ? static_cast<double>(ts) * tb : static_cast<double>(count) * frameSec;
      if (std::isnan(firstTs)) firstTs = t;
      t -= firstTs;
      if (t >= maxSeconds - 1e-6 && count > 0) {
        done = true;
      } else {
        detector.Add(luma.From(frame.get()));
        ++count;
      }
      av_frame_unref(frame.get());
    }
  };
  while (!done) {
    const int ret = av_read_frame(in->fmt.get(), packet.get());
    if (ret == AVERROR_EOF) break;
    detail::Check(ret, "cannot read " + in->name);
    if (packet->stream_index == in->videoIndex) decoder.Send(packet.get());
    av_packet_unref(packet.get());
    drain();
  }
  if (!done) {
    decoder.Send(nullptr);
    drain();
  }
  return detector.Result();
}

}  // namespace va::codec
