// The value rules both upload routes share (tus Upload-Metadata and STOW-RS DICOM JSON), so a recorder gets the same
// answer whichever way it sends. Each check takes the client's name for the field, throws MetadataError naming it
// with a reason the sender can act on, and returns the value in DICOM form; "" means absent (an empty value is the
// same as none).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "ProcedureRecord.h"

namespace va::plugin {

// Maximum lengths of the DICOM VRs we fill (PS3.5 table 6.2-1), in characters.
constexpr size_t kMaxShortString = 16;      // SH
constexpr size_t kMaxLongString = 64;       // LO
constexpr size_t kMaxPersonNameGroup = 64;  // PN, per component group
constexpr size_t kMaxUid = 64;              // UI

int64_t NowUnixSeconds();

// Unicode characters in valid UTF-8 (DICOM limits count characters, not bytes).
size_t CountCharacters(const std::string& utf8);

// Valid UTF-8, no control character (C0, DEL, C1), no backslash (DICOM's value separator); surrounding spaces
// trimmed.
std::string CheckText(const std::string& field, const std::string& raw);
std::string CheckShortString(const std::string& field, const std::string& raw);  // SH
std::string CheckLongString(const std::string& field, const std::string& raw);   // LO
// PN: up to 3 '='-separated groups of up to 5 '^'-separated components, 64 characters per group; plain text is one
// family-name component. Components are trimmed and trailing empty ones dropped ("DOE ^ JANE^^" -> "DOE^JANE").
std::string CheckPersonName(const std::string& field, const std::string& raw);
std::string CheckSex(const std::string& field, const std::string& raw);  // M/F/O/male/female/other -> "M", "F", "O"
std::string CheckUid(const std::string& field, const std::string& raw);
std::string CheckSha256Hex(const std::string& field, const std::string& raw);  // 64 hex digits -> lowercase

// "YYYY-MM-DD" or "YYYYMMDD", a real date, not after today (a day of slack for time zones ahead of UTC) -> DA.
std::string CheckBirthDate(const std::string& field, const std::string& raw, int64_t nowUnixSeconds);

// The date-time checks below return DT "YYYYMMDDHHMMSS[.FFFFFF]+0000" and refuse a time more than one day after
// now (a recorder whose clock is wrong must be noticed before its videos are filed under the wrong date).

// ISO 8601 in UTC: "2026-11-27T10:15:00Z", up to 6 fractional digits, "+00:00" accepted; other offsets refused.
std::string CheckIsoUtcDateTime(const std::string& field, const std::string& raw, int64_t nowUnixSeconds);
// DICOM DT "YYYYMMDD[HH[MM[SS[.F{1,6}]]]][&ZZXX]" converted to UTC; without an offset, defaultOffsetMinutes
// (Timezone Offset From UTC) applies, else the time is taken as UTC.
std::string CheckDicomDateTime(const std::string& field, const std::string& raw,
                               std::optional<int> defaultOffsetMinutes, int64_t nowUnixSeconds);
// DICOM DA "YYYYMMDD" plus TM "HH[MM[SS[.F{1,6}]]]"; "" unless both are given.
std::string CheckDicomDateAndTime(const std::string& dateField, const std::string& date, const std::string& timeField,
                                  const std::string& time, std::optional<int> offsetMinutes, int64_t nowUnixSeconds);
// Timezone Offset From UTC "+HHMM" / "-HHMM" (-1200..+1400) -> minutes east of UTC; nullopt when empty.
std::optional<int> CheckTimezoneOffset(const std::string& field, const std::string& raw);

}  // namespace va::plugin
