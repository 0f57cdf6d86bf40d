#include "HlsCodecs.h"

#include <cstdint>
#include <cstdio>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace va::codec::detail {

namespace {

std::string Format(const char* format, unsigned a, unsigned b = 0, unsigned c = 0) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, a, b, c);
  return buf;
}

// The first `want` bytes of the RBSP of the first NAL unit of type `type` in an Annex B buffer (emulation
// prevention bytes removed), after its header of `headerBytes` bytes; empty when there is no such unit or it is
// shorter. typeOf maps a NAL unit's first header byte to its type.
std::vector<uint8_t> AnnexBPayload(const uint8_t* data, size_t size, int type, size_t headerBytes, size_t want,
                                   int (*typeOf)(uint8_t)) {
  size_t i = 0;
  while (i + 3 <= size) {
    if (data[i] != 0 || data[i + 1] != 0 || data[i + 2] != 1) {
      ++i;
      continue;
    }
    const size_t start = i + 3;
    if (start + headerBytes > size || typeOf(data[start]) != type) {
      i = start;
      continue;
    }
    std::vector<uint8_t> rbsp;
    int zeros = 0;
    for (size_t j = start + headerBytes; j < size && rbsp.size() < want; ++j) {
      const uint8_t b = data[j];
      if (zeros >= 2 && b == 3) {  // emulation prevention
        zeros = 0;
        continue;
      }
      if (zeros >= 2 && b <= 2) break;  // the next start code: this unit is too short
      zeros = b == 0 ? zeros + 1 : 0;
      rbsp.push_back(b);
    }
    if (rbsp.size() == want) return rbsp;
    i = start;
  }
  return {};
}

int H264Type(uint8_t header) {
  return header & 0x1f;
}
int HevcType(uint8_t header) {
  return (header >> 1) & 0x3f;
}

bool IsConfigRecord(const AVCodecParameters* par, int minSize) {
  return par->extradata && par->extradata_size >= minSize && par->extradata[0] == 1;
}

std::string Avc(const AVCodecParameters* par) {
  // 'avcC': configurationVersion, AVCProfileIndication, profile_compatibility, AVCLevelIndication.
  if (IsConfigRecord(par, 4))
    return Format("avc1.%02x%02x%02x", par->extradata[1], par->extradata[2], par->extradata[3]);
  if (par->extradata && par->extradata_size > 0) {
    const auto sps = AnnexBPayload(par->extradata, static_cast<size_t>(par->extradata_size), 7, 1, 3, H264Type);
    if (sps.size() == 3) return Format("avc1.%02x%02x%02x", sps[0], sps[1], sps[2]);
  }
  if (par->profile <= 0 || par->level <= 0) return {};
  unsigned constraints = 0;
  if (par->profile & FF_PROFILE_H264_CONSTRAINED) constraints |= 0x40;  // constraint_set1_flag
  if (par->profile & FF_PROFILE_H264_INTRA) constraints |= 0x10;        // constraint_set3_flag
  return Format("avc1.%02x%02x%02x", static_cast<unsigned>(par->profile & 0xff), constraints,
                static_cast<unsigned>(par->level));
}

// ISO/IEC 14496-15 Annex E from general_profile_space .. general_level_idc (12 bytes of profile_tier_level).
std::string HevcFromProfileTierLevel(const uint8_t* ptl) {
  static const char* const kSpace[] = {"", "A", "B", "C"};
  std::string s = std::string("hvc1.") + kSpace[ptl[0] >> 6] + std::to_string(ptl[0] & 0x1f);
  const uint32_t compat = (uint32_t{ptl[1]} << 24) | (uint32_t{ptl[2]} << 16) | (uint32_t{ptl[3]} << 8) | ptl[4];
  uint32_t reversed = 0;
  for (int bit = 0; bit < 32; ++bit)
    if (compat & (1u << bit)) reversed |= 1u << (31 - bit);
  s += Format(".%X", reversed);
  s += (ptl[0] & 0x20) ? ".H" : ".L";
  s += std::to_string(ptl[11]);
  int last = 5;  // trailing zero bytes of the constraint flags are left out
  while (last >= 0 && ptl[5 + last] == 0) --last;
  for (int i = 0; i <= last; ++i) s += Format(".%X", ptl[5 + i]);
  return s;
}

std::string Hevc(const AVCodecParameters* par) {
  // 'hvcC': configurationVersion, then the 12 bytes of the general profile_tier_level.
  if (IsConfigRecord(par, 23)) return HevcFromProfileTierLevel(par->extradata + 1);
  if (par->extradata && par->extradata_size > 0) {
    // SPS: 2-byte header, one byte of ids and sub-layer count, then profile_tier_level.
    const auto sps = AnnexBPayload(par->extradata, static_cast<size_t>(par->extradata_size), 33, 2, 13, HevcType);
    if (sps.size() == 13) return HevcFromProfileTierLevel(sps.data() + 1);
  }
  if (par->profile <= 0 || par->profile > 31 || par->level <= 0) return {};
  return "hvc1." + std::to_string(par->profile) + Format(".%X", 1u << par->profile) + ".L" + std::to_string(par->level);
}

}  // namespace

std::string VideoCodecString(const AVCodecParameters* par) {
  if (par->codec_id == AV_CODEC_ID_H264) return Avc(par);
  if (par->codec_id == AV_CODEC_ID_HEVC) return Hevc(par);
  return {};
}

std::string AudioCodecString(const AVCodecParameters* par) {
  switch (par->codec_id) {
    case AV_CODEC_ID_AAC: {
      // AudioSpecificConfig: audioObjectType in 5 bits, 31 = escape to 32 + 6 more bits.
      if (par->extradata && par->extradata_size >= 1) {
        unsigned aot = par->extradata[0] >> 3;
        if (aot == 31) {
          if (par->extradata_size < 2) return {};
          aot = 32 + (((par->extradata[0] & 7u) << 3) | (par->extradata[1] >> 5));
        }
        if (aot > 0) return "mp4a.40." + std::to_string(aot);
      }
      if (par->profile >= 0) return "mp4a.40." + std::to_string(par->profile + 1);  // FF_PROFILE_AAC_* = type - 1
      return "mp4a.40.2";
    }
    case AV_CODEC_ID_MP3: return "mp4a.40.34";
    case AV_CODEC_ID_AC3: return "ac-3";
    case AV_CODEC_ID_EAC3: return "ec-3";
    default: return {};
  }
}

}  // namespace va::codec::detail
