// The request headers of the tus resumable upload protocol 1.0.0 (https://tus.io/protocols/resumable-upload) with
// the creation, checksum, termination and expiration extensions: strict parsers that say which HTTP status to
// answer.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace va::plugin {

constexpr const char* kTusVersion = "1.0.0";
constexpr const char* kTusExtensions = "creation,checksum,termination,expiration";
constexpr const char* kChecksumAlgorithms = "sha256";
// tus checksum extension: the PATCH body does not match its Upload-Checksum.
constexpr int kStatusChecksumMismatch = 460;

// A request the tus protocol refuses: answer status() with what() as the body.
class TusError : public std::runtime_error {
 public:
  TusError(int status, const std::string& reason) : std::runtime_error(reason), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// Upload-Length: a non-negative decimal integer. TusError 400 when missing or malformed, 413 above maxSize.
int64_t ParseUploadLength(const std::string& header, int64_t maxSize);
// Upload-Offset: a non-negative decimal integer. TusError 400 when missing, malformed or too large for 64 bits.
int64_t ParseUploadOffset(const std::string& header);

struct UploadChecksum {
  std::string algorithm;  // lowercase, "sha256"
  std::string digest;     // raw bytes (32 for sha256)
};
// Upload-Checksum: "<algorithm> <base64 digest>". TusError 400 for an unsupported algorithm, bad base64 or a digest
// of the wrong length.
UploadChecksum ParseUploadChecksum(const std::string& header);

// Tus-Resumable must be "1.0.0"; otherwise TusError 412 (answer with Tus-Version: kTusVersion).
void CheckTusResumable(const std::string& header);

// A PATCH body must be "application/offset+octet-stream"; otherwise TusError 415.
void CheckPatchContentType(const std::string& header);

// RFC 7231 IMF-fixdate, e.g. "Fri, 27 Nov 2026 22:43:37 GMT" (Upload-Expires). Throws std::out_of_range outside
// the years 0000..9999, which a 4-digit year cannot show.
std::string FormatHttpDate(int64_t unixSeconds);

}  // namespace va::plugin
