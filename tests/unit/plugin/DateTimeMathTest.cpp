#include <gtest/gtest.h>

#include "DateTimeMath.h"

namespace va::plugin {
namespace {

TEST(DateTimeMath, AddsAcrossMidnightAndKeepsFractions) {
  EXPECT_EQ(AddSecondsUtc("20261127235950+0000", 20), "20261128000010+0000");
  EXPECT_EQ(AddSecondsUtc("20261127101500.5+0000", 0.25), "20261127101500.750000+0000");
  EXPECT_EQ(AddSecondsUtc("20261231235959+0000", 1200), "20270101001959+0000");
  EXPECT_EQ(AddSecondsUtc("20240228120000+0000", 86400), "20240229120000+0000");
}

TEST(DateTimeMath, RefusesOtherForms) {
  EXPECT_THROW(AddSecondsUtc("20261127101500+0100", 1), std::invalid_argument);
  EXPECT_THROW(AddSecondsUtc("2026-11-27T10:15:00Z", 1), std::invalid_argument);
  EXPECT_THROW(AddSecondsUtc("20261127101500.+0000", 1), std::invalid_argument);
}

TEST(DateTimeMath, NowHasTheSameForm) {
  const std::string now = NowUtcDateTime();
  EXPECT_EQ(now.size(), 19u);
  EXPECT_EQ(AddSecondsUtc(now, 0), now);
}

}  // namespace
}  // namespace va::plugin
