// Capacity planning (see CapacityPlan.h).
#include "va/archive/CapacityPlan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace va::archive {
namespace {

bool Finite(double v) {
  return std::isfinite(v);
}

std::string Number(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, v);
  return buffer;
}

std::string PadLeft(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

}  // namespace

std::vector<std::string> CheckCapacityInputs(const CapacityInputs& in) {
  std::vector<std::string> problems;
  const auto nonNegative = [&](double v, const char* name) {
    if (!Finite(v) || v < 0) problems.push_back(std::string(name) + " must be a number >= 0");
  };
  nonNegative(in.hospitals, "hospitals");
  nonNegative(in.roomsPerHospital, "rooms per hospital");
  nonNegative(in.proceduresPerRoomPerDay, "procedures per room per day");
  nonNegative(in.minutesPerProcedure, "minutes per procedure");
  nonNegative(in.sourceMbps, "source bitrate");
  if (!Finite(in.daysPerYear) || in.daysPerYear < 0 || in.daysPerYear > 366) {
    problems.push_back("days per year must be between 0 and 366");
  }
  if (in.retentionYears < 1) problems.push_back("retention must be at least 1 year");
  if (in.years < 1 || in.years > 1000) problems.push_back("years to project must be between 1 and 1000");
  if (!Finite(in.yearlyGrowth) || in.yearlyGrowth <= -1) problems.push_back("yearly growth must be above -1");
  if (!Finite(in.archivalRatio) || in.archivalRatio <= 0 || in.archivalRatio > 1) {
    problems.push_back("archival bitrate ratio must be in (0, 1]");
  }
  if (in.copies < 1) problems.push_back("copies must be at least 1");
  return problems;
}

CapacityPlan ComputeCapacityPlan(const CapacityInputs& in) {
  const auto problems = CheckCapacityInputs(in);
  if (!problems.empty()) throw std::invalid_argument(problems.front());

  CapacityPlan plan;
  plan.bytesPerRecording = in.minutesPerProcedure * 60 * in.sourceMbps * 1e6 / 8;
  plan.bytesPerHospitalPerDay = in.roomsPerHospital * in.proceduresPerRoomPerDay * plan.bytesPerRecording;
  plan.bytesPerHospitalYear = plan.bytesPerHospitalPerDay * in.daysPerYear;
  const double firstYearRecordings = in.hospitals * in.roomsPerHospital * in.proceduresPerRoomPerDay * in.daysPerYear;
  const double copies = in.copies;

  for (int y = 1; y <= in.years; ++y) {
    CapacityYear row;
    row.year = y;
    row.recordings = firstYearRecordings * std::pow(1 + in.yearlyGrowth, y - 1);
    row.originalBytes = row.recordings * plan.bytesPerRecording;
    row.archivalBytes = row.originalBytes * in.archivalRatio;
    const size_t index = plan.years.size();
    const CapacityYear* previous = index == 0 ? nullptr : &plan.years[index - 1];
    const CapacityYear* expiring = y > in.retentionYears ? &plan.years[index - in.retentionYears] : nullptr;
    const double storedWith = copies * (row.archivalBytes + (in.keepOriginals ? row.originalBytes : 0));
    const double storedWithout = copies * row.originalBytes;
    if (expiring != nullptr) {
      row.expiringBytes = copies * (expiring->archivalBytes + (in.keepOriginals ? expiring->originalBytes : 0));
      row.expiringBytesWithoutArchival = copies * expiring->originalBytes;
    }
    row.heldBytes = (previous ? previous->heldBytes : 0) + storedWith - row.expiringBytes;
    row.heldBytesWithoutArchival =
        (previous ? previous->heldBytesWithoutArchival : 0) + storedWithout - row.expiringBytesWithoutArchival;

    plan.totalRecordings += row.recordings;
    plan.totalOriginalBytes += row.originalBytes;
    plan.totalArchivalBytes += row.archivalBytes;
    plan.totalExpiringBytes += row.expiringBytes;
    plan.totalExpiringBytesWithoutArchival += row.expiringBytesWithoutArchival;
    plan.peakHeldBytes = std::max(plan.peakHeldBytes, row.heldBytes);
    plan.peakHeldBytesWithoutArchival = std::max(plan.peakHeldBytesWithoutArchival, row.heldBytesWithoutArchival);
    plan.years.push_back(row);
  }
  plan.finalHeldBytes = plan.years.back().heldBytes;
  plan.finalHeldBytesWithoutArchival = plan.years.back().heldBytesWithoutArchival;
  return plan;
}

