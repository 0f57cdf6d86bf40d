#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

#include "va/dicom/Uid.h"

namespace va::dicom {
namespace {

// "2.25." then a decimal integer of at most 39 digits without a leading zero (a 128-bit UUID).
bool Is225Uid(const std::string& uid) {
  if (uid.rfind("2.25.", 0) != 0) return false;
  const std::string digits = uid.substr(5);
  if (digits.empty() || digits.size() > 39 || digits[0] == '0') return false;
  return digits.find_first_not_of("0123456789") == std::string::npos;
}

TEST(GenerateUid, Is225DecimalUuidAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string uid = GenerateUid();
    EXPECT_TRUE(Is225Uid(uid)) << uid;
    EXPECT_LE(uid.size(), 64u);
    EXPECT_TRUE(seen.insert(uid).second) << "duplicate " << uid;
  }
}

// The decimal of the 128-bit integer a UID under 2.25 holds, back as 16 big-endian bytes.
std::array<unsigned char, 16> UuidBytes(const std::string& uid) {
  unsigned __int128 value = 0;
  for (char c : uid.substr(5)) value = value * 10 + static_cast<unsigned>(c - '0');
  std::array<unsigned char, 16> bytes{};
  for (int i = 15; i >= 0; --i, value >>= 8) bytes[i] = static_cast<unsigned char>(value & 0xFF);
  return bytes;
}

TEST(UidFromDigest, DeterministicValidVersion8) {
  unsigned char digest[16];
  for (int i = 0; i < 16; ++i) digest[i] = static_cast<unsigned char>(0x11 * i + 7);
  const std::string uid = UidFromDigest(digest);
  EXPECT_EQ(UidFromDigest(digest), uid);  // a re-run of the same upload gets the same UID
  EXPECT_TRUE(Is225Uid(uid)) << uid;
  EXPECT_LE(uid.size(), 64u);
  const auto bytes = UuidBytes(uid);
  EXPECT_EQ(bytes[6] >> 4, 8);                   // version 8: custom UUID (RFC 9562)
  EXPECT_EQ(bytes[8] >> 6, 2);                   // variant 10
  EXPECT_EQ(bytes[6] & 0x0F, digest[6] & 0x0F);  // every other bit comes from the digest
  EXPECT_EQ(bytes[8] & 0x3F, digest[8] & 0x3F);
  for (int i : {0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 12, 13, 14, 15}) EXPECT_EQ(bytes[i], digest[i]) << i;
}

TEST(UidFromDigest, ExtremeDigestsStayValid) {
  unsigned char zeros[16] = {};
  unsigned char ones[16];
  for (auto& b : ones) b = 0xFF;
  for (const unsigned char* digest :
       {static_cast<const unsigned char*>(zeros), static_cast<const unsigned char*>(ones)}) {
    const std::string uid = UidFromDigest(digest);
    EXPECT_TRUE(Is225Uid(uid)) << uid;  // the version bits keep a zero digest from giving "2.25.0..." forms
    EXPECT_LE(uid.size(), 44u);
  }
  // Zeros apart from the version and variant bits: 0x00000000-0000-8000-8000-000000000000.
  EXPECT_EQ(UidFromDigest(zeros), "2.25.604472133179351442128896");
}

TEST(UidFromDigest, DifferentDigestsGiveDifferentUids) {
  unsigned char digest[16] = {};
  std::set<std::string> seen = {UidFromDigest(digest)};
  for (int byte = 0; byte < 16; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      digest[byte] = static_cast<unsigned char>(1 << bit);
      // Flipping a version / variant bit cannot change the UID; every other bit must.
      const bool overwritten = (byte == 6 && bit >= 4) || (byte == 8 && bit >= 6);
      EXPECT_EQ(seen.insert(UidFromDigest(digest)).second, !overwritten) << byte << ":" << bit;
      digest[byte] = 0;
    }
  }
  EXPECT_NE(UidFromDigest(digest), GenerateUid());
}

}  // namespace
}  // namespace va::dicom
