// The segmenter: pass one indexes the packets and plans the cuts (SegmentPlan), pass two copies every packet into
// its segment's MP4 (SegmentWriter).
#include "va/codec/Segmenter.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <memory>

#include "InputFile.h"
#include "PacketIndex.h"
#include "SegmentPlan.h"
#include "SegmentWriter.h"

extern "C" {
#include <libavutil/opt.h>
}

namespace va::codec {

using namespace detail;

namespace {

constexpr int kAacBitRatePerChannel = 96000;  // what AudioPath re-encodes at

int FirstAudioStream(const AVFormatContext* fmt) {
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    if (fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) return static_cast<int>(i);
  return -1;
}

std::string SegmentPath(const std::string& dir, const std::string& base, size_t number) {
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, "-%04zu.mp4", number);
  return (std::filesystem::path(dir) / (base + suffix)).string();
}

SegmentOverhead AudioOverhead(const PacketIndex& index, const AVStream* audio) {
  SegmentOverhead o;
  if (!audio || index.audioSeconds <= 0) return o;
  o.audioPacketsPerSec = static_cast<double>(index.audioPackets) / index.audioSeconds;
  if (audio->codecpar->codec_id == AV_CODEC_ID_AAC) {
    o.audioBytesPerSec = static_cast<double>(index.audioBytes) / index.audioSeconds;
  } else {
    const int channels = std::max(1, audio->codecpar->ch_layout.nb_channels);
    o.audioBytesPerSec = kAacBitRatePerChannel / 8.0 * channels;
    o.audioPacketsPerSec = (audio->codecpar->sample_rate > 0 ? audio->codecpar->sample_rate : 48000) / 1024.0;
  }
  return o;
}

// HEVC in MPEG-TS (and 'hev1' MP4) repeats VPS/SPS/PPS in the stream; an 'hvc1' sample entry declares them
// complete, so the in-band copies go (filter_units, as FFmpeg's CBS parses them).
BsfPtr InBandParameterSetFilter(const AVStream* video) {
  if (video->codecpar->codec_id != AV_CODEC_ID_HEVC || video->codecpar->extradata_size == 0) return nullptr;
  const AVBitStreamFilter* f = av_bsf_get_by_name("filter_units");
  if (!f) throw CodecError("FFmpeg lacks the filter_units bitstream filter");
  AVBSFContext* raw = nullptr;
  Check(av_bsf_alloc(f, &raw), "filter_units");
  BsfPtr bsf(raw);
  Check(av_opt_set(bsf->priv_data, "remove_types", "32-34", 0), "filter_units");
  Check(avcodec_parameters_copy(bsf->par_in, video->codecpar), "filter_units");
  bsf->time_base_in = video->time_base;
  Check(av_bsf_init(bsf.get()), "filter_units");
  return bsf;
}

// Pass two: routes the packets of the source, in file order, into the planned segments. A segment stays open until
// both its video is complete and the audio has moved past its end (audio is interleaved a little late or early).
class Remux {
 public:
  Remux(const std::string& inputPath, const std::string& outputDir, const std::string& baseName,
        const SegmentLimits& limits, const PacketIndex& index, const std::vector<PlannedSegment>& plan)
      : inputPath_(inputPath),
        outputDir_(outputDir),
        baseName_(baseName),
        limits_(limits),
        index_(index),
        plan_(plan) {}

  std::vector<SegmentInfo> Run();
  ~Remux();

 private:
  struct Open {
    size_t planIndex;
    std::unique_ptr<SegmentWriter> writer;
  };
  SegmentWriter& Writer(size_t planIndex);
  size_t AudioSegment(int64_t pts, int64_t duration) const;  // plan_.size() = before the first picture: dropped
  void WriteVideo(AVPacket* packet, size_t segment);
  void CloseFinished(bool atEnd);

