// DICOM DT arithmetic for recordings: where in wall-clock time a segment of a recording starts.
#pragma once

#include <cstdint>
#include <string>

namespace va::plugin {

// dt: "YYYYMMDDHHMMSS[.F{1,6}]+0000" (UTC, as the upload record holds it). Returns the same form for dt + seconds,
// with a 6-digit fraction when it is not whole. Throws std::invalid_argument for another form.
std::string AddSecondsUtc(const std::string& dt, double seconds);
// Now in the same form.
std::string NowUtcDateTime();

}  // namespace va::plugin
