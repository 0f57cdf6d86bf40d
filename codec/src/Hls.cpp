// HLS timeline, cut plan and segment remux (see va/codec/Hls.h).
#include "va/codec/Hls.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>

#include "HlsCodecs.h"
#include "InputFile.h"

extern "C" {
#include <libavutil/opt.h>
}

namespace va::codec {

using namespace detail;

namespace {

constexpr AVRational kMicroseconds{1, 1000000};
constexpr AVRational kTsTimeBase{1, 90000};
// How far before a cut a seek lands in containers without an exact sample index, so that the audio interleaved
// ahead of the cut's keyframe is read too.
constexpr double kSeekMarginSec = 1.0;
// Once the video of a segment is complete, how much further the audio of its interval may lie in the file.
constexpr double kAudioSlackSec = 5.0;

bool IsMp4(const AVFormatContext* fmt) {
  return std::strstr(fmt->iformat->name, "mp4") != nullptr;
}

// Audio that HLS players take in MPEG-TS.
bool CarriedAudio(AVCodecID id) {
  return id == AV_CODEC_ID_AAC || id == AV_CODEC_ID_MP3 || id == AV_CODEC_ID_AC3 || id == AV_CODEC_ID_EAC3;
}

int64_t DecodeTime(const AVPacket* p) {
  return p->dts != AV_NOPTS_VALUE ? p->dts : p->pts;
}

// An opened recording, with the origin of its timeline: the first video keyframe. A keyframe's time is its decode
// time plus the reorder delay of the first keyframe, in ReadTimeline and RemuxHlsSegment alike, so that both find
// the same keyframe for the same time whatever the container's index holds (MP4 indexes decode times only).
struct Recording {
  std::shared_ptr<ByteSource> source;
  std::unique_ptr<InputFile> in;
  int audio = -1;  // the audio stream the segments carry, -1: none
  std::string audioSkipped;
  AVRational tb{1, 1};  // the video stream's
  int64_t originPts = 0;
  int64_t reorderDelay = 0;
  double frameSec = 0.04;  // nominal frame duration

