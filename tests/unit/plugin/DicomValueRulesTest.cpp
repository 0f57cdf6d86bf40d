#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "DicomValueRules.h"

using namespace va::plugin;

namespace {

constexpr int64_t kNow = 1795780800;  // 2026-11-27T12:00:00Z

// The error message of f, or "" when it does not throw.
std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const MetadataError& e) {
    return e.what();
  }
  return "";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(DicomValueRulesTest, TextIsTrimmedUtf8WithoutControlsOrBackslash) {
  EXPECT_EQ(CheckText("f", "  Hôpital Lausanne "), "Hôpital Lausanne");
  EXPECT_EQ(CheckText("f", "   "), "");
  EXPECT_EQ(CheckText("f", "日本語 🎥"), "日本語 🎥");
  EXPECT_EQ(ErrorOf([] { CheckText("f", "a\nb"); }),
            "metadata field 'f': contains the control character U+000A; send one line of text");
  EXPECT_TRUE(Contains(ErrorOf([] { CheckText("f", "a\tb"); }), "U+0009"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckText("f", std::string("a\0b", 3)); }), "U+0000"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckText("f", "a\x7f"); }), "U+007F"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckText("f", "a\xc2\x85"); }), "U+0085"));  // C1 NEL
  EXPECT_TRUE(Contains(ErrorOf([] { CheckText("f", "C:\\x"); }), "backslash"));
  for (const char* bad : {"\xff", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80"}) {
    EXPECT_EQ(ErrorOf([&] { CheckText("f", std::string("ok") + bad); }), "metadata field 'f': is not valid UTF-8 text")
        << bad;
  }
}

TEST(DicomValueRulesTest, LengthsCountCharactersNotBytes) {
  EXPECT_EQ(CountCharacters("Zürich"), 6u);
  EXPECT_EQ(CheckShortString("f", std::string(16, 'x')), std::string(16, 'x'));
  std::string accents;
  for (int i = 0; i < 16; ++i) accents += "é";
  EXPECT_EQ(CheckShortString("f", accents), accents);  // 16 characters, 32 bytes
  EXPECT_TRUE(Contains(ErrorOf([&] { CheckShortString("f", accents + "é"); }), "16 characters"));
  EXPECT_EQ(ErrorOf([] { CheckShortString("f", std::string(17, 'x')); }),
            "metadata field 'f': is longer than 16 characters (the limit of DICOM SH)");
  EXPECT_EQ(CheckLongString("f", std::string(64, 'x') + "  "), std::string(64, 'x'));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckLongString("f", std::string(65, 'x')); }), "64 characters"));
}

TEST(DicomValueRulesTest, PersonNamesAreNormalised) {
  EXPECT_EQ(CheckPersonName("n", "DOE^JANE"), "DOE^JANE");
  EXPECT_EQ(CheckPersonName("n", " DOE ^ JANE ^^^ "), "DOE^JANE");
  EXPECT_EQ(CheckPersonName("n", "Jane Doe"), "Jane Doe");
  EXPECT_EQ(CheckPersonName("n", "DOE^JANE^M^DR^PHD"), "DOE^JANE^M^DR^PHD");
  EXPECT_EQ(CheckPersonName("n", "YAMADA^TARO=山田^太郎=やまだ^たろう"), "YAMADA^TARO=山田^太郎=やまだ^たろう");
  EXPECT_EQ(CheckPersonName("n", "DOE^JANE=="), "DOE^JANE");
  EXPECT_EQ(CheckPersonName("n", "^^"), "");
  EXPECT_TRUE(Contains(ErrorOf([] { CheckPersonName("n", "A^B^C^D^E^F"); }), "more than 5 components"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckPersonName("n", "A=B=C=D"); }), "more than 3 component groups"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckPersonName("n", std::string(40, 'A') + "^" + std::string(24, 'B')); }),
                       "longer than 64 characters"));
  EXPECT_EQ(CheckPersonName("n", std::string(40, 'A') + "^" + std::string(23, 'B') + "=" + std::string(64, 'C')),
            std::string(40, 'A') + "^" + std::string(23, 'B') + "=" + std::string(64, 'C'));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckPersonName("n", "DOE\\JANE"); }), "backslash"));
}

TEST(DicomValueRulesTest, SexAcceptsLettersAndWords) {
  EXPECT_EQ(CheckSex("s", "m"), "M");
  EXPECT_EQ(CheckSex("s", "Female"), "F");
  EXPECT_EQ(CheckSex("s", "OTHER"), "O");
  EXPECT_EQ(CheckSex("s", ""), "");
  EXPECT_EQ(ErrorOf([] { CheckSex("s", "x"); }), "metadata field 's': must be M, F or O (or male, female, other)");
}

