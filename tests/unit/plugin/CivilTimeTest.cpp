#include <gtest/gtest.h>

#include "CivilTime.h"

using namespace va::plugin;

namespace {

TEST(CivilTimeTest, KnowsLeapYears) {
  EXPECT_TRUE(IsValidDate(2024, 2, 29));
  EXPECT_TRUE(IsValidDate(2000, 2, 29));
  EXPECT_FALSE(IsValidDate(1900, 2, 29));
  EXPECT_FALSE(IsValidDate(2026, 2, 29));
  EXPECT_FALSE(IsValidDate(2026, 4, 31));
  EXPECT_FALSE(IsValidDate(2026, 13, 1));
  EXPECT_FALSE(IsValidDate(2026, 0, 1));
  EXPECT_FALSE(IsValidDate(2026, 1, 0));
  EXPECT_TRUE(IsValidDate(2026, 12, 31));
}

TEST(CivilTimeTest, DaysRoundTripAroundTheEpochAndFarAway) {
  EXPECT_EQ(DaysFromCivil({1970, 1, 1}), 0);
  EXPECT_EQ(DaysFromCivil({1969, 12, 31}), -1);
  EXPECT_EQ(DaysFromCivil({2026, 11, 27}), 20784);
  EXPECT_EQ(WeekdayFromDays(20784), 5);  // a Friday
  EXPECT_EQ(WeekdayFromDays(-1), 3);     // 1969-12-31, a Wednesday
  for (int64_t days = -800000; days < 3000000; days += 997) {
    const CivilDate d = CivilFromDays(days);
    ASSERT_TRUE(IsValidDate(d.year, d.month, d.day)) << days;
    ASSERT_EQ(DaysFromCivil(d), days);
  }
}

TEST(CivilTimeTest, FloorDivRoundsDown) {
  EXPECT_EQ(FloorDiv(7, 2), 3);
  EXPECT_EQ(FloorDiv(-7, 2), -4);
  EXPECT_EQ(FloorDiv(-8, 2), -4);
  EXPECT_EQ(FloorDiv(-1, 86400), -1);
}

}  // namespace