  AVStream* video() const { return in->video(); }
  double KeyTime(int64_t decodeTime) const {
    return static_cast<double>(decodeTime + reorderDelay - originPts) * av_q2d(tb);
  }
  double Tolerance() const { return frameSec / 2; }
};

void OpenStreams(Recording& r) {
  r.in = OpenInputSource(r.source);
  AVFormatContext* fmt = r.in->fmt.get();
  const AVCodecParameters* par = r.video()->codecpar;
  if (par->codec_id != AV_CODEC_ID_H264 && par->codec_id != AV_CODEC_ID_HEVC)
    throw CodecError("the video of " + r.in->name + " is " + avcodec_get_name(par->codec_id) +
                     ": HLS without re-encoding needs H.264 or HEVC, transcode it first");
  r.tb = r.video()->time_base;
  r.frameSec = 1 / av_q2d(NominalFrameRate(r.video()));
  r.audio = -1;
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVCodecParameters* a = fmt->streams[i]->codecpar;
    if (a->codec_type != AVMEDIA_TYPE_AUDIO) continue;
    if (CarriedAudio(a->codec_id))
      r.audio = static_cast<int>(i);
    else
      r.audioSkipped = std::string(avcodec_get_name(a->codec_id)) + ": HLS players do not take it in MPEG-TS";
    break;  // the first audio track only
  }
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    if (static_cast<int>(i) != r.in->videoIndex && static_cast<int>(i) != r.audio)
      fmt->streams[i]->discard = AVDISCARD_ALL;
}

// Opens the source and reads up to its first video keyframe.
Recording OpenRecording(std::shared_ptr<ByteSource> source) {
  Recording r;
  r.source = std::move(source);
  OpenStreams(r);
  AVFormatContext* fmt = r.in->fmt.get();
  PacketPtr packet = NewPacket();
  for (;;) {
    const int ret = av_read_frame(fmt, packet.get());
    if (ret == AVERROR_EOF) throw CodecError("no video keyframe in " + r.in->name + ": it cannot be cut for HLS");
    if (ret < 0) throw CodecError("cannot read " + r.in->name + ": " + AvError(ret));
    const bool key = packet->stream_index == r.in->videoIndex && (packet->flags & AV_PKT_FLAG_KEY);
    if (key && packet->pts != AV_NOPTS_VALUE) {
      r.originPts = packet->pts;
      r.reorderDelay = std::max<int64_t>(0, packet->pts - DecodeTime(packet.get()));
      return r;
    }
    av_packet_unref(packet.get());
  }
}

// Where the video stream ends, in its time base, when the container says so.
int64_t StatedEnd(const AVStream* st) {
  if (st->duration == AV_NOPTS_VALUE || st->duration <= 0) return AV_NOPTS_VALUE;
  return (st->start_time != AV_NOPTS_VALUE ? st->start_time : 0) + st->duration;
}

// Keyframes from an MP4 sample index; false when the index does not cover the whole stream (fragmented MP4).
bool TimelineFromIndex(const Recording& r, MediaTimeline& t) {
  AVStream* st = r.video();
  const int count = avformat_index_get_entries_count(st);
  const int64_t end = StatedEnd(st);
  if (!IsMp4(r.in->fmt.get()) || count <= 0 || end == AV_NOPTS_VALUE) return false;
  const int64_t frame = std::max<int64_t>(1, std::llround(r.frameSec / av_q2d(r.tb)));
  int64_t lastDecode = std::numeric_limits<int64_t>::min();
  for (int i = 0; i < count; ++i) {
    const AVIndexEntry* e = avformat_index_get_entry(st, i);
    const int64_t keyPts = e->timestamp + r.reorderDelay;
    lastDecode = std::max(lastDecode, e->timestamp);
    if (keyPts < r.originPts) continue;  // before the first keyframe: not delivered
    if ((e->flags & AVINDEX_KEYFRAME) && (t.keyframes.empty() || r.KeyTime(e->timestamp) > t.keyframes.back())) {
      t.keyframes.push_back(r.KeyTime(e->timestamp));
      t.keyframeBytes.push_back(0);
    }
    if (!t.keyframeBytes.empty()) t.keyframeBytes.back() += e->size;
  }
  if (t.keyframes.empty() || lastDecode + r.reorderDelay + 2 * frame < end) return false;
  t.durationSec = static_cast<double>(end - r.originPts) * av_q2d(r.tb);
  return true;
}

// Keyframes by reading every video packet (MPEG-TS, fragmented MP4, Matroska, ...).
void TimelineFromPackets(Recording& r, MediaTimeline& t) {
  // Start again from the top: the keyframe that set the origin was consumed.
  const auto again = OpenInputSource(r.source);
  AVFormatContext* f = again->fmt.get();
  for (unsigned i = 0; i < f->nb_streams; ++i)
    if (static_cast<int>(i) != again->videoIndex) f->streams[i]->discard = AVDISCARD_ALL;
  const int64_t nominal = std::max<int64_t>(1, std::llround(r.frameSec / av_q2d(r.tb)));
  int64_t end = std::numeric_limits<int64_t>::min();
  PacketPtr packet = NewPacket();
  for (;;) {
    const int ret = av_read_frame(f, packet.get());
    if (ret == AVERROR_EOF) break;
    if (ret < 0) throw CodecError("cannot read " + again->name + ": " + AvError(ret));
    if (packet->stream_index == again->videoIndex && DecodeTime(packet.get()) != AV_NOPTS_VALUE) {
      const int64_t decode = DecodeTime(packet.get());
      const double time = r.KeyTime(decode);
      if (time >= -r.Tolerance()) {
        if ((packet->flags & AV_PKT_FLAG_KEY) && (t.keyframes.empty() || time > t.keyframes.back())) {
          t.keyframes.push_back(std::max(0.0, time));
          t.keyframeBytes.push_back(0);
        }
        if (!t.keyframeBytes.empty()) t.keyframeBytes.back() += packet->size;
        const int64_t pts = packet->pts != AV_NOPTS_VALUE ? packet->pts : decode;
        end = std::max(end, pts + (packet->duration > 0 ? packet->duration : nominal));
      }
    }
    av_packet_unref(packet.get());
  }
  if (t.keyframes.empty()) throw CodecError("no video keyframe in " + again->name + ": it cannot be cut for HLS");
  t.durationSec = static_cast<double>(end - r.originPts) * av_q2d(r.tb);
}

}  // namespace

