// libFuzzer target: arbitrary bytes through the HLS path (custom AVIOContext, libavformat, the keyframe timeline,
// the RFC 6381 codec strings read from decoder configuration records and Annex B parameter sets, the cut plan and
// the MPEG-TS remux of the first and last cut). Anything but a CodecError or a clean answer is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

extern "C" {
#include <libavutil/log.h>
}

#include "va/codec/Hls.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    av_log_set_level(AV_LOG_QUIET);  // FFmpeg's complaints about broken input are expected here
    return true;
  }();
  (void)quiet;
  try {
    const auto source = va::codec::WrapMemory(data, size);
    const va::codec::MediaTimeline timeline = va::codec::ReadTimeline(source);
    const auto cuts = va::codec::PlanHlsCuts(timeline, 2);
    std::string segment;
    va::codec::RemuxHlsSegment(source, cuts.front(), 0, segment);
    if (cuts.size() > 1) va::codec::RemuxHlsSegment(source, cuts.back(), 10, segment);
  } catch (const va::codec::CodecError&) {
  }
  return 0;
}
