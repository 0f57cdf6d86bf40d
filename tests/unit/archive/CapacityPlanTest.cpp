#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "va/archive/CapacityPlan.h"

using va::archive::CapacityInputs;
using va::archive::CapacityPlan;
using va::archive::CheckCapacityInputs;
using va::archive::ComputeCapacityPlan;
using va::archive::FormatBytes;
using va::archive::FormatCapacityTable;

namespace {

constexpr double kGB = 1e9;
constexpr double kTB = 1e12;
constexpr double kPB = 1e15;

// The seed model: 951 hospitals x 8 rooms x 3.2 procedures a day, 1080p H.264 at 6 Mbit/s, "one hospital makes
// ~190 GB a day", "~70 TB a hospital-year". The seed figures are rounded to two significant figures, so the model must
// land within their rounding (190 +- 5 GB, 70 +- 5 TB is the rounding interval; we hold it to 1 %).
TEST(CapacityPlan, ReproducesTheSeed) {
  const CapacityInputs seed;
  EXPECT_EQ(seed.hospitals, 951);
  EXPECT_EQ(seed.roomsPerHospital, 8);
  EXPECT_EQ(seed.proceduresPerRoomPerDay, 3.2);
  EXPECT_EQ(seed.sourceMbps, 6);
  EXPECT_EQ(seed.daysPerYear, 365);
  const CapacityPlan plan = ComputeCapacityPlan(seed);
  // 165 min x 60 s x 6e6 bit/s / 8 = 7.425 GB per recording; x 25.6 recordings = 190.08 GB a day.
  EXPECT_DOUBLE_EQ(plan.bytesPerRecording, 7.425 * kGB);
  EXPECT_NEAR(plan.bytesPerHospitalPerDay, 190 * kGB, 0.01 * 190 * kGB);
  EXPECT_NEAR(plan.bytesPerHospitalYear, 70 * kTB, 0.01 * 70 * kTB);
  EXPECT_NEAR(plan.bytesPerHospitalYear, 69.38 * kTB, 0.01 * kTB);
  // All hospitals: 951 x 69.38 TB = 66.0 PB of originals a year; HEVC halves it under the default assumption.
  ASSERT_FALSE(plan.years.empty());
  EXPECT_NEAR(plan.years[0].originalBytes, 65.98 * kPB, 0.01 * kPB);
  EXPECT_NEAR(plan.years[0].archivalBytes, 32.99 * kPB, 0.01 * kPB);
  EXPECT_DOUBLE_EQ(plan.years[0].recordings, 951 * 8 * 3.2 * 365);
}

TEST(CapacityPlan, TheDerivedDurationGivesTheSeedDay) {
  // Solving 8 x 3.2 x minutes x 60 x 6e6 / 8 = 190e9 for minutes: 164.9, rounded to 165.
  const double minutes = 190 * kGB * 8 / (6e6 * 8 * 3.2) / 60;
  EXPECT_NEAR(minutes, 164.93, 0.01);
  EXPECT_EQ(CapacityInputs().minutesPerProcedure, 165);
}

CapacityInputs Simple() {
  CapacityInputs in;
  in.hospitals = 1;
  in.roomsPerHospital = 1;
  in.proceduresPerRoomPerDay = 1;
  in.minutesPerProcedure = 100;  // 100 x 60 x 8e6 / 8 = 6 GB per recording
  in.sourceMbps = 8;
  in.daysPerYear = 100;  // 600 GB a year
  in.retentionYears = 3;
  in.years = 5;
  in.archivalRatio = 0.5;
  in.copies = 2;
  return in;
}

TEST(CapacityPlan, HoldsTheRetentionWindow) {
  const CapacityPlan plan = ComputeCapacityPlan(Simple());
  ASSERT_EQ(plan.years.size(), 5u);
  // Without the archival copy: 2 copies x 600 GB a year; from year 4 one year expires as one is added.
  const double held[] = {1200, 2400, 3600, 3600, 3600};
  const double expiring[] = {0, 0, 0, 1200, 1200};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(plan.years[i].year, static_cast<int>(i + 1));
    EXPECT_DOUBLE_EQ(plan.years[i].recordings, 100);
    EXPECT_DOUBLE_EQ(plan.years[i].originalBytes, 600 * kGB);
    EXPECT_DOUBLE_EQ(plan.years[i].archivalBytes, 300 * kGB);
    EXPECT_NEAR(plan.years[i].heldBytesWithoutArchival, held[i] * kGB, 1) << i;
    EXPECT_NEAR(plan.years[i].expiringBytesWithoutArchival, expiring[i] * kGB, 1) << i;
    EXPECT_NEAR(plan.years[i].heldBytes, held[i] / 2 * kGB, 1) << i;
    EXPECT_NEAR(plan.years[i].expiringBytes, expiring[i] / 2 * kGB, 1) << i;
  }
  EXPECT_NEAR(plan.totalOriginalBytes, 3000 * kGB, 1);
  EXPECT_NEAR(plan.totalArchivalBytes, 1500 * kGB, 1);
  EXPECT_NEAR(plan.totalExpiringBytesWithoutArchival, 2400 * kGB, 1);
  EXPECT_NEAR(plan.totalExpiringBytes, 1200 * kGB, 1);
  EXPECT_NEAR(plan.finalHeldBytes, 1800 * kGB, 1);
  EXPECT_NEAR(plan.peakHeldBytesWithoutArchival, 3600 * kGB, 1);
  EXPECT_DOUBLE_EQ(plan.totalRecordings, 500);
}