MediaTimeline ReadTimeline(std::shared_ptr<ByteSource> source) {
  if (!source) throw CodecError("ReadTimeline: no source");
  Recording r = OpenRecording(std::move(source));
  MediaTimeline t;
  t.fromIndex = TimelineFromIndex(r, t);
  if (!t.fromIndex) {
    t.keyframes.clear();
    t.keyframeBytes.clear();
    TimelineFromPackets(r, t);
  }
  if (!(t.durationSec > 0)) throw CodecError(r.in->name + " has no duration after its first keyframe");
  const AVCodecParameters* par = r.video()->codecpar;
  t.videoCodec = avcodec_get_name(par->codec_id);
  t.width = par->width;
  t.height = par->height;
  const AVRational fps = NominalFrameRate(r.video());
  t.fpsNum = fps.num;
  t.fpsDen = fps.den;
  t.fps = av_q2d(fps);
  t.bitRate = r.in->fmt->bit_rate > 0 ? r.in->fmt->bit_rate : 0;
  t.audioSkipped = r.audioSkipped;
  std::string codecs = VideoCodecString(par);
  if (r.audio >= 0) {
    const AVCodecParameters* a = r.in->fmt->streams[r.audio]->codecpar;
    t.hasAudio = true;
    t.audioCodec = avcodec_get_name(a->codec_id);
    const std::string audio = AudioCodecString(a);
    codecs = codecs.empty() || audio.empty() ? std::string() : codecs + "," + audio;
  }
  t.codecs = codecs;
  return t;
}

std::vector<HlsCut> PlanHlsCuts(const MediaTimeline& timeline, double targetSeconds) {
  if (!(targetSeconds > 0) || !std::isfinite(targetSeconds))
    throw CodecError("HLS segment target of " + std::to_string(targetSeconds) + " s: it must be a positive number");
  if (timeline.keyframes.empty()) throw CodecError("the recording has no keyframe: it cannot be cut into HLS segments");
  if (!(timeline.durationSec > 0) || !std::isfinite(timeline.durationSec))
    throw CodecError("the recording has no duration: it cannot be cut into HLS segments");
  // Keyframes inside the recording, strictly ascending.
  std::vector<double> keys;
  std::vector<int64_t> bytes;
  for (size_t i = 0; i < timeline.keyframes.size(); ++i) {
    const double k = timeline.keyframes[i];
    const int64_t b = i < timeline.keyframeBytes.size() ? timeline.keyframeBytes[i] : 0;
    if (k < timeline.durationSec && (keys.empty() || k > keys.back())) {
      keys.push_back(k);
      bytes.push_back(b);
    } else if (!bytes.empty()) {
      bytes.back() += b;
    }
  }
  if (keys.empty()) throw CodecError("no keyframe lies within the recording's duration: it cannot be cut for HLS");

  std::vector<HlsCut> cuts;
  size_t s = 0;
  while (s < keys.size()) {
    const double start = keys[s];
    // The end closest to the target: a later keyframe at least half the target away, or the end of the recording.
    size_t bestNext = keys.size();  // keys.size() = the end of the recording
    double bestError = std::abs(timeline.durationSec - start - targetSeconds);
    for (size_t j = s + 1; j < keys.size(); ++j) {
      const double length = keys[j] - start;
      if (length > targetSeconds + bestError) break;
      if (length < targetSeconds / 2) continue;
      const double error = std::abs(length - targetSeconds);
      if (error <= bestError) {  // ascending lengths: on a tie this one is shorter than the end
        if (error < bestError || bestNext == keys.size()) {
          bestError = error;
          bestNext = j;
        }
      }
    }
    HlsCut cut;
    cut.index = static_cast<int>(cuts.size());
    cut.startSec = start;
    const double end = bestNext < keys.size() ? keys[bestNext] : timeline.durationSec;
    cut.durationSec = end - start;
    for (size_t k = s; k < bestNext; ++k) cut.videoBytes += bytes[k];
    cuts.push_back(cut);
    s = bestNext;
  }
  return cuts;
}

