// HEVC NAL unit plumbing for the provenance SEI: Annex-B and length-prefixed splitting, emulation prevention, SEI
// message parsing and building. Pure byte work, no FFmpeg, so it can be fuzzed and unit-tested in isolation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace va::codec::detail {

constexpr int kNalVps = 32;
constexpr int kNalAud = 35;
constexpr int kNalPrefixSei = 39;
constexpr int kNalSuffixSei = 40;
constexpr int kSeiUserDataUnregistered = 5;
constexpr int kSeiDecodedPictureHash = 132;

// One NAL unit inside a buffer: [begin, begin + size) is the NAL unit (2-byte header first, still with emulation
// prevention bytes); startCode is where its start code (or length field) begins.
struct NalRef {
  size_t startCode = 0;
  size_t begin = 0;
  size_t size = 0;
};

inline int NalType(const uint8_t* nal) {
  return (nal[0] >> 1) & 0x3f;
}
inline bool IsVcl(int type) {
  return type < 32;
}
inline bool IsIrap(int type) {
  return type >= 16 && type <= 23;
}

// Annex-B (3- and 4-byte start codes). Trailing zero bytes of a NAL unit belong to the next start code.
std::vector<NalRef> SplitAnnexB(const uint8_t* data, size_t size);
// Length-prefixed samples as MP4 stores them (lengthSize 1, 2 or 4). Throws CodecError on a length past the end.
std::vector<NalRef> SplitLengthPrefixed(const uint8_t* data, size_t size, int lengthSize = 4);

// RBSP -> NAL payload: after two zero bytes, a byte <= 3 gets a 0x03 before it (so does the end after 00 00).
std::vector<uint8_t> AddEmulationPrevention(const uint8_t* rbsp, size_t size);
// NAL payload -> RBSP: drops every 0x03 that follows two zero bytes.
std::vector<uint8_t> RemoveEmulationPrevention(const uint8_t* data, size_t size);

struct SeiMessage {
  int payloadType = 0;
  std::vector<uint8_t> payload;
};

// Parses every message of a prefix or suffix SEI NAL unit (header included, emulation prevention still in).
// Throws CodecError on a NAL unit that is not an SEI, a truncated message or a missing rbsp_trailing_bits.
std::vector<SeiMessage> ParseSeiNal(const uint8_t* nal, size_t size);

// Builds one SEI NAL unit (header, one message, rbsp_trailing_bits, emulation prevention), without start code.
std::vector<uint8_t> BuildSeiNal(int nalType, int payloadType, const std::vector<uint8_t>& payload);

}  // namespace va::codec::detail