TEST(CapacityPlan, KeepingOriginalsAddsThemToTheArchivalCopy) {
  CapacityInputs in = Simple();
  in.keepOriginals = true;
  const CapacityPlan plan = ComputeCapacityPlan(in);
  EXPECT_NEAR(plan.years[0].heldBytes, 2 * (600 + 300) * kGB, 1);
  EXPECT_NEAR(plan.years[4].heldBytes, 3 * 2 * (600 + 300) * kGB, 1);
  EXPECT_NEAR(plan.years[4].expiringBytes, 2 * (600 + 300) * kGB, 1);
  EXPECT_NEAR(plan.years[4].heldBytesWithoutArchival, 3600 * kGB, 1);
}

TEST(CapacityPlan, CopiesAndRatioScaleTheStore) {
  CapacityInputs in = Simple();
  in.copies = 3;
  in.archivalRatio = 0.4;
  const CapacityPlan plan = ComputeCapacityPlan(in);
  EXPECT_NEAR(plan.years[0].archivalBytes, 240 * kGB, 1);
  EXPECT_NEAR(plan.years[0].heldBytes, 3 * 240 * kGB, 1);
  EXPECT_NEAR(plan.years[0].heldBytesWithoutArchival, 3 * 600 * kGB, 1);
}

TEST(CapacityPlan, GrowthCompoundsAndExpiresTheOldYears) {
  CapacityInputs in = Simple();
  in.yearlyGrowth = 0.1;
  const CapacityPlan plan = ComputeCapacityPlan(in);
  EXPECT_DOUBLE_EQ(plan.years[1].recordings, 110);
  EXPECT_NEAR(plan.years[2].recordings, 121, 1e-9);
  // Year 4 holds years 2, 3 and 4: 110 + 121 + 133.1 recordings of 6 GB, 2 copies, originals only.
  EXPECT_NEAR(plan.years[3].heldBytesWithoutArchival, 2 * (110 + 121 + 133.1) * 6 * kGB, 1e3);
  EXPECT_NEAR(plan.years[3].expiringBytesWithoutArchival, 2 * 100 * 6 * kGB, 1e3);
  EXPECT_NEAR(plan.peakHeldBytesWithoutArchival, plan.finalHeldBytesWithoutArchival, 1);
}

TEST(CapacityPlan, ProjectionShorterThanRetentionExpiresNothing) {
  CapacityInputs in = Simple();
  in.retentionYears = 30;
  const CapacityPlan plan = ComputeCapacityPlan(in);
  EXPECT_EQ(plan.totalExpiringBytes, 0);
  EXPECT_NEAR(plan.finalHeldBytesWithoutArchival, 5 * 1200 * kGB, 1);
}

struct BadCase {
  const char* what;
  void (*change)(CapacityInputs&);
  const char* problem;
};

class BadInputsTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadInputsTest, AreRefused) {
  const auto& c = GetParam();
  CapacityInputs in;
  c.change(in);
  const auto problems = CheckCapacityInputs(in);
  ASSERT_EQ(problems.size(), 1u) << c.what;
  EXPECT_NE(problems[0].find(c.problem), std::string::npos) << problems[0];
  EXPECT_THROW(ComputeCapacityPlan(in), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(
    CapacityPlan, BadInputsTest,
    ::testing::Values(BadCase{"negative hospitals", [](CapacityInputs& in) { in.hospitals = -1; }, "hospitals"},
                      BadCase{"NaN minutes", [](CapacityInputs& in) { in.minutesPerProcedure = std::nan(""); },
                              "minutes"},
                      BadCase{"400 days", [](CapacityInputs& in) { in.daysPerYear = 400; }, "days per year"},
                      BadCase{"no retention", [](CapacityInputs& in) { in.retentionYears = 0; }, "retention"},
                      BadCase{"no years", [](CapacityInputs& in) { in.years = 0; }, "years to project"},
                      BadCase{"growth -100 %", [](CapacityInputs& in) { in.yearlyGrowth = -1; }, "growth"},
                      BadCase{"ratio 0", [](CapacityInputs& in) { in.archivalRatio = 0; }, "ratio"},
                      BadCase{"ratio above 1", [](CapacityInputs& in) { in.archivalRatio = 1.5; }, "ratio"},
                      BadCase{"no copies", [](CapacityInputs& in) { in.copies = 0; }, "copies"}));

TEST(CapacityPlan, DefaultsAreValid) {
  EXPECT_TRUE(CheckCapacityInputs(CapacityInputs()).empty());
}

TEST(CapacityPlan, FormatsBytesInDecimalUnits) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(999), "999 B");
  EXPECT_EQ(FormatBytes(7.5e9), "7.50 GB");
  EXPECT_EQ(FormatBytes(190.08e9), "190.1 GB");
  EXPECT_EQ(FormatBytes(69.38e12), "69.4 TB");
  EXPECT_EQ(FormatBytes(65.98e15), "66.0 PB");
  EXPECT_EQ(FormatBytes(2e21), "2.00 ZB");
  EXPECT_EQ(FormatBytes(3e24), "3000.0 ZB");
}

TEST(CapacityPlan, TableShowsInputsRowsAndTotals) {
  const CapacityInputs in = Simple();
  const std::string table = FormatCapacityTable(in, ComputeCapacityPlan(in));
  EXPECT_NE(table.find("1 hospitals x 1.0 rooms"), std::string::npos) << table;
  EXPECT_NE(table.find("retention 3 years"), std::string::npos) << table;
  EXPECT_NE(table.find("Per recording 6.00 GB"), std::string::npos) << table;
  EXPECT_NE(table.find("held"), std::string::npos) << table;
  EXPECT_NE(table.find("\n   5"), std::string::npos) << table;
  EXPECT_NE(table.find("\n all"), std::string::npos) << table;
  EXPECT_NE(table.find("Peak held: 1.80 TB with the archival copy, 3.60 TB keeping originals only."), std::string::npos)
      << table;
}

}  // namespace