namespace {

// An MPEG-TS muxer writing into a sink through a custom AVIOContext. The format context goes first on
// destruction (it does not own the custom I/O), then the I/O context and its buffer.
class TsWriter {
 public:
  TsWriter(const HlsSink& sink, const AVCodecParameters* video, const AVCodecParameters* audio) : sink_(sink) {
    constexpr int kBufferSize = 64 * 1024;
    auto* buffer = static_cast<uint8_t*>(av_malloc(kBufferSize));
    if (!buffer) throw CodecError("out of memory");
    io_.reset(avio_alloc_context(buffer, kBufferSize, 1, this, nullptr, &TsWriter::Write, nullptr));
    if (!io_) {
      av_free(buffer);
      throw CodecError("out of memory");
    }
    AVFormatContext* raw = nullptr;
    Check(avformat_alloc_output_context2(&raw, nullptr, "mpegts", nullptr), "MPEG-TS muxer");
    fmt_.reset(raw);
    fmt_->pb = io_.get();
    fmt_->flags |= AVFMT_FLAG_CUSTOM_IO;
    // Timestamps are made non-negative by the lead, the same for every segment: no muxer shift of its own.
    fmt_->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;
    fmt_->max_delay = static_cast<int>(kHlsPcrLeadSec * AV_TIME_BASE);               // PCR = DTS - max_delay
    Check(av_opt_set_int(fmt_->priv_data, "mpegts_copyts", 1, 0), "mpegts_copyts");  // else PTS += 2 * max_delay
    // Each segment is muxed on its own, its continuity counters restart: say so, or a reader of consecutive
    // segments reports corrupt packets at every junction.
    Check(av_opt_set(fmt_->priv_data, "mpegts_flags", "+initial_discontinuity", 0), "mpegts_flags");
    video_ = AddStream(video);
    if (audio) audio_ = AddStream(audio);
    Check(avformat_write_header(fmt_.get(), nullptr), "MPEG-TS header");
    Rethrow();
  }

  TsWriter(const TsWriter&) = delete;
  TsWriter& operator=(const TsWriter&) = delete;

  int videoIndex() const { return video_; }
  int audioIndex() const { return audio_; }
  int64_t bytes() const { return bytes_; }

  // Writes a packet whose timestamps are already in 90 kHz units; takes its data.
  void Write(AVPacket* packet, int stream) {
    packet->stream_index = stream;
    packet->pos = -1;
    av_packet_rescale_ts(packet, kTsTimeBase, fmt_->streams[stream]->time_base);
    const int ret = av_interleaved_write_frame(fmt_.get(), packet);
    Rethrow();
    Check(ret, "MPEG-TS write");
  }

  void Finish() {
    const int ret = av_write_trailer(fmt_.get());
    avio_flush(io_.get());
    Rethrow();
    Check(ret, "MPEG-TS trailer");
  }

 private:
  struct FormatOnlyDeleter {
    void operator()(AVFormatContext* c) const { avformat_free_context(c); }
  };

  int AddStream(const AVCodecParameters* par) {
    AVStream* st = avformat_new_stream(fmt_.get(), nullptr);
    if (!st) throw CodecError("out of memory");
    Check(avcodec_parameters_copy(st->codecpar, par), "MPEG-TS stream");
    st->codecpar->codec_tag = 0;  // MP4 sample entry tags mean nothing in MPEG-TS
    st->time_base = kTsTimeBase;
    return st->index;
  }

  // Called by FFmpeg: no exception may cross it.
  static int Write(void* opaque, uint8_t* data, int size) {
    auto* self = static_cast<TsWriter*>(opaque);
    if (self->error_) return AVERROR(EIO);
    try {
      self->sink_(data, static_cast<size_t>(size));
      self->bytes_ += size;
    } catch (...) {
      self->error_ = std::current_exception();
      return AVERROR(EIO);
    }
    return size;
  }

  void Rethrow() {
    if (error_) std::rethrow_exception(error_);
  }

  const HlsSink& sink_;
  std::exception_ptr error_;
  int64_t bytes_ = 0;
  CustomIoPtr io_;
  std::unique_ptr<AVFormatContext, FormatOnlyDeleter> fmt_;
  int video_ = -1;
  int audio_ = -1;
};

// Which packets of the source make one segment, and their timestamps on the HLS timeline.
class SegmentCopy {
 public:
  SegmentCopy(Recording& r, const HlsCut& cut, double offsetSec, const HlsSink& sink)
      : r_(r),
        cut_(cut),
        startUs_(std::llround(cut.startSec * 1e6)),
        endUs_(std::llround((cut.startSec + cut.durationSec) * 1e6)),
        shift_(std::llround((offsetSec + kHlsTimestampLeadSec) * 90000)),
        floorDts_(std::llround(kHlsPcrLeadSec * 90000)),
        originUs_(av_rescale_q(r.originPts, r.tb, kMicroseconds)),
        out_(sink, r.video()->codecpar, r.audio >= 0 ? r.in->fmt->streams[r.audio]->codecpar : nullptr) {}

