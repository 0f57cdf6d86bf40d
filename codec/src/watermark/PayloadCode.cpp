#include "PayloadCode.h"

#include <array>
#include <cmath>
#include <limits>

extern "C" {
#include <libavutil/crc.h>
}

namespace va::codec::detail {
namespace {

constexpr std::array<unsigned, 3> kGenerators = {0133, 0171, 0165};
constexpr int kStates = 1 << kConvMemory;

uint16_t Crc16(uint64_t id) {
  uint8_t bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(id >> (56 - 8 * i));
  return static_cast<uint16_t>(av_crc(av_crc_get_table(AV_CRC_16_CCITT), 0xFFFF, bytes, sizeof bytes));
}

std::vector<uint8_t> PayloadBits(uint64_t id) {
  std::vector<uint8_t> bits;
  bits.reserve(kPayloadBits + kConvMemory);
  for (int i = 63; i >= 0; --i) bits.push_back(static_cast<uint8_t>((id >> i) & 1));
  const uint16_t crc = Crc16(id);
  for (int i = 15; i >= 0; --i) bits.push_back(static_cast<uint8_t>((crc >> i) & 1));
  for (int i = 0; i < kConvMemory; ++i) bits.push_back(0);
  return bits;
}

// Output bit g of the encoder fed `bit` in `state` (the last 6 input bits, newest in the high bit).
inline int Output(unsigned state, int bit, unsigned generator) {
  const unsigned reg = (static_cast<unsigned>(bit) << kConvMemory) | state;
  return __builtin_parity(reg & generator);
}

inline unsigned NextState(unsigned state, int bit) {
  return ((static_cast<unsigned>(bit) << kConvMemory) | state) >> 1;
}

}  // namespace

std::vector<uint8_t> EncodePayload(uint64_t archiveId) {
  std::vector<uint8_t> coded;
  coded.reserve(kCodedBits);
  unsigned state = 0;
  for (const uint8_t bit : PayloadBits(archiveId)) {
    for (const unsigned g : kGenerators) coded.push_back(static_cast<uint8_t>(Output(state, bit, g)));
    state = NextState(state, bit);
  }
  return coded;
}

std::optional<uint64_t> DecodePayload(const std::vector<double>& soft) {
  constexpr int steps = kPayloadBits + kConvMemory;
  constexpr double kNone = -std::numeric_limits<double>::infinity();
  std::array<double, kStates> metric;
  metric.fill(kNone);
  metric[0] = 0;
  // Survivor: the predecessor state and input bit for each (step, state).
  std::vector<std::array<uint8_t, kStates>> fromState(steps), fromBit(steps);
  for (int t = 0; t < steps; ++t) {
    std::array<double, kStates> next;
    next.fill(kNone);
    for (unsigned s = 0; s < kStates; ++s) {
      if (metric[s] == kNone) continue;
      // The tail is known to be zeros.
      const int maxBit = t >= kPayloadBits ? 0 : 1;
      for (int bit = 0; bit <= maxBit; ++bit) {
        double m = metric[s];
        for (int g = 0; g < 3; ++g) {
          const double y = soft[static_cast<size_t>(t) * 3 + static_cast<size_t>(g)];
          m += Output(s, bit, kGenerators[static_cast<size_t>(g)]) ? -y : y;  // correlation with +-1
        }
        const unsigned ns = NextState(s, bit);
        if (m > next[ns]) {
          next[ns] = m;
          fromState[static_cast<size_t>(t)][ns] = static_cast<uint8_t>(s);
          fromBit[static_cast<size_t>(t)][ns] = static_cast<uint8_t>(bit);
        }
      }
    }
    metric = next;
  }
  std::vector<uint8_t> bits(steps);
  unsigned s = 0;  // the tail brings the encoder back to state 0
  for (int t = steps - 1; t >= 0; --t) {
    bits[static_cast<size_t>(t)] = fromBit[static_cast<size_t>(t)][s];
    s = fromState[static_cast<size_t>(t)][s];
  }
  uint64_t id = 0;
  for (int i = 0; i < 64; ++i) id = (id << 1) | bits[static_cast<size_t>(i)];
  uint16_t crc = 0;
  for (int i = 64; i < kPayloadBits; ++i) crc = static_cast<uint16_t>((crc << 1) | bits[static_cast<size_t>(i)]);
  if (crc != Crc16(id)) return std::nullopt;
  return id;
}

double Log2BinomialTail(int n, int k) {
  if (k <= 0) return 0;
  if (k > n) return -std::numeric_limits<double>::infinity();
  // log-sum-exp of ln C(n, i) for i = k..n, then minus n ln 2.
  auto lnChoose = [n](int i) { return std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0); };
  double maxTerm = lnChoose(k);
  for (int i = k + 1; i <= n; ++i) maxTerm = std::max(maxTerm, lnChoose(i));
  double sum = 0;
  for (int i = k; i <= n; ++i) sum += std::exp(lnChoose(i) - maxTerm);
  return (maxTerm + std::log(sum)) / std::log(2.0) - n;
}

}  // namespace va::codec::detail
