#include "FrameRateScan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace va::codec::detail {

namespace {

constexpr double kScanSeconds = 10;
constexpr size_t kMaxPackets = 1200;
// Spacing further than this fraction of a period from the typical one is not clock jitter: a frame was dropped,
// repeated or shown longer.
constexpr double kTolerance = 0.25;

// Presentation times of the first video packets in presentation order; decode times when some packet lacks a
// presentation time (program streams interpolate only those), empty when neither is complete.
std::vector<int64_t> FirstTimestamps(const InputFile& source) {
  std::vector<int64_t> pts, dts;
  try {
    const auto in = Reopen(source);
    AVFormatContext* fmt = in->fmt.get();
    for (unsigned i = 0; i < fmt->nb_streams; ++i)
      if (static_cast<int>(i) != in->videoIndex) fmt->streams[i]->discard = AVDISCARD_ALL;
    const double tb = av_q2d(in->video()->time_base);
    PacketPtr packet = NewPacket();
    bool havePts = true, haveDts = true;
    while (pts.size() < kMaxPackets && av_read_frame(fmt, packet.get()) >= 0) {
      if (packet->stream_index == in->videoIndex) {
        havePts = havePts && packet->pts != AV_NOPTS_VALUE;
        haveDts = haveDts && packet->dts != AV_NOPTS_VALUE;
        pts.push_back(packet->pts);
        dts.push_back(packet->dts);
      }
      av_packet_unref(packet.get());
      if (!havePts && !haveDts) return {};
      const std::vector<int64_t>& t = havePts ? pts : dts;
      if (!t.empty() && static_cast<double>(t.back() - t.front()) * tb > kScanSeconds) break;
    }
    if (pts.empty()) return {};
    if (havePts) {
      std::sort(pts.begin(), pts.end());
      // With reordering, a frame shown before the last one read may still be unread. A frame's decode time is at
      // most its presentation time, so every frame shown up to the last decode time read is here.
      const int64_t complete = haveDts ? *std::max_element(dts.begin(), dts.end()) : pts[pts.size() * 3 / 4];
      pts.erase(std::upper_bound(pts.begin(), pts.end(), complete), pts.end());
      return pts;
    }
    if (haveDts) return dts;
  } catch (const CodecError&) {
  }
  return {};
}

std::string Ms(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", seconds * 1000);
  return buf;
}

}  // namespace

FrameRateScan ScanFrameRate(const InputFile& in) {
  const AVStream* st = in.video();
  const double tb = av_q2d(st->time_base);
  FrameRateScan scan;
  scan.gridRate = NominalFrameRate(st);
  const std::vector<int64_t> ts = FirstTimestamps(in);
  if (ts.size() < 3) return scan;
  std::vector<int64_t> gaps;
  for (size_t i = 1; i < ts.size(); ++i) gaps.push_back(ts[i] - ts[i - 1]);
  std::vector<int64_t> sorted = gaps;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double typical = static_cast<double>(sorted[sorted.size() / 2]);
  if (typical <= 0) return scan;

  // The grid: a declared rate that matches the typical spacing, else the typical spacing itself.
  auto matches = [&](AVRational r) {
    return r.num > 0 && r.den > 0 && std::fabs(av_q2d(av_inv_q(r)) / tb - typical) <= kTolerance * typical;
  };
  AVRational grid = st->r_frame_rate;
  if (!matches(grid)) grid = st->avg_frame_rate;
  if (!matches(grid)) grid = av_d2q(1 / (typical * tb), 1001000);

  const auto [shortest, longest] = std::minmax_element(gaps.begin(), gaps.end());
  if (static_cast<double>(*longest) > (1 + kTolerance) * typical ||
      static_cast<double>(*shortest) < (1 - kTolerance) * typical) {
    scan.variable = true;
    scan.evidence = "frame spacing from " + Ms(static_cast<double>(*shortest) * tb) + " to " +
                    Ms(static_cast<double>(*longest) * tb) + " in the first " + std::to_string(ts.size()) + " frames";
  } else if (st->nb_frames > 0 && st->duration > 0) {
    // Containers that count their frames catch a drop anywhere in the file, not only in the first seconds.
    const double seconds = static_cast<double>(st->duration) * tb;
    const double expected = seconds * av_q2d(grid);
    const double n = static_cast<double>(st->nb_frames);
    if (std::fabs(expected - n) > 1.5 + 0.001 * n) {
      scan.variable = true;
      char buf[160];
      std::snprintf(buf, sizeof buf, "%lld frames in %.3f s where %.2f fps gives %.0f",
                    static_cast<long long>(st->nb_frames), seconds, av_q2d(grid), expected);
      scan.evidence = buf;
    }
  }
  if (scan.variable) scan.gridRate = grid;
  return scan;
}

}  // namespace va::codec::detail