  HlsSegmentStats Run() {
    // The first attempt seeks; should it land after the cut's keyframe (an inexact seek), read from the top.
    if (!Seek() || Copy() == Outcome::kLate) {
      r_.in = OpenInputSource(r_.source);
      OpenStreamsDiscard();
      if (Copy() == Outcome::kLate) NotAKeyframe();
    }
    if (!started_) NotAKeyframe();
    out_.Finish();
    stats_.bytes = out_.bytes();
    return stats_;
  }

 private:
  enum class Outcome { kDone, kLate };

  void OpenStreamsDiscard() {
    AVFormatContext* fmt = r_.in->fmt.get();
    for (unsigned i = 0; i < fmt->nb_streams; ++i)
      if (static_cast<int>(i) != r_.in->videoIndex && static_cast<int>(i) != r_.audio)
        fmt->streams[i]->discard = AVDISCARD_ALL;
  }

  [[noreturn]] void NotAKeyframe() const {
    throw CodecError("HLS cut " + std::to_string(cut_.index) + " (" + std::to_string(cut_.startSec) + " s + " +
                     std::to_string(cut_.durationSec) + " s) does not start at a keyframe of " + r_.in->name +
                     ": out of range, or planned for another recording");
  }

  bool Seek() {
    AVFormatContext* fmt = r_.in->fmt.get();
    const double margin = IsMp4(fmt) ? 0 : kSeekMarginSec;  // MP4 seeks exactly, by its sample index
    const int64_t target = r_.originPts + std::llround((cut_.startSec - margin) / av_q2d(r_.tb));
    return av_seek_frame(fmt, r_.in->videoIndex, target, AVSEEK_FLAG_BACKWARD) >= 0;
  }

  int64_t ToTs(int64_t ts, AVRational tb) const {
    return av_rescale_q(ts, tb, kTsTimeBase) - av_rescale_q(r_.originPts, r_.tb, kTsTimeBase) + shift_;
  }

  Outcome Copy() {
    AVFormatContext* fmt = r_.in->fmt.get();
    const double start = cut_.startSec, end = cut_.startSec + cut_.durationSec, tol = r_.Tolerance();
    bool seenVideo = false, videoDone = false, audioDone = r_.audio < 0;
    pendingAudio_.clear();
    PacketPtr packet = NewPacket();
    for (;;) {
      const int ret = av_read_frame(fmt, packet.get());
      if (ret == AVERROR_EOF) break;
      if (ret < 0) throw CodecError("cannot read " + r_.in->name + ": " + AvError(ret));
      if (packet->stream_index == r_.in->videoIndex && DecodeTime(packet.get()) != AV_NOPTS_VALUE) {
        const double time = r_.KeyTime(DecodeTime(packet.get()));
        const bool key = (packet->flags & AV_PKT_FLAG_KEY) != 0;
        if (!seenVideo) {
          if (!started_ && time > start + tol) return Outcome::kLate;
          seenVideo = true;
          for (PacketPtr& a : pendingAudio_) WriteAudio(a.get(), fmt->streams[r_.audio]->time_base);
          pendingAudio_.clear();
        }
        if (!started_ && key && time >= start - tol) {
          if (time > start + tol) NotAKeyframe();
          started_ = true;
        } else if (started_ && !videoDone && key && time >= end - tol) {
          videoDone = true;
        }
        if (started_ && !videoDone) WriteVideo(packet.get());
        if (videoDone && (audioDone || time > end + kAudioSlackSec)) break;
      } else if (packet->stream_index == r_.audio && packet->pts != AV_NOPTS_VALUE) {
        const AVRational atb = fmt->streams[r_.audio]->time_base;
        const int64_t us = av_rescale_q(packet->pts, atb, kMicroseconds) - originUs_;
        const int64_t endOfPacket = us + av_rescale_q(std::max<int64_t>(0, packet->duration), atb, kMicroseconds);
        // The first cut also takes audio that starts before the first picture but plays into it.
        const bool inside = (us >= startUs_ || (startUs_ == 0 && endOfPacket > 0)) && us < endUs_;
        if (inside && !seenVideo) {  // held until the seek is known to be good
          pendingAudio_.push_back(NewPacket());
          av_packet_move_ref(pendingAudio_.back().get(), packet.get());
        } else if (inside) {
          WriteAudio(packet.get(), atb);
        }
        if (us >= endUs_) audioDone = true;
        if (videoDone && audioDone) break;
      }
      av_packet_unref(packet.get());
    }
    return Outcome::kDone;
  }

