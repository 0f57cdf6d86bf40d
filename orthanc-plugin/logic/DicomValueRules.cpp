#include "DicomValueRules.h"

#include <chrono>
#include <cstdio>
#include <vector>

#include "CivilTime.h"

namespace va::plugin {

namespace {

constexpr int64_t kSecondsPerDay = 86400;

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t begin = 0;
  for (;;) {
    const size_t end = text.find(separator, begin);
    parts.push_back(text.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
    if (end == std::string::npos) return parts;
    begin = end + 1;
  }
}

std::string TrimSpaces(const std::string& text) {
  const size_t begin = text.find_first_not_of(' ');
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(' ') - begin + 1);
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Reads exactly count digits at pos; false when they are not all digits or the text is too short.
bool ReadDigits(const std::string& text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!IsDigit(text[i])) return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

size_t CountDigits(const std::string& text, size_t pos) {
  size_t n = 0;
  while (pos + n < text.size() && IsDigit(text[pos + n])) ++n;
  return n;
}

// Decodes one UTF-8 sequence at pos (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF); -1 if invalid.
int32_t DecodeUtf8(const std::string& s, size_t& pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(pos);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  size_t length = 0;
  int32_t cp = 0;
  int32_t minimum = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2, cp = b0 & 0x1F, minimum = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3, cp = b0 & 0x0F, minimum = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4, cp = b0 & 0x07, minimum = 0x10000;
  } else {
    return -1;
  }
  if (pos + length > s.size()) return -1;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  }
  if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  pos += length;
  return cp;
}

std::string CheckLength(const std::string& field, const std::string& value, size_t maximum, const char* vr) {
  if (CountCharacters(value) > maximum) {
    throw MetadataError(field,
                        "is longer than " + std::to_string(maximum) + " characters (the limit of DICOM " + vr + ")");
  }
  return value;
}

struct DateTimeParts {
  int64_t year = 0;
  int month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::string fraction;  // 0..6 digits
};

std::string TwoDigits(int v) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%02d", v);
  return buffer;
}

std::string FormatDate(const CivilDate& d, const char* separator) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04lld%s%02d%s%02d", static_cast<long long>(d.year), separator, d.month,
                separator, d.day);
  return buffer;
}

// Seconds since the epoch of the parts read as local time at offsetMinutes east of UTC.
int64_t ToUnixSeconds(const DateTimeParts& p, int offsetMinutes) {
  return DaysFromCivil({p.year, p.month, p.day}) * kSecondsPerDay + p.hour * 3600 + p.minute * 60 + p.second -
         static_cast<int64_t>(offsetMinutes) * 60;
}

DateTimeParts FromUnixSeconds(int64_t seconds, const std::string& fraction) {
  const int64_t days = FloorDiv(seconds, kSecondsPerDay);
  const int64_t secondOfDay = seconds - days * kSecondsPerDay;
  const CivilDate date = CivilFromDays(days);
  DateTimeParts p;
  p.year = date.year, p.month = date.month, p.day = date.day;
  p.hour = static_cast<int>(secondOfDay / 3600);
  p.minute = static_cast<int>(secondOfDay / 60 % 60);
  p.second = static_cast<int>(secondOfDay % 60);
  p.fraction = fraction;
  return p;
}

std::string FormatIso(const DateTimeParts& p) {
  return FormatDate({p.year, p.month, p.day}, "-") + "T" + TwoDigits(p.hour) + ":" + TwoDigits(p.minute) + ":" +
         TwoDigits(p.second) + (p.fraction.empty() ? "" : "." + p.fraction) + "Z";
}

// Checks the parts are a real date and time, converts them to UTC and applies the "not in the future" rule.
std::string ToUtcDicomDateTime(const std::string& field, const DateTimeParts& local, int offsetMinutes,
                               int64_t nowUnixSeconds) {
  if (local.year < 1 || !IsValidDate(local.year, local.month, local.day))
    throw MetadataError(field, "is not a real calendar date");
  if (local.hour > 23 || local.minute > 59 || local.second > 59)
    throw MetadataError(field, "is not a real time of day (hours 00-23, minutes and seconds 00-59)");
  const int64_t seconds = ToUnixSeconds(local, offsetMinutes);
  const DateTimeParts utc = FromUnixSeconds(seconds, local.fraction);
  if (utc.year < 1 || utc.year > 9999) throw MetadataError(field, "is outside the years 0001 to 9999 in UTC");
  if (seconds > nowUnixSeconds + kSecondsPerDay) {
    throw MetadataError(
        field, "is more than one day in the future (" + FormatIso(utc) + "); check the recorder's clock and time zone");
  }
  return FormatDate({utc.year, utc.month, utc.day}, "") + TwoDigits(utc.hour) + TwoDigits(utc.minute) +
         TwoDigits(utc.second) + (utc.fraction.empty() ? "" : "." + utc.fraction) + "+0000";
}

