#include "Nal.h"

#include <string>

#include "va/codec/CodecError.h"

namespace va::codec::detail {

std::vector<NalRef> SplitAnnexB(const uint8_t* data, size_t size) {
  std::vector<NalRef> nals;
  size_t i = 0;
  auto findStart = [&](size_t from) {
    for (size_t j = from; j + 3 <= size; ++j)
      if (data[j] == 0 && data[j + 1] == 0 && data[j + 2] == 1) return j;
    return size;
  };
  size_t sc = findStart(0);
  while (sc < size) {
    size_t codeBegin = sc;
    if (codeBegin > 0 && data[codeBegin - 1] == 0) --codeBegin;  // 4-byte start code
    i = sc + 3;
    size_t next = findStart(i);
    size_t end = next;
    while (end > i && data[end - 1] == 0) --end;  // trailing_zero_8bits / the next 4-byte start code's zero
    if (end > i) nals.push_back({codeBegin, i, end - i});
    sc = next;
  }
  return nals;
}

std::vector<NalRef> SplitLengthPrefixed(const uint8_t* data, size_t size, int lengthSize) {
  if (lengthSize != 1 && lengthSize != 2 && lengthSize != 4)
    throw CodecError("unsupported NAL length size " + std::to_string(lengthSize));
  std::vector<NalRef> nals;
  size_t pos = 0;
  while (pos < size) {
    if (size - pos < static_cast<size_t>(lengthSize))
      throw CodecError("length-prefixed sample cut inside a NAL length field at byte " + std::to_string(pos));
    uint64_t len = 0;
    for (int k = 0; k < lengthSize; ++k) len = (len << 8) | data[pos + k];
    const size_t begin = pos + lengthSize;
    if (len > size - begin)
      throw CodecError("NAL length " + std::to_string(len) + " at byte " + std::to_string(pos) +
                       " runs past the end of the sample");
    if (len > 0) nals.push_back({pos, begin, static_cast<size_t>(len)});
    pos = begin + len;
  }
  return nals;
}

std::vector<uint8_t> AddEmulationPrevention(const uint8_t* rbsp, size_t size) {
  std::vector<uint8_t> out;
  out.reserve(size + size / 64 + 4);
  int zeros = 0;
  for (size_t i = 0; i < size; ++i) {
    if (zeros >= 2 && rbsp[i] <= 3) {
      out.push_back(3);
      zeros = 0;
    }
    out.push_back(rbsp[i]);
    zeros = rbsp[i] == 0 ? zeros + 1 : 0;
  }
  // An RBSP ending in 00 00 gets a final 0x03 so the NAL unit does not run into the next start code.
  if (zeros >= 2) out.push_back(3);
  return out;
}

std::vector<uint8_t> RemoveEmulationPrevention(const uint8_t* data, size_t size) {
  std::vector<uint8_t> out;
  out.reserve(size);
  int zeros = 0;
  for (size_t i = 0; i < size; ++i) {
    if (zeros >= 2 && data[i] == 3) {
      zeros = 0;
      continue;
    }
    out.push_back(data[i]);
    zeros = data[i] == 0 ? zeros + 1 : 0;
  }
  return out;
}

std::vector<SeiMessage> ParseSeiNal(const uint8_t* nal, size_t size) {
  if (size < 3) throw CodecError("SEI NAL unit too short (" + std::to_string(size) + " bytes)");
  const int type = NalType(nal);
  if (type != kNalPrefixSei && type != kNalSuffixSei)
    throw CodecError("NAL unit type " + std::to_string(type) + " is not an SEI");
  const std::vector<uint8_t> rbsp = RemoveEmulationPrevention(nal + 2, size - 2);
  // rbsp_trailing_bits: the last non-zero byte ends with the stop bit; the messages end just before it.
  size_t end = rbsp.size();
  while (end > 0 && rbsp[end - 1] == 0) --end;
  if (end == 0 || rbsp[end - 1] != 0x80)
    throw CodecError("SEI NAL unit lacks rbsp_trailing_bits (0x80 after the last message)");
  --end;
  std::vector<SeiMessage> messages;
  size_t pos = 0;
  auto readVarint = [&](const char* what) {
    uint64_t v = 0;
    while (true) {
      if (pos >= end) throw CodecError(std::string("SEI message cut inside its ") + what);
      const uint8_t b = rbsp[pos++];
      v += b;
      if (b != 0xFF) break;
      if (v > (1u << 24)) throw CodecError(std::string("SEI ") + what + " implausibly large");
    }
    return v;
  };
  while (pos < end) {
    SeiMessage m;
    m.payloadType = static_cast<int>(readVarint("payloadType"));
    const uint64_t len = readVarint("payloadSize");
    if (len > end - pos)
      throw CodecError("SEI message of type " + std::to_string(m.payloadType) + " claims " + std::to_string(len) +
                       " bytes, only " + std::to_string(end - pos) + " left");
    m.payload.assign(rbsp.begin() + pos, rbsp.begin() + pos + len);
    pos += len;
    messages.push_back(std::move(m));
  }
  return messages;
}

std::vector<uint8_t> BuildSeiNal(int nalType, int payloadType, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> rbsp;
  auto writeVarint = [&](size_t v) {
    while (v >= 0xFF) {
      rbsp.push_back(0xFF);
      v -= 0xFF;
    }
    rbsp.push_back(static_cast<uint8_t>(v));
  };
  writeVarint(static_cast<size_t>(payloadType));
  writeVarint(payload.size());
  rbsp.insert(rbsp.end(), payload.begin(), payload.end());
  rbsp.push_back(0x80);                                                // rbsp_trailing_bits
  std::vector<uint8_t> nal = {static_cast<uint8_t>(nalType << 1), 1};  // nuh_layer_id 0, temporal_id_plus1 1
  const std::vector<uint8_t> body = AddEmulationPrevention(rbsp.data(), rbsp.size());
  nal.insert(nal.end(), body.begin(), body.end());
  return nal;
}

}  // namespace va::codec::detail
