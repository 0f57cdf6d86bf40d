#include "DicomDateTime.h"

#include <cstdio>
#include <ctime>

#include "va/dicom/DicomError.h"

namespace va::dicom::detail {
namespace {

bool Digits(const std::string& s, size_t pos, size_t count) {
  if (pos + count > s.size()) return false;
  for (size_t i = pos; i < pos + count; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

int Number(const std::string& s, size_t pos, size_t count) {
  int v = 0;
  for (size_t i = pos; i < pos + count; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

bool LeapYear(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int DaysInMonth(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && LeapYear(year) ? 29 : kDays[month - 1];
}

int OffsetMinutes(const std::string& offset) {
  const int minutes = Number(offset, 1, 2) * 60 + Number(offset, 3, 2);
  return offset[0] == '-' ? -minutes : minutes;
}

// "YYYYMMDD" and "HHMMSS" of a broken-down time.
DateTimeParts Format(const std::tm& t, const std::string& fraction, const std::string& offset) {
  char date[48], time[48];  // room for any int, so the compiler can prove nothing is cut
  std::snprintf(date, sizeof date, "%04d%02d%02d", (t.tm_year + 1900) % 10000, t.tm_mon + 1, t.tm_mday);
  std::snprintf(time, sizeof time, "%02d%02d%02d", t.tm_hour, t.tm_min, t.tm_sec);
  return {date, time + fraction, offset};
}

}  // namespace

void CheckUtcOffset(const std::string& offset, const std::string& what) {
  const bool form = offset.size() == 5 && (offset[0] == '+' || offset[0] == '-') && Digits(offset, 1, 4);
  const int minutes = form ? OffsetMinutes(offset) : 0;
  if (!form || Number(offset, 3, 2) > 59 || minutes < -12 * 60 || minutes > 14 * 60)
    throw DicomError(what + " '" + offset + "' is not a UTC offset: write +HHMM or -HHMM, from -1200 to +1400");
}

DateTimeParts ParseDateTime(const std::string& value, const std::string& what) {
  const auto fail = [&] {
    return DicomError(what + " '" + value +
                      "' is not a DICOM date-time with a date and at least the hour: write "
                      "YYYYMMDDHH[MM[SS[.FFFFFF]]] with an optional UTC offset (+HHMM / -HHMM), e.g. "
                      "20261127101500+0000");
  };
  const size_t zone = value.find_first_of("+-");
  const std::string body = value.substr(0, zone);
  const std::string offset = zone == std::string::npos ? "" : value.substr(zone);
  const size_t dot = body.find('.');
  const std::string whole = body.substr(0, dot);
  const std::string fraction = dot == std::string::npos ? "" : body.substr(dot);
  if (whole.size() < 10 || whole.size() > 14 || whole.size() % 2 != 0 || !Digits(whole, 0, whole.size())) throw fail();
  // A fraction only follows whole seconds.
  if (!fraction.empty() &&
      (whole.size() != 14 || fraction.size() < 2 || fraction.size() > 7 || !Digits(fraction, 1, fraction.size() - 1)))
    throw fail();
  const int year = Number(whole, 0, 4), month = Number(whole, 4, 2), day = Number(whole, 6, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) throw fail();
  if (Number(whole, 8, 2) > 23) throw fail();
  if (whole.size() >= 12 && Number(whole, 10, 2) > 59) throw fail();
  if (whole.size() == 14 && Number(whole, 12, 2) > 60) throw fail();  // 60: a leap second
  if (!offset.empty()) CheckUtcOffset(offset, what + " offset");
  return {whole.substr(0, 8), whole.substr(8) + fraction, offset};
}

DateTimeParts ToOffset(const DateTimeParts& dt, const std::string& to) {
  if (dt.offset.empty() || to.empty() || dt.offset == to) return dt;
  const size_t dot = dt.time.find('.');
  const std::string whole = (dt.time.substr(0, dot) + "0000").substr(0, 6);  // missing minutes / seconds are 0
  std::tm t{};
  t.tm_year = Number(dt.date, 0, 4) - 1900;
  t.tm_mon = Number(dt.date, 4, 2) - 1;
  t.tm_mday = Number(dt.date, 6, 2);
  t.tm_hour = Number(whole, 0, 2);
  t.tm_min = Number(whole, 2, 2);
  t.tm_sec = Number(whole, 4, 2);
  // timegm reads the fields as UTC; shifting by the offset difference moves the wall clock to the new offset.
  const std::time_t shifted = timegm(&t) + static_cast<std::time_t>(OffsetMinutes(to) - OffsetMinutes(dt.offset)) * 60;
  std::tm out{};
  gmtime_r(&shifted, &out);
  return Format(out, dot == std::string::npos ? "" : dt.time.substr(dot), to);
}

DateTimeParts NowIn(const std::string& offset) {
  std::time_t now = std::time(nullptr);
  std::tm t{};
  if (offset.empty()) {
    localtime_r(&now, &t);
  } else {
    now += static_cast<std::time_t>(OffsetMinutes(offset)) * 60;
    gmtime_r(&now, &t);
  }
  return Format(t, "", offset);
}

}  // namespace va::dicom::detail