  const std::string& inputPath_;
  const std::string& outputDir_;
  const std::string& baseName_;
  const SegmentLimits& limits_;
  const PacketIndex& index_;
  const std::vector<PlannedSegment>& plan_;
  std::unique_ptr<InputFile> in_;
  const AVStream* audio_ = nullptr;  // null once an audio track could not be set up
  std::string audioSkipped_;         // why
  BsfPtr bsf_;
  std::deque<Open> open_;
  size_t opened_ = 0;                  // segments opened so far (in plan order)
  size_t videoSegment_ = 0;            // segment of the current video packet
  int64_t videoPackets_ = 0;           // video packets read, in decode order
  int64_t audioPackets_ = 0;           // audio packets with a timestamp read
  int64_t audioPts_ = AV_NOPTS_VALUE;  // latest, in the video time base
  std::vector<SegmentInfo> done_;
  std::vector<std::string> written_;  // renamed into place; removed again if a later step fails
  bool succeeded_ = false;
};

Remux::~Remux() {
  open_.clear();  // removes unfinished .tmp files
  if (succeeded_) return;
  for (const std::string& p : written_) std::remove(p.c_str());
}

SegmentWriter& Remux::Writer(size_t planIndex) {
  while (opened_ <= planIndex) {
    open_.push_back(
        {opened_, std::make_unique<SegmentWriter>(SegmentPath(outputDir_, baseName_, opened_ + 1),
                                                  bsf_ ? bsf_->par_out : in_->video()->codecpar, index_.timeBase,
                                                  audio_, inputPath_, plan_[opened_].startPts)});
    // An audio track that could not be set up for the first segment will not work for the next ones either.
    if (audio_ && !open_.back().writer->hasAudio()) {
      audioSkipped_ = open_.back().writer->audioNote();
      audio_ = nullptr;
    }
    ++opened_;
  }
  for (Open& o : open_)
    if (o.planIndex == planIndex) return *o.writer;
  throw CodecError("a packet for segment " + std::to_string(planIndex + 1) + " of " + inputPath_ +
                   " arrived after the segment was closed (timestamps going backwards?)");
}

size_t Remux::AudioSegment(int64_t pts, int64_t duration) const {
  if (pts + duration <= plan_.front().startPts) return plan_.size();
  // The last segment starting at or before pts; audio before the first picture but reaching into it goes first.
  auto it = std::upper_bound(plan_.begin(), plan_.end(), pts,
                             [](int64_t t, const PlannedSegment& s) { return t < s.startPts; });
  return it == plan_.begin() ? 0 : static_cast<size_t>(it - plan_.begin() - 1);
}

void Remux::WriteVideo(AVPacket* packet, size_t segment) {
  SegmentWriter& w = Writer(segment);
  if (packet->duration <= 0) packet->duration = index_.frameDuration;
  if (!bsf_) {
    w.WriteVideo(packet);
    return;
  }
  Check(av_bsf_send_packet(bsf_.get(), packet), "filter_units");
  for (;;) {
    const int ret = av_bsf_receive_packet(bsf_.get(), packet);
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    Check(ret, "filter_units");
    w.WriteVideo(packet);
  }
}

void Remux::CloseFinished(bool atEnd) {
  while (!open_.empty()) {
    const size_t p = open_.front().planIndex;
    if (!atEnd) {
      const bool videoDone = videoPackets_ >= static_cast<int64_t>(plan_[p].end);
      const bool audioDone =
          !audio_ || audioPackets_ >= index_.audioPackets ||
          (p + 1 < plan_.size() && audioPts_ != AV_NOPTS_VALUE && audioPts_ >= plan_[p + 1].startPts);
      if (!videoDone || !audioDone || p + 1 == plan_.size()) return;
    }
    SegmentWriter& w = *open_.front().writer;
    SegmentInfo info;
    info.index = static_cast<int>(p + 1);
    info.path = SegmentPath(outputDir_, baseName_, p + 1);
    const double tb = av_q2d(index_.timeBase);
    info.startSec = static_cast<double>(plan_[p].startPts - plan_.front().startPts) * tb;
    info.durationSec = static_cast<double>(plan_[p].endPts - plan_[p].startPts) * tb;
    info.frames = w.frames();
    info.audioTracks = w.hasAudio() ? 1 : 0;
    info.audioNote = w.hasAudio() || audioSkipped_.empty() ? w.audioNote() : audioSkipped_;
    info.bytes = w.Finish();
    written_.push_back(info.path);
    open_.pop_front();
    if (info.bytes > limits_.maxBytes)
      throw CodecError("segment " + std::to_string(info.index) + " of " + inputPath_ + " came out at " +
                       std::to_string(info.bytes) + " bytes, over the limit of " + std::to_string(limits_.maxBytes) +
                       " (the audio or container estimate was short): lower maxBytes a little");
    done_.push_back(std::move(info));
  }
}

std::vector<SegmentInfo> Remux::Run() {
  in_ = OpenInputFile(inputPath_);
  AVFormatContext* fmt = in_->fmt.get();
  if (index_.audioStream >= 0) audio_ = fmt->streams[index_.audioStream];
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    if (static_cast<int>(i) != in_->videoIndex && static_cast<int>(i) != index_.audioStream)
      fmt->streams[i]->discard = AVDISCARD_ALL;
  bsf_ = InBandParameterSetFilter(in_->video());
  const AVRational audioTb = audio_ ? audio_->time_base : AVRational{1, 1};

  PacketPtr packet = NewPacket();
  for (;;) {
    const int ret = av_read_frame(fmt, packet.get());
    if (ret == AVERROR_EOF) break;
    if (ret < 0) throw CodecError("cannot read " + inputPath_ + ": " + AvError(ret));
    if (packet->stream_index == in_->videoIndex) {
      const size_t i = static_cast<size_t>(videoPackets_++);
      while (videoSegment_ + 1 < plan_.size() && i >= plan_[videoSegment_].end) ++videoSegment_;
      if (i >= plan_.front().first) WriteVideo(packet.get(), videoSegment_);  // else: before the first keyframe
    } else if (packet->stream_index == index_.audioStream && packet->pts != AV_NOPTS_VALUE) {
      ++audioPackets_;
      const int64_t pts = av_rescale_q(packet->pts, audioTb, index_.timeBase);
      audioPts_ = audioPts_ == AV_NOPTS_VALUE ? pts : std::max(audioPts_, pts);
      const size_t s = AudioSegment(pts, av_rescale_q(packet->duration, audioTb, index_.timeBase));
      if (s < plan_.size() && audio_) Writer(s).WriteAudio(packet.get());
    }
    av_packet_unref(packet.get());
    CloseFinished(false);
  }
  if (videoPackets_ != static_cast<int64_t>(index_.video.size()))
    throw CodecError(inputPath_ + " changed between the two passes: " + std::to_string(index_.video.size()) +
                     " video packets, then " + std::to_string(videoPackets_));
  for (size_t p = opened_; p < plan_.size(); ++p) Writer(p);  // cannot happen with packets in every segment
  CloseFinished(true);
  succeeded_ = true;
  return done_;
}

}  // namespace

