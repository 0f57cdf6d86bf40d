#include <gtest/gtest.h>

#include <set>

#include "va/dicom/VideoInstance.h"

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

}  // namespace
}  // namespace va::dicom
