#include <gtest/gtest.h>

#include <string>

#include "va/archive/Base64.h"

using va::archive::DecodeBase64;
using va::archive::EncodeBase64;

namespace {

TEST(Base64Test, DecodesRfc4648Vectors) {
  // RFC 4648 section 10.
  EXPECT_EQ(DecodeBase64(""), "");
  EXPECT_EQ(DecodeBase64("Zg=="), "f");
  EXPECT_EQ(DecodeBase64("Zm8="), "fo");
  EXPECT_EQ(DecodeBase64("Zm9v"), "foo");
  EXPECT_EQ(DecodeBase64("Zm9vYg=="), "foob");
  EXPECT_EQ(DecodeBase64("Zm9vYmE="), "fooba");
  EXPECT_EQ(DecodeBase64("Zm9vYmFy"), "foobar");
  EXPECT_EQ(DecodeBase64("+/+/"), std::string("\xfb\xff\xbf"));
}

TEST(Base64Test, RejectsAnythingNotCanonical) {
  EXPECT_FALSE(DecodeBase64("Zg"));        // missing padding
  EXPECT_FALSE(DecodeBase64("Zg="));       // short padding
  EXPECT_FALSE(DecodeBase64("Zg==Zg=="));  // padding in the middle
  EXPECT_FALSE(DecodeBase64("Z==="));      // too much padding
  EXPECT_FALSE(DecodeBase64("===="));
  EXPECT_FALSE(DecodeBase64("Zm9v\n"));  // whitespace
  EXPECT_FALSE(DecodeBase64("Zm 9v"));
  EXPECT_FALSE(DecodeBase64("Zm9-"));  // URL-safe alphabet
  EXPECT_FALSE(DecodeBase64("Zm9_"));
  EXPECT_FALSE(DecodeBase64("Zh=="));  // non-zero bits under the padding ("Zg==" is canonical)
  EXPECT_FALSE(DecodeBase64("Zm9="));  // ("Zm8=" is canonical)
  EXPECT_FALSE(DecodeBase64(std::string("Zm9\0", 4)));
}

TEST(Base64Test, EncodeRoundTripsEveryByte) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= bytes.size(); n += 37) {
    const std::string prefix = bytes.substr(0, n);
    EXPECT_EQ(DecodeBase64(EncodeBase64(prefix)), prefix) << n;
  }
  EXPECT_EQ(EncodeBase64("fooba"), "Zm9vYmE=");
}

}  // namespace