std::vector<SegmentInfo> SplitIntoSegments(const std::string& inputPath, const std::string& outputDir,
                                           const std::string& baseName, const SegmentLimits& limits) {
  if (baseName.empty() || baseName.find('/') != std::string::npos)
    throw CodecError("segment base name '" + baseName + "' must be a plain, non-empty file name");
  PacketIndex index;
  std::vector<PlannedSegment> plan;
  {
    const auto in = OpenInputFile(inputPath);
    const AVCodecID codec = in->video()->codecpar->codec_id;
    if (codec != AV_CODEC_ID_H264 && codec != AV_CODEC_ID_HEVC)
      throw CodecError("the video of " + inputPath + " is " + avcodec_get_name(codec) +
                       ", which needs transcoding: only H.264 and HEVC are segmented without re-encoding");
    const int audio = FirstAudioStream(in->fmt.get());
    index = ReadPacketIndex(*in, audio);
    plan = PlanSegments(index, limits, AudioOverhead(index, audio >= 0 ? in->fmt->streams[audio] : nullptr), inputPath);
  }
  std::error_code ec;
  std::filesystem::create_directories(outputDir, ec);
  if (ec) throw CodecError("cannot create the segment folder " + outputDir + ": " + ec.message());
  return Remux(inputPath, outputDir, baseName, limits, index, plan).Run();
}

}  // namespace va::codec
