// Capacity planning: how much a group of hospitals will have to store over its retention period, with and without the
// archival (HEVC) copy. Pure arithmetic, no storage; the plugin turns it into JSON, va-capacity prints the table.
//
// The defaults reproduce the project's seed model: 951 hospitals x 8 operating rooms x 3.2 procedures a day, 1080p
// H.264 at 6 Mbit/s, "one hospital makes ~190 GB of video a day" (~70 TB a hospital-year at 365 days).
// The mean procedure duration is not given by the seed; it is derived from it: 190e9 B x 8 / (6e6 bit/s x 8 x 3.2)
// = 9,896 s = 165 min (decimal gigabytes). That is the recorder's running time per procedure, not a measured
// clinical figure: replace it with the hospital's own number when known.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace va::archive {

struct CapacityInputs {
  double hospitals = 951;
  double roomsPerHospital = 8;  // operating rooms that record
  double proceduresPerRoomPerDay = 3.2;
  double minutesPerProcedure = 165;  // mean recorded duration; derived from the seed, see above
  double sourceMbps = 6;             // mean bitrate of the recorder's codec (1080p H.264), 1 Mbit = 1e6 bit
  double daysPerYear = 365;          // recording days a year
  int retentionYears = 10;           // a recording is deleted this many years after it was made
  int years = 15;                    // years to project
  double yearlyGrowth = 0;           // recordings grow by this fraction each year (0.05 = 5 %)
  // Archival codec bitrate / source bitrate. ASSUMPTION, not a measurement of our encoder: HEVC is commonly quoted
  // at about half the bitrate of H.264 for the same subjective quality (the HEVC design goal; JCT-VC subjective
  // tests reported ~50-60 % savings on broadcast content). Surgical video with our presets may differ: measure
  // (bench/) and pass the measured ratio.
  double archivalRatio = 0.5;
  int copies = 2;              // verified copies of every stored object (e.g. hot + cold tier)
  bool keepOriginals = false;  // keep the source-codec original next to the archival copy
};

// One projected year. "Recorded" figures are content (one copy); "stored" figures count every copy.
struct CapacityYear {
  int year = 0;  // 1 = the first year
  double recordings = 0;
  double originalBytes = 0;  // recorded that year in the source codec, one copy
  double archivalBytes = 0;  // the same recordings in the archival codec, one copy
  double expiringBytes = 0;  // stored bytes deleted that year (recordings older than the retention)
  double heldBytes = 0;      // stored at year end: archival copies (+ originals when kept), all copies
  double expiringBytesWithoutArchival = 0;
  double heldBytesWithoutArchival = 0;  // stored at year end when only originals are kept, all copies
};

struct CapacityPlan {
  std::vector<CapacityYear> years;
  double bytesPerRecording = 0;       // source codec, one copy
  double bytesPerHospitalPerDay = 0;  // source codec, one copy, first year
  double bytesPerHospitalYear = 0;    // source codec, one copy, first year
  double totalRecordings = 0;
  double totalOriginalBytes = 0;
  double totalArchivalBytes = 0;
  double totalExpiringBytes = 0;
  double totalExpiringBytesWithoutArchival = 0;
  double finalHeldBytes = 0;
  double finalHeldBytesWithoutArchival = 0;
  double peakHeldBytes = 0;
  double peakHeldBytesWithoutArchival = 0;
};

// The problems of a set of inputs (empty = none): negative counts, a ratio outside (0, 1], copies < 1, ...
std::vector<std::string> CheckCapacityInputs(const CapacityInputs& inputs);

// The year-by-year projection. A year's recordings are deleted together, retentionYears later: at the end of year y
// the archive holds the recordings of years y - retentionYears + 1 .. y. Throws std::invalid_argument when
// CheckCapacityInputs finds a problem.
CapacityPlan ComputeCapacityPlan(const CapacityInputs& inputs);

// "66.0 PB", "190.1 GB", "1.26 EB": decimal units (1 TB = 1e12 bytes), as storage is sold.
std::string FormatBytes(double bytes);

// A plain-text table of the inputs, the per-year rows and the totals.
std::string FormatCapacityTable(const CapacityInputs& inputs, const CapacityPlan& plan);

}  // namespace va::archive
