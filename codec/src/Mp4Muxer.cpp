#include "Mp4Muxer.h"

#include <cstring>

namespace va::codec::detail {

Mp4Muxer::Mp4Muxer(const std::string& path) : path_(path) {
  AVFormatContext* raw = nullptr;
  Check(avformat_alloc_output_context2(&raw, nullptr, "mp4", path.c_str()), "cannot create MP4 output " + path);
  ctx_.reset(raw);
  Check(avio_open(&ctx_->pb, path.c_str(), AVIO_FLAG_WRITE), "cannot write " + path);
}

int Mp4Muxer::AddHevcVideo(const VideoTrackParams& v) {
  AVStream* st = avformat_new_stream(ctx_.get(), nullptr);
  if (!st) throw CodecError("out of memory");
  AVCodecParameters* par = st->codecpar;
  par->codec_type = AVMEDIA_TYPE_VIDEO;
  par->codec_id = AV_CODEC_ID_HEVC;
  // 'hvc1' (parameter sets only in the sample entry) is what Apple players and browsers accept; 'hev1' is not.
  par->codec_tag = MKTAG('h', 'v', 'c', '1');
  par->width = v.width;
  par->height = v.height;
  par->profile = v.profile;
  par->sample_aspect_ratio = v.sar;
  par->color_primaries = v.primaries;
  par->color_trc = v.transfer;
  par->color_space = v.matrix;
  par->color_range = v.range;
  par->field_order = AV_FIELD_PROGRESSIVE;
  par->extradata = static_cast<uint8_t*>(av_mallocz(v.annexBHeaders.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (!par->extradata) throw CodecError("out of memory");
  std::memcpy(par->extradata, v.annexBHeaders.data(), v.annexBHeaders.size());
  par->extradata_size = static_cast<int>(v.annexBHeaders.size());
  st->sample_aspect_ratio = v.sar;
  st->time_base = v.timeBase;  // a wish: the muxer may choose a finer timescale in Start()
  st->avg_frame_rate = v.frameRate;
  return st->index;
}

int Mp4Muxer::AddStream(const AVCodecParameters* in, AVRational timeBase, const AVDictionary* metadata,
                        uint32_t codecTag) {
  AVStream* st = avformat_new_stream(ctx_.get(), nullptr);
  if (!st) throw CodecError("out of memory");
  Check(avcodec_parameters_copy(st->codecpar, in), "stream parameters");
  st->codecpar->codec_tag = codecTag;
  st->time_base = timeBase;
  if (in->codec_type == AVMEDIA_TYPE_VIDEO) st->sample_aspect_ratio = in->sample_aspect_ratio;
  if (metadata) {
    if (const AVDictionaryEntry* lang = av_dict_get(metadata, "language", nullptr, 0))
      av_dict_set(&st->metadata, "language", lang->value, 0);
  }
  return st->index;
}

void Mp4Muxer::Start() {
  AVDictionary* opts = nullptr;
  // faststart: moov before mdat, so a player (or an HTTP range reader) needs no seek to the end.
  av_dict_set(&opts, "movflags", "+faststart", 0);
  const int ret = avformat_write_header(ctx_.get(), &opts);
  av_dict_free(&opts);
  Check(ret, "cannot start MP4 output " + path_);
  started_ = true;
}

void Mp4Muxer::Write(AVPacket* packet, int streamIndex, AVRational srcTimeBase) {
  packet->stream_index = streamIndex;
  av_packet_rescale_ts(packet, srcTimeBase, ctx_->streams[streamIndex]->time_base);
  packet->pos = -1;
  // Takes ownership of the packet's data (leaves it blank) even on error.
  Check(av_interleaved_write_frame(ctx_.get(), packet), "cannot write MP4 output " + path_);
}

void Mp4Muxer::Finish() {
  if (!started_) throw CodecError("MP4 output " + path_ + " was never started");
  Check(av_write_trailer(ctx_.get()), "cannot finish MP4 output " + path_);
  Check(avio_closep(&ctx_->pb), "cannot close " + path_);
}

}  // namespace va::codec::detail
