// Private helpers of the S3 client: the XML answers it reads besides errors and listings, and the time format of
// Object Lock dates.
#pragma once

#include <cstdint>
#include <string>

namespace va::archive::s3 {

// Answers larger than this are not parsed (a listing of 1000 keys of 1024 bytes stays well below).
constexpr size_t kMaxXmlBytes = 8U << 20;

// The UploadId of an InitiateMultipartUploadResult; "" when the body is not one.
std::string ParseUploadId(const std::string& xml);

// "2026-11-28T05:00:00Z" from unix seconds, and back (fractional seconds ignored; 0 when unparsable).
std::string FormatIso8601(int64_t unixSeconds);
int64_t ParseIso8601(const std::string& text);

// Escapes &, <, >, " and ' for element text.
std::string XmlEscape(const std::string& text);

}  // namespace va::archive::s3
