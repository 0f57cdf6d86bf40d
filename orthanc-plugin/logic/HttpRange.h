// HTTP range requests (RFC 9110 section 14) for video delivery: which bytes to answer, with which status and
// headers, while no single answer exceeds a memory cap.
#pragma once

#include <cstdint>
#include <string>

namespace va::plugin {

struct RangeAnswer {
  enum class Kind {
    Whole,          // 200: the whole representation (it fits under the cap)
    Partial,        // 206: bytes first..last (inclusive) with Content-Range
    Unsatisfiable,  // 416: Content-Range "bytes */size"
    TooLarge,       // no Range and the whole representation is larger than the cap: the client must ask for ranges
  };
  Kind kind = Kind::Whole;
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive; meaningless for Unsatisfiable / TooLarge
  uint64_t size = 0;  // of the whole representation

  uint64_t length() const { return last - first + 1; }
  int status() const;                // 200, 206, 416, or 400 for TooLarge
  std::string contentRange() const;  // "bytes 0-99/1000", "bytes */1000"; "" for Whole
};

// Decides the answer to a GET of a representation of `size` bytes whose strong ETag is `etag` (quoted).
// rangeHeader: the Range header ("" = none). ifRangeHeader: the If-Range header ("" = none); a Range is obeyed only
// when If-Range is absent or equals etag (an HTTP date is treated as not matching: our validators are ETags).
// Only "bytes" ranges count; a malformed or other-unit Range is ignored as RFC 9110 requires. Several ranges are
// answered as the one span covering them all (one part, no multipart/byteranges). An answer never holds more
// than maxPiece bytes: an open or long range is cut to maxPiece, which clients handle by asking for the rest.
RangeAnswer DecideRange(uint64_t size, const std::string& rangeHeader, const std::string& ifRangeHeader,
                        const std::string& etag, uint64_t maxPiece);

}  // namespace va::plugin
