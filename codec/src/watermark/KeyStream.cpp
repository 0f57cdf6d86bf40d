#include "KeyStream.h"

#include <cmath>
#include <cstring>

extern "C" {
#include <libavutil/aes.h>
#include <libavutil/mem.h>
}

#include "va/codec/CodecError.h"

namespace va::codec::detail {

KeyStream::KeyStream(const WatermarkKey& key, uint32_t purpose, uint32_t gridCols, uint32_t gridRows)
    : aes_(av_aes_alloc()) {
  if (!aes_) throw CodecError("out of memory for the watermark key schedule");
  if (av_aes_init(aes_, key.data(), 256, 0) < 0) {
    av_free(aes_);
    throw CodecError("cannot initialise AES for the watermark key");
  }
  // Counter block: purpose | cols | rows | 32-bit block counter (big endian).
  const uint32_t fields[3] = {purpose, gridCols, gridRows};
  for (int f = 0; f < 3; ++f)
    for (int b = 0; b < 4; ++b) counter_[f * 4 + b] = static_cast<uint8_t>(fields[f] >> (24 - 8 * b));
}

KeyStream::~KeyStream() {
  av_free(aes_);
}

void KeyStream::Refill() {
  av_aes_crypt(aes_, block_.data(), counter_.data(), 1, nullptr, 0);
  for (int i = 15; i >= 12; --i)
    if (++counter_[i] != 0) break;
  used_ = 0;
}

uint64_t KeyStream::Next64() {
  if (used_ >= 16) Refill();
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | block_[used_ + i];
  used_ += 8;
  return v;
}

double KeyStream::Uniform() {
  return static_cast<double>(Next64() >> 11) * (1.0 / 9007199254740992.0);
}

double KeyStream::Gaussian() {
  const double u1 = 1.0 - Uniform();  // (0, 1]
  const double u2 = Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

uint64_t KeyStream::Below(uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  for (;;) {
    const uint64_t v = Next64();
    if (v < limit) return v % n;
  }
}

}  // namespace va::codec::detail
