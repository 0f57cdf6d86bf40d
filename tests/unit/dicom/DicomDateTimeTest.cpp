// DT parsing and offset conversion behind the Content / Series / Study dates of new instances.
#include <gtest/gtest.h>

#include "../../../dicom/src/DicomDateTime.h"
#include "va/dicom/DicomError.h"

namespace va::dicom::detail {
namespace {

TEST(DicomDateTime, ParsesTheRecorderForms) {
  DateTimeParts p = ParseDateTime("20261127101500+0000", "t");
  EXPECT_EQ(p.date, "20261127");
  EXPECT_EQ(p.time, "101500");
  EXPECT_EQ(p.offset, "+0000");
  p = ParseDateTime("20261127101500.250000+0000", "t");
  EXPECT_EQ(p.time, "101500.250000");
  p = ParseDateTime("2026112710", "t");
  EXPECT_EQ(p.time, "10");
  EXPECT_EQ(p.offset, "");
  p = ParseDateTime("20240229235960.5-0330", "t");  // leap day, leap second
  EXPECT_EQ(p.time, "235960.5");
  EXPECT_EQ(p.offset, "-0330");
}

TEST(DicomDateTime, RefusesWhatIsNotADateAndTime) {
  for (const char* bad :
       {"", "20261127", "202611271", "2026-11-27T10:15:00Z", "20261327101500", "20250229101500", "20261127241500",
        "20261127106000", "20261127101561", "20261127101500.", "2026112710.5", "20261127101500.1234567",
        "20261127101500+1500", "20261127101500+0060", "20261127101500+00", "20261127101500Z", "20261127101500 +0000"}) {
    try {
      ParseDateTime(bad, "contentDateTime");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const DicomError& e) {
      EXPECT_NE(std::string(e.what()).find("contentDateTime"), std::string::npos) << e.what();
    }
  }
}

TEST(DicomDateTime, OffsetsAreChecked) {
  for (const char* good : {"+0000", "-1200", "+1400", "+0545", "-0000"}) EXPECT_NO_THROW(CheckUtcOffset(good, "z"));
  for (const char* bad : {"", "0000", "+000", "+00000", "-1201", "+1401", "+0160", "UTC"})
    EXPECT_THROW(CheckUtcOffset(bad, "z"), DicomError) << bad;
}

TEST(DicomDateTime, ConvertsBetweenOffsets) {
  // 23:30 UTC on New Year's Eve is already the next year in Berlin.
  DateTimeParts p = ToOffset(ParseDateTime("20261231233000.125+0000", "t"), "+0100");
  EXPECT_EQ(p.date, "20270101");
  EXPECT_EQ(p.time, "003000.125");
  EXPECT_EQ(p.offset, "+0100");
  p = ToOffset(ParseDateTime("20260301001500+0000", "t"), "-0530");  // back over a month end
  EXPECT_EQ(p.date, "20260228");
  EXPECT_EQ(p.time, "184500");
  p = ToOffset(ParseDateTime("2026112710+0200", "t"), "+0000");  // missing minutes and seconds are zero
  EXPECT_EQ(p.time, "080000");
}

TEST(DicomDateTime, NoConversionWithoutBothOffsets) {
  const DateTimeParts bare = ParseDateTime("20261127101500", "t");
  EXPECT_EQ(ToOffset(bare, "+0100").time, "101500");  // already in the instance's offset
  const DateTimeParts utc = ParseDateTime("20261127101500+0000", "t");
  EXPECT_EQ(ToOffset(utc, "").time, "101500");
  EXPECT_EQ(ToOffset(utc, "+0000").time, "101500");
}

TEST(DicomDateTime, NowHasDateAndTime) {
  const DateTimeParts utc = NowIn("+0000");
  EXPECT_EQ(utc.date.size(), 8u);
  EXPECT_EQ(utc.time.size(), 6u);
  EXPECT_NO_THROW(ParseDateTime(utc.date + utc.time + utc.offset, "now"));
  const DateTimeParts local = NowIn("");
  EXPECT_EQ(local.offset, "");
  EXPECT_NO_THROW(ParseDateTime(local.date + local.time, "now"));
}

}  // namespace
}  // namespace va::dicom::detail
