// DICOM DT values taken apart and moved between UTC offsets (private to the dicom/ library).
#pragma once

#include <string>

namespace va::dicom::detail {

// A DT split for the DA and TM attributes.
struct DateTimeParts {
  std::string date;    // YYYYMMDD
  std::string time;    // HH[MM[SS[.F{1,6}]]]
  std::string offset;  // "+HHMM" / "-HHMM"; "" when the DT has none
};

// Throws DicomError naming `what` unless value is YYYYMMDDHH[MM[SS[.F{1,6}]]][+/-HHMM] with a real calendar date
// (DT allows less, but an instance needs a Content Date and Time).
DateTimeParts ParseDateTime(const std::string& value, const std::string& what);

// Throws DicomError naming `what` unless offset is "+HHMM" / "-HHMM" between -1200 and +1400 (PS3.3 C.12.1.1.8).
void CheckUtcOffset(const std::string& offset, const std::string& what);

// The same instant written in offset `to` (time as HHMMSS plus the original fraction). A DT without an offset is
// already in the instance's offset, so it is returned unchanged, as it is when `to` is empty.
DateTimeParts ToOffset(const DateTimeParts& dt, const std::string& to);

// Now in offset (local time when empty): date YYYYMMDD, time HHMMSS.
DateTimeParts NowIn(const std::string& offset);

}  // namespace va::dicom::detail
