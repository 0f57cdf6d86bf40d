// HLS delivery of archived recordings without re-encoding: where the keyframes of a recording lie, how to cut it
// into segments, and each segment remuxed on request into MPEG-2 TS (stream copy). The playlist text belongs to
// the caller, which strings the instances of a series into one timeline by passing each instance's start as
// timelineOffsetSec (the sum of the durations of the instances before it).
//
// Apple players take HEVC over HLS only in fragmented MP4 (HLS Authoring Specification 1.5); these MPEG-TS
// segments are for H.264 there. HEVC in MPEG-TS plays where the player's demuxer knows it (FFmpeg, VLC, recent
// hls.js builds with HEVC support enabled).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "va/codec/ByteSource.h"
#include "va/codec/CodecError.h"

namespace va::codec {

// What the playlist and the segmenter need to know of one recording (one instance). Times are in seconds on the
// recording's own timeline, which starts at its first video keyframe (pictures before it cannot be decoded and are
// not delivered).
struct MediaTimeline {
  double durationSec = 0;              // from the first keyframe to the end of the last picture
  std::vector<double> keyframes;       // presentation time of every video keyframe, ascending; keyframes[0] == 0
  std::vector<int64_t> keyframeBytes;  // video bytes from each keyframe up to the next one (same length)
  bool fromIndex = false;              // keyframes read from the container's sample index, not packet by packet
  std::string videoCodec;              // "h264" or "hevc"
  int width = 0;
  int height = 0;
  int fpsNum = 0;  // nominal frame rate (average, else the container's base rate)
  int fpsDen = 1;
  double fps = 0;
  bool hasAudio = false;     // the segments carry the first audio track of the source
  std::string audioCodec;    // its codec: "aac", "mp3", "ac3" or "eac3"; empty without audio
  std::string audioSkipped;  // an audio track the segments leave out, and why; usually empty
  int64_t bitRate = 0;       // average over the file, bits per second; 0 when the container does not say
  std::string codecs;        // RFC 6381 CODECS attribute, e.g. "avc1.640028,mp4a.40.2"; empty when a part is unknown
};

// Throws CodecError when the source cannot be read, holds no video, holds video other than H.264 or HEVC (needs a
// transcode first) or has no keyframe. For MP4 the keyframes come from the sample index in the moov box (only the
// index and the first packets are read, whatever the file size); other containers are read packet by packet.
// Keyframe times are decode time plus the first keyframe's reorder delay: exact for encoders with a constant delay
// (x264, x265, hardware encoders), within that delay otherwise. RemuxHlsSegment finds keyframes by the same rule.
MediaTimeline ReadTimeline(std::shared_ptr<ByteSource> source);

// One segment of a recording: from the keyframe at startSec up to the next cut's start.
struct HlsCut {
  int index = 0;  // position in the plan, 0-based
  double startSec = 0;
  double durationSec = 0;
  int64_t videoBytes = 0;  // video payload, for a BANDWIDTH estimate (0 when the timeline has no sizes)
};

// Cuts at keyframes, each as close to targetSeconds as the keyframes allow (on a tie the shorter) and none shorter
// than targetSeconds / 2 except the last; together they cover [0, durationSec) without gap or overlap. A GOP longer
// than the target makes a longer segment. Throws CodecError for a timeline without keyframes or duration, or a
// target that is not a positive number.
std::vector<HlsCut> PlanHlsCuts(const MediaTimeline& timeline, double targetSeconds);

// Every segment's timestamps: presentation time = timelineOffsetSec + time on the recording's timeline + this lead,
// the same for every segment and instance, so that the decode times of the first pictures (before their
// presentation times when there are B-frames) stay positive. The PCR runs kHlsPcrLeadSec ahead of the decode time.
inline constexpr double kHlsTimestampLeadSec = 0.2;
inline constexpr double kHlsPcrLeadSec = 0.1;

struct HlsSegmentStats {
  int64_t videoPackets = 0;
  int64_t audioPackets = 0;
  int64_t bytes = 0;    // MPEG-TS bytes written
  double firstPts = 0;  // presentation time of the first picture in the segment, seconds, lead included
};

// Receives the segment's bytes in order, a piece at a time. May throw (a client gone): the remux stops and the
// exception reaches the caller of RemuxHlsSegment.
using HlsSink = std::function<void(const uint8_t* data, size_t size)>;

// Writes the MPEG-2 TS segment of `cut` (from PlanHlsCuts on ReadTimeline of the same source): the video packets in
// decode order from the cut's keyframe up to the next cut's keyframe, and the audio packets presented in
// [startSec, startSec + durationSec), copied without decoding (H.264 / HEVC to Annex B, AAC to ADTS). Every frame
// of the recording goes into exactly one segment. Timestamps are shifted as stated at kHlsTimestampLeadSec. Each
// segment is muxed on its own: PAT/PMT first, continuity counters marked discontinuous at its start. Memory is
// bounded by the muxer's interleaving, not by the recording's size. Throws CodecError: unreadable source, no
// keyframe at the cut's start (a cut out of range or from another recording's plan).
HlsSegmentStats RemuxHlsSegment(std::shared_ptr<ByteSource> source, const HlsCut& cut, double timelineOffsetSec,
                                const HlsSink& sink);
// The same into a string (cleared first).
HlsSegmentStats RemuxHlsSegment(std::shared_ptr<ByteSource> source, const HlsCut& cut, double timelineOffsetSec,
                                std::string& out);

}  // namespace va::codec
