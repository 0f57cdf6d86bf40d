#include "HttpRange.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>
#include <vector>

namespace va::plugin {

namespace {

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

// A decimal without sign, at most 19 digits (fits in uint64_t without overflow checks beyond that).
std::optional<uint64_t> ParseNumber(const std::string& s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

struct Spec {
  std::optional<uint64_t> first;  // absent: suffix range
  std::optional<uint64_t> last;   // absent: open range (or suffix length in `last` of a suffix range)
};

// "bytes=0-99, 200-, -50" -> specs; nullopt when the header is not a valid bytes range set.
std::optional<std::vector<Spec>> ParseRangeSet(const std::string& header) {
  const std::string h = Trim(header);
  if (h.size() < 6) return std::nullopt;
  std::string unit = h.substr(0, 6);
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char c) { return std::tolower(c); });
  if (unit != "bytes=") return std::nullopt;
  std::vector<Spec> specs;
  size_t pos = 6;
  while (pos <= h.size()) {
    const size_t comma = h.find(',', pos);
    const std::string item = Trim(h.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    pos = comma == std::string::npos ? h.size() + 1 : comma + 1;
    if (item.empty()) continue;  // RFC 9110 allows empty list elements
    const size_t dash = item.find('-');
    if (dash == std::string::npos) return std::nullopt;
    const std::string a = Trim(item.substr(0, dash)), b = Trim(item.substr(dash + 1));
    Spec spec;
    if (a.empty()) {
      spec.last = ParseNumber(b);  // suffix length
      if (!spec.last) return std::nullopt;
    } else {
      spec.first = ParseNumber(a);
      if (!spec.first) return std::nullopt;
      if (!b.empty()) {
        spec.last = ParseNumber(b);
        if (!spec.last || *spec.last < *spec.first) return std::nullopt;
      }
    }
    specs.push_back(spec);
    if (specs.size() > 100) return std::nullopt;  // a range set this long is an attack, not a player
  }
  if (specs.empty()) return std::nullopt;
  return specs;
}

RangeAnswer WholeOrTooLarge(uint64_t size, uint64_t maxPiece) {
  RangeAnswer a;
  a.size = size;
  a.first = 0;
  a.last = size == 0 ? 0 : size - 1;
  a.kind = size <= maxPiece ? RangeAnswer::Kind::Whole : RangeAnswer::Kind::TooLarge;
  return a;
}

}  // namespace

int RangeAnswer::status() const {
  switch (kind) {
    case Kind::Whole: return 200;
    case Kind::Partial: return 206;
    case Kind::Unsatisfiable: return 416;
    case Kind::TooLarge: return 400;
  }
  return 500;
}

std::string RangeAnswer::contentRange() const {
  if (kind == Kind::Partial)
    return "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(size);
  if (kind == Kind::Unsatisfiable) return "bytes */" + std::to_string(size);
  return "";
}

RangeAnswer DecideRange(uint64_t size, const std::string& rangeHeader, const std::string& ifRangeHeader,
                        const std::string& etag, uint64_t maxPiece) {
  if (maxPiece == 0) maxPiece = 1;
  if (Trim(rangeHeader).empty()) return WholeOrTooLarge(size, maxPiece);
  // If-Range with a validator that does not match (or a date: we only issue ETags) -> the whole representation.
  const std::string ifRange = Trim(ifRangeHeader);
  if (!ifRange.empty() && (ifRange != etag || ifRange.rfind("W/", 0) == 0)) return WholeOrTooLarge(size, maxPiece);
  const auto specs = ParseRangeSet(rangeHeader);
  if (!specs) return WholeOrTooLarge(size, maxPiece);

  // Resolve each spec against the size; keep the satisfiable ones, answer their covering span.
  bool any = false;
  uint64_t lo = std::numeric_limits<uint64_t>::max(), hi = 0;
  for (const Spec& s : *specs) {
    uint64_t first = 0, last = 0;
    if (!s.first) {
      if (*s.last == 0 || size == 0) continue;  // "-0" selects nothing
      first = *s.last >= size ? 0 : size - *s.last;
      last = size - 1;
    } else {
      if (*s.first >= size) continue;
      first = *s.first;
      last = s.last ? std::min(*s.last, size - 1) : size - 1;
    }
    any = true;
    lo = std::min(lo, first);
    hi = std::max(hi, last);
  }
  RangeAnswer a;
  a.size = size;
  if (!any) {
    a.kind = RangeAnswer::Kind::Unsatisfiable;
    return a;
  }
  a.kind = RangeAnswer::Kind::Partial;
  a.first = lo;
  a.last = hi - lo + 1 > maxPiece ? lo + maxPiece - 1 : hi;
  return a;
}

}  // namespace va::plugin
