// UIDs under the 2.25 arc (ITU-T X.667 / PS3.5 B.2): a random UUID written as one decimal integer. It needs no
// registered root, unlike DCMTK's SITE_INSTANCE_UID_ROOT, which is OFFIS's own root and not ours to use.
#include <array>
#include <cstdint>
#include <random>
#include <string>

#include "va/dicom/VideoInstance.h"

namespace va::dicom {

std::string GenerateUid() {
  // std::random_device reads the kernel CSPRNG on Linux; 122 random bits make collisions negligible.
  thread_local std::random_device device;
  std::array<uint32_t, 4> words{};
  for (auto& w : words) w = device();
  unsigned __int128 value = 0;
  for (uint32_t w : words) value = (value << 32) | w;
  // UUID version 4 / variant 1 bits, so the integer is a genuine UUID as X.667 expects.
  const unsigned __int128 one = 1;
  value &= ~(static_cast<unsigned __int128>(0xF) << 76);
  value |= static_cast<unsigned __int128>(0x4) << 76;
  value &= ~(static_cast<unsigned __int128>(0x3) << 62);
  value |= one << 63;

  // Decimal digits, most significant first; the version bits guarantee no leading zero.
  std::string digits;
  while (value != 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  return "2.25." + digits;
}

}  // namespace va::dicom
