// va-capacity: projects what a group of hospitals will have to store over its retention period, with and without the
// archival HEVC copy, and prints the year-by-year table. The defaults are the project's seed model.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include "va/archive/CapacityPlan.h"

namespace {

void PrintHelp(std::ostream& out) {
  const va::archive::CapacityInputs d;
  out << "usage: va-capacity [options]\n"
         "Projects the storage a group of hospitals needs, year by year, with and without the archival copy.\n"
         "Options (defaults: the project's seed model):\n"
      << "  --hospitals N            hospitals (" << d.hospitals << ")\n"
      << "  --rooms N                recording operating rooms per hospital (" << d.roomsPerHospital << ")\n"
      << "  --procedures-per-day N   procedures per room per day (" << d.proceduresPerRoomPerDay << ")\n"
      << "  --minutes N              mean recorded minutes per procedure (" << d.minutesPerProcedure
      << "; derived from the seed's ~190 GB per hospital per day)\n"
      << "  --mbps N                 source codec bitrate, Mbit/s (" << d.sourceMbps << ")\n"
      << "  --days N                 recording days per year (" << d.daysPerYear << ")\n"
      << "  --years N                years to project (" << d.years << ")\n"
      << "  --retention-years N      years a recording is kept (" << d.retentionYears << ")\n"
      << "  --hevc-ratio R           archival (HEVC) bitrate / source bitrate, an assumption unless measured ("
      << d.archivalRatio << ")\n"
      << "  --copies N               verified copies of every object, e.g. 2 for hot + cold (" << d.copies << ")\n"
      << "  --growth F               yearly growth of recordings as a fraction, 0.05 = 5 % (" << d.yearlyGrowth << ")\n"
      << "  --keep-originals         keep the source-codec originals next to the archival copies\n"
      << "  --help                   this text\n"
      << "Values may also be written --name=value. Sizes are decimal (1 TB = 1e12 bytes).\n";
}

// Whole string, finite; false otherwise.
bool ParseDouble(const std::string& text, double& value) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(v)) return false;
  value = v;
  return true;
}

bool ParseInt(const std::string& text, int& value) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || end != text.c_str() + text.size() || v < -1000000 || v > 1000000) return false;
  value = static_cast<int>(v);
  return true;
}

int Fail(const std::string& message) {
  std::cerr << "va-capacity: " << message << "\n(try --help)\n";
  return 2;
}

int Run(int argc, char** argv) {
  va::archive::CapacityInputs in;
  for (int i = 1; i < argc; ++i) {
    std::string key = argv[i];
    std::string value;
    bool hasValue = false;
    const size_t eq = key.find('=');
    if (key.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
      hasValue = true;
    }
    if (key == "--help" || key == "-h") {
      PrintHelp(std::cout);
      return 0;
    }
    if (key == "--keep-originals") {
      if (hasValue) return Fail("--keep-originals takes no value");
      in.keepOriginals = true;
      continue;
    }
    double* number = nullptr;
    int* integer = nullptr;
    if (key == "--hospitals")
      number = &in.hospitals;
    else if (key == "--rooms")
      number = &in.roomsPerHospital;
    else if (key == "--procedures-per-day")
      number = &in.proceduresPerRoomPerDay;
    else if (key == "--minutes")
      number = &in.minutesPerProcedure;
    else if (key == "--mbps")
      number = &in.sourceMbps;
    else if (key == "--days")
      number = &in.daysPerYear;
    else if (key == "--hevc-ratio")
      number = &in.archivalRatio;
    else if (key == "--growth")
      number = &in.yearlyGrowth;
    else if (key == "--years")
      integer = &in.years;
    else if (key == "--retention-years")
      integer = &in.retentionYears;
    else if (key == "--copies")
      integer = &in.copies;
    else
      return Fail("unknown option " + key);
    if (!hasValue) {
      if (i + 1 >= argc) return Fail(key + " needs a value");
      value = argv[++i];
    }
    if (number != nullptr && !ParseDouble(value, *number))
      return Fail(std::string(key).append(": not a number: ").append(value));
    if (integer != nullptr && !ParseInt(value, *integer))
      return Fail(std::string(key).append(": not a whole number: ").append(value));
  }
  const auto problems = va::archive::CheckCapacityInputs(in);
  if (!problems.empty()) {
    for (const auto& problem : problems) std::cerr << "va-capacity: " << problem << "\n";
    return 2;
  }
  std::cout << va::archive::FormatCapacityTable(in, va::archive::ComputeCapacityPlan(in));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "va-capacity: " << e.what() << "\n";
    return 1;
  } catch (...) {
    std::cerr << "va-capacity: unexpected error\n";
    return 1;
  }
}