// "+HHMM" / "-HHMM" starting at pos (exactly 5 characters) -> minutes; nullopt when malformed or out of range.
std::optional<int> ParseOffset(const std::string& text, size_t pos, bool withColon) {
  const size_t length = withColon ? 6 : 5;
  if (text.size() != pos + length || (text[pos] != '+' && text[pos] != '-')) return std::nullopt;
  int hours = 0, minutes = 0;
  if (!ReadDigits(text, pos + 1, 2, hours)) return std::nullopt;
  if (withColon && text[pos + 3] != ':') return std::nullopt;
  if (!ReadDigits(text, pos + (withColon ? 4 : 3), 2, minutes) || minutes > 59) return std::nullopt;
  const int total = (hours * 60 + minutes) * (text[pos] == '-' ? -1 : 1);
  if (total < -12 * 60 || total > 14 * 60) return std::nullopt;
  return total;
}

// Reads "[.F{1,6}]" at pos into parts.fraction; returns the position after it, or npos when malformed.
size_t ReadFraction(const std::string& text, size_t pos, DateTimeParts& parts) {
  if (pos >= text.size() || text[pos] != '.') return pos;
  const size_t digits = CountDigits(text, pos + 1);
  if (digits == 0 || digits > 6) return std::string::npos;
  parts.fraction = text.substr(pos + 1, digits);
  return pos + 1 + digits;
}

// DICOM TM "HH[MM[SS[.F{1,6}]]]" into the time fields of parts; false when malformed.
bool ReadDicomTime(const std::string& text, size_t pos, size_t end, DateTimeParts& parts) {
  const size_t digits = CountDigits(text, pos);
  if (pos + digits > end || (digits != 0 && digits != 2 && digits != 4 && digits != 6)) return false;
  if (digits >= 2) ReadDigits(text, pos, 2, parts.hour);
  if (digits >= 4) ReadDigits(text, pos + 2, 2, parts.minute);
  if (digits >= 6) ReadDigits(text, pos + 4, 2, parts.second);
  size_t next = pos + digits;
  if (digits == 6) next = ReadFraction(text.substr(0, end), next, parts);
  return next == end;
}

const char* const kIsoExample = "e.g. 2026-11-27T10:15:00Z";

}  // namespace

int64_t NowUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

