// libFuzzer target: arbitrary bytes through ProbeBuffer (custom memory AVIOContext, libavformat probing, stream
// info). Anything but a CodecError or a clean answer is a bug: a crash, a leak, a hang.
#include <cstddef>
#include <cstdint>

extern "C" {
#include <libavutil/log.h>
}

#include "va/codec/Probe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    av_log_set_level(AV_LOG_QUIET);  // FFmpeg's complaints about broken input are expected here
    return true;
  }();
  (void)quiet;
  try {
    const va::codec::StreamInfo info = va::codec::ProbeBuffer(data, size);
    (void)info;
  } catch (const va::codec::CodecError&) {
  }
  return 0;
}
