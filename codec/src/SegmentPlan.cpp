#include "SegmentPlan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace va::codec::detail {

namespace {

// moov, ftyp, edit lists: a few kB, then sample tables (size, time, chunk offset, sync) of under 16 bytes a packet.
constexpr int64_t kContainerFixedBytes = 64 * 1024;
constexpr int64_t kContainerBytesPerPacket = 16;
// Audio is estimated from its average rate; AAC varies a little around it.
constexpr double kAudioMargin = 1.05;

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", s);
  return buf;
}

// Keyframes a segment may start at: nothing shown before comes after in decode order, nothing after before it
// (an open-GOP recovery point has leading pictures that need the previous GOP: not a cut point).
std::vector<size_t> CleanCuts(const std::vector<VideoPacketEntry>& v, size_t first) {
  const size_t n = v.size();
  std::vector<bool> laterShownAfter(n, true);  // every packet after i is shown after packet i
  int64_t minLater = std::numeric_limits<int64_t>::max();
  for (size_t i = n; i-- > first;) {
    laterShownAfter[i] = v[i].pts < minLater;
    minLater = std::min(minLater, v[i].pts);
  }
  std::vector<size_t> cuts;
  int64_t maxEarlier = std::numeric_limits<int64_t>::min();
  for (size_t i = first; i < n; ++i) {
    if (i > first && v[i].key && laterShownAfter[i] && maxEarlier < v[i].pts) cuts.push_back(i);
    maxEarlier = std::max(maxEarlier, v[i].pts);
  }
  return cuts;
}

}  // namespace

int64_t EstimatedSegmentBytes(int64_t videoBytes, int64_t videoPackets, double seconds, const SegmentOverhead& o) {
  const double audio = seconds * (o.audioBytesPerSec * kAudioMargin + o.audioPacketsPerSec * kContainerBytesPerPacket);
  return videoBytes + videoPackets * kContainerBytesPerPacket + kContainerFixedBytes +
         static_cast<int64_t>(std::ceil(audio));
}

std::vector<PlannedSegment> PlanSegments(const PacketIndex& index, const SegmentLimits& limits,
                                         const SegmentOverhead& overhead, const std::string& sourceName) {
  if (!(limits.maxDurationSec > 0))
    throw CodecError("the segment duration limit must be positive, not " + Seconds(limits.maxDurationSec));
  if (limits.maxBytes <= kContainerFixedBytes)
    throw CodecError("the segment size limit of " + std::to_string(limits.maxBytes) +
                     " bytes leaves no room for video after the MP4 container's own " +
                     std::to_string(kContainerFixedBytes) + " bytes");
  const std::vector<VideoPacketEntry>& v = index.video;
  const double tb = av_q2d(index.timeBase);
  // Packets before the first keyframe cannot be decoded: a recording that starts mid-GOP loses them anyway.
  const auto firstKey = std::find_if(v.begin(), v.end(), [](const VideoPacketEntry& e) { return e.key; });
  if (firstKey == v.end()) throw CodecError("no keyframe in the video of " + sourceName);
  const size_t first = static_cast<size_t>(firstKey - v.begin());
  const std::vector<size_t> cuts = CleanCuts(v, first);

  std::vector<int64_t> bytesBefore(v.size() + 1, 0);  // prefix sums of packet sizes
  for (size_t i = 0; i < v.size(); ++i) bytesBefore[i + 1] = bytesBefore[i] + v[i].size;
  int64_t start0 = v[first].pts;
  for (size_t i = first; i < v.size(); ++i) start0 = std::min(start0, v[i].pts);
  auto startOf = [&](size_t i) { return i >= v.size() ? index.endPts : i == first ? start0 : v[i].pts; };
  auto seconds = [&](size_t s, size_t e) { return static_cast<double>(startOf(e) - startOf(s)) * tb; };
  auto bytes = [&](size_t s, size_t e) {
    return EstimatedSegmentBytes(bytesBefore[e] - bytesBefore[s], static_cast<int64_t>(e - s), seconds(s, e), overhead);
  };
  auto fits = [&](size_t s, size_t e) {
    return seconds(s, e) <= limits.maxDurationSec + 1e-9 && bytes(s, e) <= limits.maxBytes;
  };

  std::vector<PlannedSegment> plan;
  size_t s = first;
  size_t next = 0;  // first cut after s
  while (s < v.size()) {
    while (next < cuts.size() && cuts[next] <= s) ++next;
    size_t end = v.size();
    if (!fits(s, end)) {
      size_t j = next;
      while (j < cuts.size() && fits(s, cuts[j])) ++j;
      if (j == next) {
        const size_t gopEnd = next < cuts.size() ? cuts[next] : v.size();
        const auto openKeys = std::count_if(v.begin() + static_cast<std::ptrdiff_t>(s) + 1,
                                            v.begin() + static_cast<std::ptrdiff_t>(gopEnd),
                                            [](const VideoPacketEntry& e) { return e.key; });
        throw CodecError("cannot split " + sourceName + " within " + Seconds(limits.maxDurationSec) + " and " +
                         std::to_string(limits.maxBytes) + " bytes per segment without re-encoding: the GOP at " +
                         Seconds(static_cast<double>(startOf(s) - start0) * tb) + " runs " +
                         Seconds(seconds(s, gopEnd)) + " (" + std::to_string(gopEnd - s) + " frames, about " +
                         std::to_string(bytes(s, gopEnd)) + " bytes) to the next keyframe it can be cut at" +
                         (openKeys > 0
                              ? " (its " + std::to_string(openKeys) +
                                    " other keyframes start open GOPs, whose leading pictures need the previous GOP)"
                              : std::string()) +
                         "; transcode it with a shorter keyframe interval (TranscodeOptions::keyintMax)");
      }
      end = cuts[j - 1];
    }
    plan.push_back({s, end, startOf(s), startOf(end), bytesBefore[end] - bytesBefore[s]});
    s = end;
  }
  return plan;
}

}  // namespace va::codec::detail
