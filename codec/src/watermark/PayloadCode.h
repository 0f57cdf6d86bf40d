// The watermark payload and its error-correcting code: 64-bit ID + CRC-16, convolutional code K=7 rate 1/3
// (generators 133, 171, 165 octal, 6 zero tail bits), soft-decision Viterbi decoding.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace va::codec::detail {

constexpr int kPayloadBits = 64 + 16;
constexpr int kConvMemory = 6;
constexpr int kCodedBits = (kPayloadBits + kConvMemory) * 3;  // 258

// Coded bits (0/1) for an archive ID.
std::vector<uint8_t> EncodePayload(uint64_t archiveId);

// soft[i] > 0 favours coded bit 0, < 0 coded bit 1, 0 = erased. The ID when the decoded CRC matches.
std::optional<uint64_t> DecodePayload(const std::vector<double>& soft);

// log2 of P(Binomial(n, 1/2) >= k): the chance that n fair coins agree with a fixed word in k or more places.
double Log2BinomialTail(int n, int k);

}  // namespace va::codec::detail
