#include <gtest/gtest.h>

#include "HttpRange.h"

using va::plugin::DecideRange;
using Kind = va::plugin::RangeAnswer::Kind;

namespace {
constexpr uint64_t kCap = 1000;
const std::string kTag = "\"abc-1\"";
}  // namespace

TEST(HttpRange, NoRangeSmallIsWholeLargeIsTooLarge) {
  auto a = DecideRange(500, "", "", kTag, kCap);
  EXPECT_EQ(a.kind, Kind::Whole);
  EXPECT_EQ(a.status(), 200);
  EXPECT_EQ(a.last, 499u);
  a = DecideRange(5000, "", "", kTag, kCap);
  EXPECT_EQ(a.kind, Kind::TooLarge);
  EXPECT_EQ(a.status(), 400);
}

TEST(HttpRange, ClosedRange) {
  auto a = DecideRange(5000, "bytes=100-199", "", kTag, kCap);
  EXPECT_EQ(a.kind, Kind::Partial);
  EXPECT_EQ(a.status(), 206);
  EXPECT_EQ(a.first, 100u);
  EXPECT_EQ(a.last, 199u);
  EXPECT_EQ(a.length(), 100u);
  EXPECT_EQ(a.contentRange(), "bytes 100-199/5000");
}

TEST(HttpRange, OpenRangeIsCappedAndClampedToSize) {
  auto a = DecideRange(5000, "bytes=0-", "", kTag, kCap);
  EXPECT_EQ(a.first, 0u);
  EXPECT_EQ(a.last, 999u);
  a = DecideRange(5000, "bytes=4500-", "", kTag, kCap);
  EXPECT_EQ(a.last, 4999u);
  a = DecideRange(5000, "bytes=4500-999999", "", kTag, kCap);
  EXPECT_EQ(a.contentRange(), "bytes 4500-4999/5000");
}

TEST(HttpRange, SuffixRange) {
  auto a = DecideRange(5000, "bytes=-100", "", kTag, kCap);
  EXPECT_EQ(a.contentRange(), "bytes 4900-4999/5000");
  a = DecideRange(50, "bytes=-100", "", kTag, kCap);  // longer than the file: all of it
  EXPECT_EQ(a.contentRange(), "bytes 0-49/50");
  a = DecideRange(5000, "bytes=-0", "", kTag, kCap);
  EXPECT_EQ(a.kind, Kind::Unsatisfiable);
}

TEST(HttpRange, Unsatisfiable) {
  auto a = DecideRange(5000, "bytes=5000-", "", kTag, kCap);
  EXPECT_EQ(a.kind, Kind::Unsatisfiable);
  EXPECT_EQ(a.status(), 416);
  EXPECT_EQ(a.contentRange(), "bytes */5000");
  EXPECT_EQ(DecideRange(0, "bytes=0-", "", kTag, kCap).kind, Kind::Unsatisfiable);
}

TEST(HttpRange, MalformedOrOtherUnitIsIgnored) {
  for (const char* h :
       {"bytes=abc", "bytes=5-1", "items=0-5", "bytes", "bytes=--5", "bytes=1-2-3", "bytes=99999999999999999999-"}) {
    EXPECT_EQ(DecideRange(500, h, "", kTag, kCap).kind, Kind::Whole) << h;
  }
}

TEST(HttpRange, SeveralRangesAnswerTheCoveringSpan) {
  auto a = DecideRange(5000, "bytes=10-20, 100-120,, 7000-", "", kTag, kCap);
  EXPECT_EQ(a.contentRange(), "bytes 10-120/5000");
  EXPECT_EQ(DecideRange(5000, "BYTES=1-2", "", kTag, kCap).kind, Kind::Partial);
}

TEST(HttpRange, IfRangeMatchingEtagKeepsRangeOtherwiseWhole) {
  EXPECT_EQ(DecideRange(500, "bytes=1-2", kTag, kTag, kCap).kind, Kind::Partial);
  EXPECT_EQ(DecideRange(500, "bytes=1-2", "\"other\"", kTag, kCap).kind, Kind::Whole);
  EXPECT_EQ(DecideRange(500, "bytes=1-2", "W/" + kTag, kTag, kCap).kind, Kind::Whole);
  EXPECT_EQ(DecideRange(500, "bytes=1-2", "Fri, 27 Nov 2026 22:43:37 GMT", kTag, kCap).kind, Kind::Whole);
  EXPECT_EQ(DecideRange(5000, "bytes=1-2", "\"other\"", kTag, kCap).kind, Kind::TooLarge);
}