size_t CountCharacters(const std::string& utf8) {
  size_t n = 0;
  for (const char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

std::string CheckText(const std::string& field, const std::string& raw) {
  for (size_t pos = 0; pos < raw.size();) {
    const int32_t cp = DecodeUtf8(raw, pos);
    if (cp < 0) throw MetadataError(field, "is not valid UTF-8 text");
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      char code[16];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
      throw MetadataError(field, std::string("contains the control character ") + code + "; send one line of text");
    }
    if (cp == '\\') throw MetadataError(field, "contains a backslash, which DICOM reserves to separate values");
  }
  return TrimSpaces(raw);
}

std::string CheckShortString(const std::string& field, const std::string& raw) {
  return CheckLength(field, CheckText(field, raw), kMaxShortString, "SH");
}

std::string CheckLongString(const std::string& field, const std::string& raw) {
  return CheckLength(field, CheckText(field, raw), kMaxLongString, "LO");
}

std::string CheckPersonName(const std::string& field, const std::string& raw) {
  const std::string text = CheckText(field, raw);
  if (text.empty()) return "";
  std::vector<std::string> groups = Split(text, '=');
  if (groups.size() > 3) {
    throw MetadataError(field, "has more than 3 component groups separated by '=' (alphabetic=ideographic=phonetic)");
  }
  for (std::string& group : groups) {
    std::vector<std::string> components = Split(group, '^');
    if (components.size() > 5) {
      throw MetadataError(field, "has more than 5 components; a person name is FAMILY^GIVEN^MIDDLE^PREFIX^SUFFIX");
    }
    for (std::string& component : components) component = TrimSpaces(component);
    while (!components.empty() && components.back().empty()) components.pop_back();
    group.clear();
    for (size_t i = 0; i < components.size(); ++i) group += (i ? "^" : "") + components[i];
    if (CountCharacters(group) > kMaxPersonNameGroup) {
      throw MetadataError(field, "is longer than 64 characters (the limit of a DICOM PN component group)");
    }
  }
  while (!groups.empty() && groups.back().empty()) groups.pop_back();
  std::string name;
  for (size_t i = 0; i < groups.size(); ++i) name += (i ? "=" : "") + groups[i];
  return name;
}

std::string CheckSex(const std::string& field, const std::string& raw) {
  std::string text = CheckText(field, raw);
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (text.empty()) return "";
  if (text == "m" || text == "male") return "M";
  if (text == "f" || text == "female") return "F";
  if (text == "o" || text == "other") return "O";
  throw MetadataError(field, "must be M, F or O (or male, female, other)");
}

std::string CheckUid(const std::string& field, const std::string& raw) {
  std::string uid = CheckText(field, raw);
  if (uid.empty()) return "";
  if (uid.size() > kMaxUid) throw MetadataError(field, "is longer than 64 characters (the limit of a DICOM UID)");
  for (const char c : uid) {
    if (!IsDigit(c) && c != '.') throw MetadataError(field, "is not a DICOM UID: it may hold only digits and dots");
  }
  for (const std::string& component : Split(uid, '.')) {
    if (component.empty())
      throw MetadataError(field, "is not a DICOM UID: it has an empty component (two dots, or a dot at an end)");
    if (component.size() > 1 && component[0] == '0')
      throw MetadataError(field, "is not a DICOM UID: component \"" + component + "\" has a leading zero");
  }
  return uid;
}

std::string CheckSha256Hex(const std::string& field, const std::string& raw) {
  std::string text = CheckText(field, raw);
  if (text.empty()) return "";
  bool hex = text.size() == 64;
  for (char& c : text) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    hex = hex && (IsDigit(c) || (c >= 'a' && c <= 'f'));
  }
  if (!hex) throw MetadataError(field, "must be 64 hexadecimal digits (the SHA-256 of the whole file)");
  return text;
}

std::string CheckBirthDate(const std::string& field, const std::string& raw, int64_t nowUnixSeconds) {
  const std::string text = CheckText(field, raw);
  if (text.empty()) return "";
  int year = 0, month = 0, day = 0;
  const bool dashed = text.size() == 10 && text[4] == '-' && text[7] == '-' && ReadDigits(text, 0, 4, year) &&
                      ReadDigits(text, 5, 2, month) && ReadDigits(text, 8, 2, day);
  const bool compact =
      text.size() == 8 && ReadDigits(text, 0, 4, year) && ReadDigits(text, 4, 2, month) && ReadDigits(text, 6, 2, day);
  if (!dashed && !compact) throw MetadataError(field, "must be a date as YYYY-MM-DD or YYYYMMDD, e.g. 1961-04-12");
  if (year < 1 || !IsValidDate(year, month, day)) throw MetadataError(field, "is not a real calendar date");
  // One day of slack: a child born today in a time zone ahead of UTC has tomorrow's UTC date.
  if (DaysFromCivil({year, month, day}) > FloorDiv(nowUnixSeconds, kSecondsPerDay) + 1)
    throw MetadataError(field, "is in the future");
  return FormatDate({year, month, day}, "");
}

