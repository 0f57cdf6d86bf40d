#include "DateTimeMath.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace va::plugin {

namespace {

int Digits(const std::string& s, size_t pos, size_t count) {
  int v = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') throw std::invalid_argument("not a UTC DT value: " + s);
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

std::string Format(int64_t micros) {
  const auto secs = static_cast<std::time_t>(micros / 1000000);
  const int64_t frac = micros % 1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec);
  std::string out(buf);
  if (frac != 0) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
    out += buf;
  }
  return out + "+0000";
}

}  // namespace

std::string AddSecondsUtc(const std::string& dt, double seconds) {
  if (dt.size() < 19 || dt.compare(dt.size() - 5, 5, "+0000") != 0) {
    throw std::invalid_argument("not a UTC DT value: " + dt);
  }
  std::tm tm{};
  tm.tm_year = Digits(dt, 0, 4) - 1900;
  tm.tm_mon = Digits(dt, 4, 2) - 1;
  tm.tm_mday = Digits(dt, 6, 2);
  tm.tm_hour = Digits(dt, 8, 2);
  tm.tm_min = Digits(dt, 10, 2);
  tm.tm_sec = Digits(dt, 12, 2);
  int64_t micros = static_cast<int64_t>(timegm(&tm)) * 1000000;
  const size_t fracEnd = dt.size() - 5;
  if (fracEnd > 14) {
    if (dt[14] != '.' || fracEnd - 15 > 6 || fracEnd == 15) throw std::invalid_argument("not a UTC DT value: " + dt);
    int64_t frac = Digits(dt, 15, fracEnd - 15);
    for (size_t n = fracEnd - 15; n < 6; ++n) frac *= 10;
    micros += frac;
  }
  micros += static_cast<int64_t>(std::llround(seconds * 1e6));
  return Format(micros);
}

std::string NowUtcDateTime() {
  return Format(static_cast<int64_t>(std::time(nullptr)) * 1000000);
}

}  // namespace va::plugin