std::string FormatBytes(double bytes) {
  static const char* const kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB"};
  size_t unit = 0;
  double value = bytes;
  while (std::fabs(value) >= 1000 && unit + 1 < sizeof(kUnits) / sizeof(kUnits[0])) {
    value /= 1000;
    ++unit;
  }
  // Three significant digits below 100 of a unit: "1.26 EB", "69.4 TB".
  const int decimals = unit == 0 ? 0 : (std::fabs(value) < 10 ? 2 : 1);
  return Number(value, decimals) + " " + kUnits[unit];
}

std::string FormatCapacityTable(const CapacityInputs& in, const CapacityPlan& plan) {
  std::ostringstream out;
  out << "Inputs: " << Number(in.hospitals, 0) << " hospitals x " << Number(in.roomsPerHospital, 1) << " rooms x "
      << Number(in.proceduresPerRoomPerDay, 2) << " procedures/day x " << Number(in.minutesPerProcedure, 1)
      << " min at " << Number(in.sourceMbps, 2) << " Mbit/s, " << Number(in.daysPerYear, 0) << " days/year\n"
      << "        retention " << in.retentionYears << " years, growth " << Number(in.yearlyGrowth * 100, 1)
      << " %/year, archival ratio " << Number(in.archivalRatio, 2) << ", " << in.copies << " copies, originals "
      << (in.keepOriginals ? "kept" : "deleted after the archival copy") << "\n"
      << "Per recording " << FormatBytes(plan.bytesPerRecording) << "; per hospital "
      << FormatBytes(plan.bytesPerHospitalPerDay) << "/day, " << FormatBytes(plan.bytesPerHospitalYear)
      << "/year (source codec, one copy, first year)\n\n";

  const size_t w = 12;
  out << PadLeft("year", 4) << PadLeft("recordings", 14) << PadLeft("original", w) << PadLeft("archival", w)
      << PadLeft("expiring", w) << PadLeft("held", w) << PadLeft("expiring", w) << PadLeft("held", w) << "\n"
      << PadLeft("", 4) << PadLeft("", 14) << PadLeft("recorded", w) << PadLeft("recorded", w)
      << PadLeft("(archival)", w) << PadLeft("(archival)", w) << PadLeft("(orig only)", w) << PadLeft("(orig only)", w)
      << "\n";
  for (const auto& row : plan.years) {
    out << PadLeft(std::to_string(row.year), 4) << PadLeft(Number(row.recordings, 0), 14)
        << PadLeft(FormatBytes(row.originalBytes), w) << PadLeft(FormatBytes(row.archivalBytes), w)
        << PadLeft(FormatBytes(row.expiringBytes), w) << PadLeft(FormatBytes(row.heldBytes), w)
        << PadLeft(FormatBytes(row.expiringBytesWithoutArchival), w)
        << PadLeft(FormatBytes(row.heldBytesWithoutArchival), w) << "\n";
  }
  out << PadLeft("all", 4) << PadLeft(Number(plan.totalRecordings, 0), 14)
      << PadLeft(FormatBytes(plan.totalOriginalBytes), w) << PadLeft(FormatBytes(plan.totalArchivalBytes), w)
      << PadLeft(FormatBytes(plan.totalExpiringBytes), w) << PadLeft(FormatBytes(plan.finalHeldBytes), w)
      << PadLeft(FormatBytes(plan.totalExpiringBytesWithoutArchival), w)
      << PadLeft(FormatBytes(plan.finalHeldBytesWithoutArchival), w) << "\n\n"
      << "Recorded and archival columns: content, one copy. Expiring and held: stored bytes, all " << in.copies
      << " copies.\n"
      << "Peak held: " << FormatBytes(plan.peakHeldBytes) << " with the archival copy, "
      << FormatBytes(plan.peakHeldBytesWithoutArchival) << " keeping originals only.\n";
  return out.str();
}

}  // namespace va::archive