std::string CheckIsoUtcDateTime(const std::string& field, const std::string& raw, int64_t nowUnixSeconds) {
  const std::string text = CheckText(field, raw);
  if (text.empty()) return "";
  const std::string format = std::string("must be an ISO 8601 date and time in UTC, ") + kIsoExample;
  DateTimeParts p;
  int year = 0;
  if (text.size() < 19 || !ReadDigits(text, 0, 4, year) || text[4] != '-' || !ReadDigits(text, 5, 2, p.month) ||
      text[7] != '-' || !ReadDigits(text, 8, 2, p.day) || (text[10] != 'T' && text[10] != 't') ||
      !ReadDigits(text, 11, 2, p.hour) || text[13] != ':' || !ReadDigits(text, 14, 2, p.minute) || text[16] != ':' ||
      !ReadDigits(text, 17, 2, p.second)) {
    throw MetadataError(field, format);
  }
  p.year = year;
  if (text.size() > 19 && text[19] == '.' && CountDigits(text, 20) > 6)
    throw MetadataError(field, "has more than 6 fractional digits of a second");
  const size_t zone = ReadFraction(text, 19, p);
  if (zone == std::string::npos) throw MetadataError(field, format);
  const std::string suffix = text.substr(zone);
  if (suffix == "Z" || suffix == "z" || suffix == "+00:00") return ToUtcDicomDateTime(field, p, 0, nowUnixSeconds);
  if (suffix.empty())
    throw MetadataError(field, "has no time zone; send the time in UTC ending in Z, " + std::string(kIsoExample));
  if (suffix == "-00:00") {
    throw MetadataError(field,
                        "has the offset -00:00, which means an unknown local offset (RFC 3339); send the time "
                        "in UTC ending in Z");
  }
  const std::optional<int> offset = ParseOffset(suffix, 0, true);
  if (!offset) throw MetadataError(field, format);
  // Say what the UTC time would be, so the sender sees exactly what to change.
  ToUtcDicomDateTime(field, p, *offset, nowUnixSeconds);  // the same date and range checks first
  const DateTimeParts utc = FromUnixSeconds(ToUnixSeconds(p, *offset), p.fraction);
  throw MetadataError(field,
                      "must be in UTC (ending in Z), not at offset " + suffix + "; " + text + " is " + FormatIso(utc));
}

std::optional<int> CheckTimezoneOffset(const std::string& field, const std::string& raw) {
  const std::string text = CheckText(field, raw);
  if (text.empty()) return std::nullopt;
  const std::optional<int> offset = ParseOffset(text, 0, false);
  if (!offset) throw MetadataError(field, "must be an offset from UTC as +HHMM or -HHMM, from -1200 to +1400");
  return offset;
}

std::string CheckDicomDateTime(const std::string& field, const std::string& raw,
                               std::optional<int> defaultOffsetMinutes, int64_t nowUnixSeconds) {
  const std::string text = CheckText(field, raw);
  if (text.empty()) return "";
  const std::string format = "must be a DICOM DT, YYYYMMDDHHMMSS[.FFFFFF][&ZZXX], e.g. 20261127101500+0100";
  const size_t sign = text.find_first_of("+-");
  const size_t end = sign == std::string::npos ? text.size() : sign;
  std::optional<int> offset = defaultOffsetMinutes;
  if (sign != std::string::npos) {
    offset = ParseOffset(text, sign, false);
    if (!offset) throw MetadataError(field, format + " (offset from -1200 to +1400)");
  }
  const size_t dateDigits = CountDigits(text, 0);
  if (dateDigits == 4 || dateDigits == 6)
    throw MetadataError(field, "must give at least a full date (YYYYMMDD), not only a year or month");
  DateTimeParts p;
  int year = 0;
  if (dateDigits < 8 || !ReadDigits(text, 0, 4, year) || !ReadDigits(text, 4, 2, p.month) ||
      !ReadDigits(text, 6, 2, p.day) || !ReadDicomTime(text, 8, end, p)) {
    throw MetadataError(field, format);
  }
  p.year = year;
  return ToUtcDicomDateTime(field, p, offset.value_or(0), nowUnixSeconds);
}

std::string CheckDicomDateAndTime(const std::string& dateField, const std::string& date, const std::string& timeField,
                                  const std::string& time, std::optional<int> offsetMinutes, int64_t nowUnixSeconds) {
  const std::string d = CheckText(dateField, date);
  const std::string t = CheckText(timeField, time);
  DateTimeParts p;
  int year = 0;
  if (!d.empty() &&
      (d.size() != 8 || !ReadDigits(d, 0, 4, year) || !ReadDigits(d, 4, 2, p.month) || !ReadDigits(d, 6, 2, p.day))) {
    throw MetadataError(dateField, "must be a DICOM DA, YYYYMMDD");
  }
  if (!t.empty() && (CountDigits(t, 0) == 0 || !ReadDicomTime(t, 0, t.size(), p)))
    throw MetadataError(timeField, "must be a DICOM TM, HHMMSS[.FFFFFF]");
  if (d.empty() || t.empty()) return "";
  p.year = year;
  return ToUtcDicomDateTime(dateField, p, offsetMinutes.value_or(0), nowUnixSeconds);
}

}  // namespace va::plugin