TEST(DicomValueRulesTest, UidsFollowPs35Section9) {
  EXPECT_EQ(CheckUid("u", "1.2.840.10008.5.1.4.1.1.77.1.1.1"), "1.2.840.10008.5.1.4.1.1.77.1.1.1");
  EXPECT_EQ(CheckUid("u", "2.25.0.10"), "2.25.0.10");
  EXPECT_EQ(CheckUid("u", "1." + std::string(62, '9')), "1." + std::string(62, '9'));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckUid("u", "1." + std::string(63, '9')); }), "longer than 64"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckUid("u", "1.2.a"); }), "only digits and dots"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckUid("u", "1..2"); }), "empty component"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckUid("u", "1.2."); }), "empty component"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckUid("u", ".1.2"); }), "empty component"));
  EXPECT_EQ(ErrorOf([] { CheckUid("u", "1.02"); }),
            "metadata field 'u': is not a DICOM UID: component \"02\" has a leading zero");
}

TEST(DicomValueRulesTest, Sha256IsLowercaseHex) {
  const std::string upper = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
  EXPECT_EQ(CheckSha256Hex("h", upper), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(Contains(ErrorOf([&] { CheckSha256Hex("h", upper.substr(1)); }), "64 hexadecimal digits"));
  EXPECT_TRUE(Contains(ErrorOf([&] { CheckSha256Hex("h", "g" + upper.substr(1)); }), "64 hexadecimal digits"));
}

TEST(DicomValueRulesTest, BirthDatesAreRealAndNotInTheFuture) {
  EXPECT_EQ(CheckBirthDate("d", "1961-04-12", kNow), "19610412");
  EXPECT_EQ(CheckBirthDate("d", "19610412", kNow), "19610412");
  EXPECT_EQ(CheckBirthDate("d", "2024-02-29", kNow), "20240229");
  EXPECT_EQ(CheckBirthDate("d", "2026-11-28", kNow), "20261128");  // today east of UTC
  EXPECT_EQ(CheckBirthDate("d", "", kNow), "");
  EXPECT_EQ(ErrorOf([] { CheckBirthDate("d", "2026-11-29", kNow); }), "metadata field 'd': is in the future");
  EXPECT_EQ(ErrorOf([] { CheckBirthDate("d", "2023-02-29", kNow); }),
            "metadata field 'd': is not a real calendar date");
  EXPECT_TRUE(Contains(ErrorOf([] { CheckBirthDate("d", "2023-13-01", kNow); }), "not a real calendar date"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckBirthDate("d", "0000-01-01", kNow); }), "not a real calendar date"));
  for (const char* bad : {"12.04.1961", "1961-4-12", "1961/04/12", "196104120", "1961-04-12T00:00", "+1961-04-1"}) {
    EXPECT_TRUE(Contains(ErrorOf([&] { CheckBirthDate("d", bad, kNow); }), "YYYY-MM-DD or YYYYMMDD")) << bad;
  }
}

TEST(DicomValueRulesTest, IsoDateTimesMustBeUtc) {
  EXPECT_EQ(CheckIsoUtcDateTime("t", "2026-11-27T10:15:00Z", kNow), "20261127101500+0000");
  EXPECT_EQ(CheckIsoUtcDateTime("t", "2026-11-27t10:15:00z", kNow), "20261127101500+0000");
  EXPECT_EQ(CheckIsoUtcDateTime("t", "2026-11-27T10:15:00+00:00", kNow), "20261127101500+0000");
  EXPECT_EQ(CheckIsoUtcDateTime("t", "2026-11-27T10:15:00.5Z", kNow), "20261127101500.5+0000");
  EXPECT_EQ(CheckIsoUtcDateTime("t", "2026-11-27T10:15:00.123456Z", kNow), "20261127101500.123456+0000");
  EXPECT_EQ(CheckIsoUtcDateTime("t", "2026-11-28T11:59:59Z", kNow), "20261128115959+0000");  // a day ahead at most
  EXPECT_EQ(ErrorOf([] { CheckIsoUtcDateTime("t", "2026-11-27T10:15:00+01:00", kNow); }),
            "metadata field 't': must be in UTC (ending in Z), not at offset +01:00; 2026-11-27T10:15:00+01:00 is "
            "2026-11-27T09:15:00Z");
  EXPECT_TRUE(Contains(ErrorOf([] { CheckIsoUtcDateTime("t", "2026-11-27T00:15:00.25-05:30", kNow); }),
                       "is 2026-11-27T05:45:00.25Z"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckIsoUtcDateTime("t", "2026-11-27T10:15:00-00:00", kNow); }), "unknown"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckIsoUtcDateTime("t", "2026-11-27T10:15:00", kNow); }), "no time zone"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckIsoUtcDateTime("t", "2026-11-27T10:15:00.1234567Z", kNow); }),
                       "more than 6 fractional digits"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckIsoUtcDateTime("t", "2026-11-28T12:00:01Z", kNow); }),
                       "more than one day in the future (2026-11-28T12:00:01Z); check the recorder's clock"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckIsoUtcDateTime("t", "2026-02-30T10:15:00Z", kNow); }), "calendar date"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckIsoUtcDateTime("t", "2026-11-27T24:00:00Z", kNow); }), "time of day"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckIsoUtcDateTime("t", "2026-11-27T10:15:60Z", kNow); }), "time of day"));
  for (const char* bad : {"2026-11-27 10:15:00Z", "2026-11-27T10:15Z", "20261127T101500Z", "2026-11-27T10:15:00.Z",
                          "2026-11-27T10:15:00+0100", "2026-11-27T10:15:00+01", "2026-11-27T10:15:00ZZ",
                          "2026-11-27T10:15:00+15:00", "tomorrow"}) {
    EXPECT_TRUE(Contains(ErrorOf([&] { CheckIsoUtcDateTime("t", bad, kNow); }), "e.g. 2026-11-27T10:15:00Z")) << bad;
  }
}

