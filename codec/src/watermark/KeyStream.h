// Keyed pseudo-random numbers for the watermark: AES-256 in counter mode over libavutil (no home-made hash).
#pragma once

#include <array>
#include <cstdint>

#include "va/codec/Watermark.h"

struct AVAES;

namespace va::codec::detail {

// A deterministic stream of random numbers from the 32-byte key; `purpose` and the grid size separate the
// streams, so the spreading vectors of a 30x17 grid never reuse the counter blocks of its permutation.
class KeyStream {
 public:
  KeyStream(const WatermarkKey& key, uint32_t purpose, uint32_t gridCols, uint32_t gridRows);
  ~KeyStream();
  KeyStream(const KeyStream&) = delete;
  KeyStream& operator=(const KeyStream&) = delete;

  uint64_t Next64();
  double Uniform();            // [0, 1)
  double Gaussian();           // standard normal (Box-Muller)
  uint64_t Below(uint64_t n);  // uniform in [0, n), without modulo bias

 private:
  void Refill();
  AVAES* aes_ = nullptr;
  std::array<uint8_t, 16> counter_{};
  std::array<uint8_t, 16> block_{};
  int used_ = 16;  // 64-bit words consumed from block_, in bytes
};

}  // namespace va::codec::detail
