#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>

#include "TusHeaders.h"

using namespace va::plugin;

namespace {

// The status of the TusError f throws, 0 when it does not throw; message receives what().
int StatusOf(const std::function<void()>& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const TusError& e) {
    if (message) *message = e.what();
    return e.status();
  }
  return 0;
}

constexpr int64_t kMax = 1000000;

TEST(TusHeadersTest, UploadLengthIsStrictDecimal) {
  EXPECT_EQ(ParseUploadLength("0", kMax), 0);
  EXPECT_EQ(ParseUploadLength("1000000", kMax), 1000000);
  EXPECT_EQ(ParseUploadLength("9223372036854775807", std::numeric_limits<int64_t>::max()),
            std::numeric_limits<int64_t>::max());
  std::string message;
  EXPECT_EQ(StatusOf([] { ParseUploadLength("1000001", kMax); }, &message), 413);
  EXPECT_NE(message.find("1000000 bytes"), std::string::npos) << message;
  // Too large for 64 bits is still "too large", not "malformed".
  EXPECT_EQ(StatusOf([] { ParseUploadLength("9223372036854775808", std::numeric_limits<int64_t>::max()); }), 413);
  EXPECT_EQ(StatusOf([] { ParseUploadLength("99999999999999999999999999", kMax); }), 413);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "１"}) {
    EXPECT_EQ(StatusOf([&] { ParseUploadLength(bad, kMax); }), 400) << bad;
  }
}

TEST(TusHeadersTest, UploadOffsetIsStrictDecimal) {
  EXPECT_EQ(ParseUploadOffset("0"), 0);
  EXPECT_EQ(ParseUploadOffset("5242880"), 5242880);
  EXPECT_EQ(ParseUploadOffset("9223372036854775807"), std::numeric_limits<int64_t>::max());
  for (const char* bad : {"", "-0", "+5", "5 ", "five", "9223372036854775808"}) {
    EXPECT_EQ(StatusOf([&] { ParseUploadOffset(bad); }), 400) << bad;
  }
}

TEST(TusHeadersTest, UploadChecksumIsSha256InBase64) {
  // SHA-256 of "abc".
  const UploadChecksum c = ParseUploadChecksum("sha256 ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
  EXPECT_EQ(c.algorithm, "sha256");
  ASSERT_EQ(c.digest.size(), 32u);
  EXPECT_EQ(static_cast<unsigned char>(c.digest[0]), 0xba);
  EXPECT_EQ(static_cast<unsigned char>(c.digest[31]), 0xad);
  EXPECT_EQ(ParseUploadChecksum("SHA256 ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=").algorithm, "sha256");

  std::string message;
  EXPECT_EQ(StatusOf([] { ParseUploadChecksum("md5 kAFQmDzST7DWlj99KOF/cg=="); }, &message), 400);
  EXPECT_EQ(message, "unsupported checksum algorithm; supported: sha256");
  EXPECT_EQ(StatusOf([] { ParseUploadChecksum("sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0="); }), 400);
  EXPECT_EQ(StatusOf([] { ParseUploadChecksum("sha256 ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0"); }), 400);
  EXPECT_EQ(StatusOf([] { ParseUploadChecksum("sha256 ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0="); }), 400);
  EXPECT_EQ(StatusOf([] { ParseUploadChecksum("sha256 qZk+NkcGgWq6PiVxeFDCbJzQ2J0="); }, &message), 400);
  EXPECT_EQ(message, "Upload-Checksum sha256 digest must be 32 bytes, got 20");
  EXPECT_EQ(StatusOf([] { ParseUploadChecksum("sha256"); }), 400);
  EXPECT_EQ(StatusOf([] { ParseUploadChecksum(""); }), 400);
  EXPECT_EQ(StatusOf([] { ParseUploadChecksum("sha256  ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="); }), 400);
}

TEST(TusHeadersTest, OnlyTus100IsSpoken) {
  EXPECT_NO_THROW(CheckTusResumable("1.0.0"));
  std::string message;
  EXPECT_EQ(StatusOf([] { CheckTusResumable("0.2.2"); }, &message), 412);
  EXPECT_NE(message.find("1.0.0"), std::string::npos);
  EXPECT_EQ(StatusOf([] { CheckTusResumable(""); }), 412);
  EXPECT_EQ(StatusOf([] { CheckTusResumable("1.0.0 "); }), 412);
  EXPECT_STREQ(kTusVersion, "1.0.0");
  EXPECT_STREQ(kTusExtensions, "creation,checksum,termination,expiration");
  EXPECT_STREQ(kChecksumAlgorithms, "sha256");
}

TEST(TusHeadersTest, PatchContentType) {
  EXPECT_NO_THROW(CheckPatchContentType("application/offset+octet-stream"));
  EXPECT_NO_THROW(CheckPatchContentType("Application/Offset+Octet-Stream ; charset=binary"));
  EXPECT_EQ(StatusOf([] { CheckPatchContentType("application/octet-stream"); }), 415);
  EXPECT_EQ(StatusOf([] { CheckPatchContentType(""); }), 415);
}

TEST(TusHeadersTest, HttpDatesAreImfFixdate) {
  EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(FormatHttpDate(1795819417), "Fri, 27 Nov 2026 22:43:37 GMT");
  EXPECT_EQ(FormatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 7231's example
  EXPECT_EQ(FormatHttpDate(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
  EXPECT_EQ(FormatHttpDate(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
  EXPECT_EQ(FormatHttpDate(253402300799), "Fri, 31 Dec 9999 23:59:59 GMT");
  EXPECT_THROW(FormatHttpDate(253402300800), std::out_of_range);
  EXPECT_THROW(FormatHttpDate(std::numeric_limits<int64_t>::max()), std::out_of_range);
  EXPECT_THROW(FormatHttpDate(std::numeric_limits<int64_t>::min()), std::out_of_range);
}

}  // namespace
