#include "VideoFilter.h"

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/pixdesc.h>
}

namespace va::codec::detail {

VideoFilter::VideoFilter(const std::string& chain, const VideoFilterInput& in, int threads) : chain_(chain) {
  graph_.reset(avfilter_graph_alloc());
  if (!graph_) throw CodecError("out of memory");
  graph_->nb_threads = threads;
  const char* pixFmt = av_get_pix_fmt_name(in.format);
  if (!pixFmt) throw CodecError("the video filter needs a known pixel format");
  const AVRational sar = in.sar.num > 0 && in.sar.den > 0 ? in.sar : AVRational{1, 1};
  std::string args = "video_size=" + std::to_string(in.width) + "x" + std::to_string(in.height) + ":pix_fmt=" + pixFmt +
                     ":time_base=" + std::to_string(in.timeBase.num) + "/" + std::to_string(in.timeBase.den) +
                     ":pixel_aspect=" + std::to_string(sar.num) + "/" + std::to_string(sar.den);
  if (in.frameRate.num > 0 && in.frameRate.den > 0)
    args += ":frame_rate=" + std::to_string(in.frameRate.num) + "/" + std::to_string(in.frameRate.den);
  Check(
      avfilter_graph_create_filter(&source_, avfilter_get_by_name("buffer"), "in", args.c_str(), nullptr, graph_.get()),
      "video filter source (" + args + ")");
  Check(avfilter_graph_create_filter(&sink_, avfilter_get_by_name("buffersink"), "out", nullptr, nullptr, graph_.get()),
        "video filter sink");

  // The parser links the chain's open input to our source ("in") and its open output to our sink ("out").
  FilterInOutPtr outputs(avfilter_inout_alloc());
  FilterInOutPtr inputs(avfilter_inout_alloc());
  if (!outputs || !inputs) throw CodecError("out of memory");
  outputs->name = av_strdup("in");
  outputs->filter_ctx = source_;
  inputs->name = av_strdup("out");
  inputs->filter_ctx = sink_;
  AVFilterInOut* openInputs = inputs.release();
  AVFilterInOut* openOutputs = outputs.release();
  const int ret = avfilter_graph_parse_ptr(graph_.get(), chain.c_str(), &openInputs, &openOutputs, nullptr);
  inputs.reset(openInputs);  // whatever the parser left unlinked is ours to free
  outputs.reset(openOutputs);
  Check(ret, "video filter '" + chain + "'");
  Check(avfilter_graph_config(graph_.get(), nullptr), "video filter '" + chain + "'");
}

void VideoFilter::Push(AVFrame* frame) {
  Check(av_buffersrc_add_frame_flags(source_, frame, 0), "video filter '" + chain_ + "'");
}

void VideoFilter::Close(int64_t endPts) {
  Check(av_buffersrc_close(source_, endPts, 0), "video filter '" + chain_ + "'");
}

bool VideoFilter::Pull(AVFrame* frame) {
  const int ret = av_buffersink_get_frame(sink_, frame);
  if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return false;
  Check(ret, "video filter '" + chain_ + "'");
  return true;
}

AVRational VideoFilter::outputTimeBase() const {
  return av_buffersink_get_time_base(sink_);
}

}  // namespace va::codec::detail
