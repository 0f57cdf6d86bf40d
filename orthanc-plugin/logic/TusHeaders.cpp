#include "TusHeaders.h"

#include <cstdio>
#include <limits>

#include "CivilTime.h"
#include "va/archive/Base64.h"

namespace va::plugin {

namespace {

constexpr int64_t kSecondsPerDay = 86400;

enum class Number { Ok, Missing, Malformed, Overflow };

// Strict: digits only (no sign, no spaces, no "0x"), checked against overflow before each step.
Number ParseDecimal(const std::string& text, int64_t& out) {
  if (text.empty()) return Number::Missing;
  out = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return Number::Malformed;
  }
  for (const char c : text) {
    const int digit = c - '0';
    if (out > (std::numeric_limits<int64_t>::max() - digit) / 10) return Number::Overflow;
    out = out * 10 + digit;
  }
  return Number::Ok;
}

std::string Lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text;
}

}  // namespace

int64_t ParseUploadLength(const std::string& header, int64_t maxSize) {
  int64_t length = 0;
  const Number parsed = ParseDecimal(header, length);
  if (parsed == Number::Missing) {
    throw TusError(400, "Upload-Length is missing: give the size of the whole upload in bytes");
  }
  if (parsed == Number::Malformed) throw TusError(400, "Upload-Length must be a non-negative integer number of bytes");
  // A number beyond 64 bits is beyond any maximum too.
  if (parsed == Number::Overflow || length > maxSize) {
    throw TusError(
        413, "Upload-Length exceeds the maximum upload size of " + std::to_string(maxSize) + " bytes (Tus-Max-Size)");
  }
  return length;
}

int64_t ParseUploadOffset(const std::string& header) {
  int64_t offset = 0;
  switch (ParseDecimal(header, offset)) {
    case Number::Ok: return offset;
    case Number::Missing: throw TusError(400, "Upload-Offset is missing: give the offset this PATCH starts at");
    case Number::Malformed: throw TusError(400, "Upload-Offset must be a non-negative integer number of bytes");
    case Number::Overflow: break;
  }
  throw TusError(400, "Upload-Offset is too large");
}

UploadChecksum ParseUploadChecksum(const std::string& header) {
  const size_t space = header.find(' ');
  if (header.empty() || space == std::string::npos) {
    throw TusError(400,
                   "Upload-Checksum must be \"<algorithm> <base64 digest>\", e.g. \"sha256 "
                   "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=\" (the SHA-256 of this PATCH body)");
  }
  UploadChecksum checksum;
  checksum.algorithm = Lowercase(header.substr(0, space));
  if (checksum.algorithm != "sha256") {
    throw TusError(400, std::string("unsupported checksum algorithm; supported: ") + kChecksumAlgorithms);
  }
  const std::optional<std::string> digest = archive::DecodeBase64(header.substr(space + 1));
  if (!digest) throw TusError(400, "Upload-Checksum digest is not valid base64 (standard alphabet, '=' padded)");
  if (digest->size() != 32) {
    throw TusError(400, "Upload-Checksum sha256 digest must be 32 bytes, got " + std::to_string(digest->size()));
  }
  checksum.digest = *digest;
  return checksum;
}

void CheckTusResumable(const std::string& header) {
  if (header != kTusVersion) {
    throw TusError(412, std::string("Tus-Resumable: ") + kTusVersion + " is required; this server speaks tus " +
                            kTusVersion + " only");
  }
}

void CheckPatchContentType(const std::string& header) {
  // Media types are case-insensitive; parameters (none are defined for this type) are ignored.
  std::string type = Lowercase(header.substr(0, header.find(';')));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  if (type != "application/offset+octet-stream") {
    throw TusError(415, "a tus PATCH must have Content-Type: application/offset+octet-stream");
  }
}

std::string FormatHttpDate(int64_t unixSeconds) {
  static const char* const kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const int64_t days = FloorDiv(unixSeconds, kSecondsPerDay);
  const CivilDate date = CivilFromDays(days);
  // Checked before the seconds of the day are computed: days * 86400 overflows near the ends of int64_t.
  if (date.year < 0 || date.year > 9999) throw std::out_of_range("FormatHttpDate: year outside 0000..9999");
  const int64_t second = unixSeconds - days * kSecondsPerDay;
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d GMT", kWeekdays[WeekdayFromDays(days)],
                date.day, kMonths[date.month - 1], static_cast<int>(date.year), static_cast<int>(second / 3600),
                static_cast<int>(second / 60 % 60), static_cast<int>(second % 60));
  return buffer;
}

}  // namespace va::plugin
