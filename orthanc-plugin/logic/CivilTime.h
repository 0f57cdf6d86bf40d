// Proleptic Gregorian calendar arithmetic on plain integers (H. Hinnant's days_from_civil), so dates are checked
// and converted without the C library's time zone state or time_t range limits.
#pragma once

#include <cstdint>

namespace va::plugin {

struct CivilDate {
  int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

bool IsValidDate(int64_t year, int month, int day);
int64_t DaysFromCivil(const CivilDate& date);  // days since 1970-01-01, negative before
CivilDate CivilFromDays(int64_t days);
int WeekdayFromDays(int64_t days);  // 0 = Sunday

// Division rounding towards minus infinity: the day of a timestamp before 1970 is the one before, not after.
int64_t FloorDiv(int64_t a, int64_t b);

}  // namespace va::plugin
