// Range, If-Range and Accept headers come straight from HTTP clients.
#include <cstddef>
#include <cstdint>
#include <string>

#include "HttpRange.h"
#include "MediaNegotiation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t cut = input.find('\n');
  const std::string first = input.substr(0, cut);
  const std::string second = cut == std::string::npos ? "" : input.substr(cut + 1);
  for (uint64_t fileSize : {0ULL, 1ULL, 1000ULL, 1ULL << 40}) {
    const auto a = va::plugin::DecideRange(fileSize, first, second, "\"e\"", 4096);
    if (a.kind == va::plugin::RangeAnswer::Kind::Partial &&
        (a.first > a.last || a.last >= fileSize || a.length() > 4096))
      __builtin_trap();
    (void)a.contentRange();
  }
  for (const char* codec : {"hevc", "h264", "mpeg2video"}) {
    try {
      (void)va::plugin::ChooseMedia(codec, "mp4", second, first);
    } catch (const va::plugin::NegotiationError&) {
    }
  }
  try {
    (void)va::plugin::RequestedTransferSyntax(first);
  } catch (const va::plugin::NegotiationError&) {
  }
  return 0;
}
