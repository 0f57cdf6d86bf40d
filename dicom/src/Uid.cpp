// UIDs under the 2.25 arc (ITU-T X.667 / PS3.5 B.2): a UUID written as one decimal integer. It needs no
// registered root, unlike DCMTK's SITE_INSTANCE_UID_ROOT, which is OFFIS's own root and not ours to use.
#include "va/dicom/Uid.h"

#include <array>
#include <cstdint>
#include <random>
#include <string>

namespace va::dicom {
namespace {

using Uint128 = unsigned __int128;

// Sets the UUID version nibble (bits 76-79 of the big-endian integer) and the RFC 9562 variant (bits 62-63 = 10),
// so the integer is a genuine UUID as X.667 expects.
Uint128 MakeUuid(Uint128 value, unsigned version) {
  value &= ~(static_cast<Uint128>(0xF) << 76);
  value |= static_cast<Uint128>(version) << 76;
  value &= ~(static_cast<Uint128>(0x3) << 62);
  value |= static_cast<Uint128>(1) << 63;
  return value;
}

// "2.25." and the decimal digits, most significant first; the version bits (>= 4, at bit 76) guarantee a non-zero
// value, hence no leading zero.
std::string ToUid(Uint128 value) {
  std::string digits;
  while (value != 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  return "2.25." + digits;
}

}  // namespace

std::string GenerateUid() {
  // std::random_device reads the kernel CSPRNG on Linux; 122 random bits make collisions negligible.
  thread_local std::random_device device;
  std::array<uint32_t, 4> words{};
  for (auto& w : words) w = device();
  Uint128 value = 0;
  for (uint32_t w : words) value = (value << 32) | w;
  return ToUid(MakeUuid(value, 4));
}

std::string UidFromDigest(const unsigned char digest[16]) {
  Uint128 value = 0;
  for (int i = 0; i < 16; ++i) value = (value << 8) | digest[i];
  return ToUid(MakeUuid(value, 8));
}

}  // namespace va::dicom