  void WriteVideo(AVPacket* packet) {
    const int64_t pts = ToTs(packet->pts != AV_NOPTS_VALUE ? packet->pts : DecodeTime(packet), r_.tb);
    int64_t dts = ToTs(DecodeTime(packet), r_.tb);
    // Only where the reorder delay exceeds the lead (the first pictures of a whole timeline): keep the decode
    // times increasing, at or above the PCR lead, and not after the presentation.
    if (dts < floorDts_ || dts <= lastVideoDts_) dts = std::min(pts, std::max(floorDts_, lastVideoDts_ + 1));
    lastVideoDts_ = dts;
    packet->duration = av_rescale_q(packet->duration, r_.tb, kTsTimeBase);
    if (stats_.videoPackets == 0) stats_.firstPts = static_cast<double>(pts) / 90000;
    packet->pts = pts;
    packet->dts = dts;
    out_.Write(packet, out_.videoIndex());
    ++stats_.videoPackets;
  }

  void WriteAudio(AVPacket* packet, AVRational atb) {
    const int64_t pts = ToTs(packet->pts, atb);
    if (pts <= lastAudioPts_ || pts < 0) return;  // never backwards (and never before the timeline)
    lastAudioPts_ = pts;
    packet->pts = pts;
    packet->dts = pts;
    packet->duration = av_rescale_q(packet->duration, atb, kTsTimeBase);
    out_.Write(packet, out_.audioIndex());
    ++stats_.audioPackets;
  }

  Recording& r_;
  const HlsCut& cut_;
  const int64_t startUs_, endUs_;  // the cut, on the recording's timeline
  const int64_t shift_;            // offset + lead, 90 kHz
  const int64_t floorDts_;
  const int64_t originUs_;
  TsWriter out_;
  bool started_ = false;
  int64_t lastVideoDts_ = std::numeric_limits<int64_t>::min();
  int64_t lastAudioPts_ = std::numeric_limits<int64_t>::min();
  std::vector<PacketPtr> pendingAudio_;  // read before the first video packet after a seek
  HlsSegmentStats stats_;
};

}  // namespace

HlsSegmentStats RemuxHlsSegment(std::shared_ptr<ByteSource> source, const HlsCut& cut, double timelineOffsetSec,
                                const HlsSink& sink) {
  if (!source) throw CodecError("RemuxHlsSegment: no source");
  if (!sink) throw CodecError("RemuxHlsSegment: no sink");
  if (!(cut.startSec >= 0) || !(cut.durationSec > 0) || !std::isfinite(cut.startSec + cut.durationSec))
    throw CodecError("HLS cut " + std::to_string(cut.index) + " has no valid interval (" +
                     std::to_string(cut.startSec) + " s + " + std::to_string(cut.durationSec) + " s)");
  if (!std::isfinite(timelineOffsetSec) || timelineOffsetSec < 0)
    throw CodecError("HLS timeline offset " + std::to_string(timelineOffsetSec) + " s: it must be 0 or more");
  Recording r = OpenRecording(std::move(source));
  SegmentCopy copy(r, cut, timelineOffsetSec, sink);
  return copy.Run();
}

HlsSegmentStats RemuxHlsSegment(std::shared_ptr<ByteSource> source, const HlsCut& cut, double timelineOffsetSec,
                                std::string& out) {
  out.clear();
  return RemuxHlsSegment(std::move(source), cut, timelineOffsetSec, [&out](const uint8_t* data, size_t size) {
    out.append(reinterpret_cast<const char*>(data), size);
  });
}

}  // namespace va::codec