TEST(DicomValueRulesTest, DicomDateTimesAreConvertedToUtc) {
  EXPECT_EQ(CheckDicomDateTime("t", "20261127101500", std::nullopt, kNow), "20261127101500+0000");
  EXPECT_EQ(CheckDicomDateTime("t", "20261127101500.250+0100", std::nullopt, kNow), "20261127091500.250+0000");
  EXPECT_EQ(CheckDicomDateTime("t", "20260101003000-0500", std::nullopt, kNow), "20260101053000+0000");
  EXPECT_EQ(CheckDicomDateTime("t", "20260101003000+0100", std::nullopt, kNow), "20251231233000+0000");
  EXPECT_EQ(CheckDicomDateTime("t", "20261127101500", 120, kNow), "20261127081500+0000");  // default offset
  EXPECT_EQ(CheckDicomDateTime("t", "20261127101500+0000", 120, kNow), "20261127101500+0000");
  EXPECT_EQ(CheckDicomDateTime("t", "2026112710", std::nullopt, kNow), "20261127100000+0000");
  EXPECT_EQ(CheckDicomDateTime("t", "20261127", std::nullopt, kNow), "20261127000000+0000");
  EXPECT_EQ(CheckDicomDateTime("t", "", std::nullopt, kNow), "");
  EXPECT_TRUE(Contains(ErrorOf([] { CheckDicomDateTime("t", "202611", std::nullopt, kNow); }), "at least a full date"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckDicomDateTime("t", "20261130101500", std::nullopt, kNow); }), "future"));
  EXPECT_TRUE(Contains(ErrorOf([] { CheckDicomDateTime("t", "20260230101500", std::nullopt, kNow); }), "calendar"));
  for (const char* bad :
       {"2026-11-27T10:15:00Z", "202611271015001", "20261127101500.", "20261127101500.1234567", "2026112710.5",
        "20261127101500+01", "20261127101500+1500", "20261127101500 +0100", "20261127101500+01:00"}) {
    EXPECT_TRUE(Contains(ErrorOf([&] { CheckDicomDateTime("t", bad, std::nullopt, kNow); }), "DICOM DT")) << bad;
  }
}

TEST(DicomValueRulesTest, DicomDateAndTimeCombine) {
  EXPECT_EQ(CheckDicomDateAndTime("d", "20261127", "t", "101500.5", std::nullopt, kNow), "20261127101500.5+0000");
  EXPECT_EQ(CheckDicomDateAndTime("d", "20261127", "t", "1015", -60, kNow), "20261127111500+0000");
  EXPECT_EQ(CheckDicomDateAndTime("d", "20261127", "t", "", std::nullopt, kNow), "");
  EXPECT_EQ(CheckDicomDateAndTime("d", "", "t", "101500", std::nullopt, kNow), "");
  EXPECT_EQ(ErrorOf([] { CheckDicomDateAndTime("d", "2026-11-27", "t", "101500", std::nullopt, kNow); }),
            "metadata field 'd': must be a DICOM DA, YYYYMMDD");
  EXPECT_EQ(ErrorOf([] { CheckDicomDateAndTime("d", "20261127", "t", "10:15:00", std::nullopt, kNow); }),
            "metadata field 't': must be a DICOM TM, HHMMSS[.FFFFFF]");
  EXPECT_TRUE(Contains(ErrorOf([] { CheckDicomDateAndTime("d", "20261127", "t", "250000", std::nullopt, kNow); }),
                       "time of day"));
}

TEST(DicomValueRulesTest, TimezoneOffsets) {
  EXPECT_EQ(CheckTimezoneOffset("z", "+0100"), 60);
  EXPECT_EQ(CheckTimezoneOffset("z", "-0930"), -570);
  EXPECT_EQ(CheckTimezoneOffset("z", "+1400"), 840);
  EXPECT_EQ(CheckTimezoneOffset("z", ""), std::nullopt);
  for (const char* bad : {"0100", "+01:00", "+1401", "-1201", "+0160", "+01"}) {
    EXPECT_TRUE(Contains(ErrorOf([&] { CheckTimezoneOffset("z", bad); }), "+HHMM or -HHMM")) << bad;
  }
}

}  // namespace
