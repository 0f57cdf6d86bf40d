// A streaming reader of multipart/related bodies (RFC 2387, RFC 2046 section 5.1) for STOW-RS uploads that may be
// gigabytes: bytes are handed on as they arrive, whatever the chunk boundaries, and memory stays bounded (the part
// headers being read, at most 16 KiB, plus a partly matched boundary, which is not copied).
#pragma once

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>

namespace va::plugin {

class MultipartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A Content-Type value: "type/subtype" lowercased, parameter names lowercased, values unquoted.
struct MediaType {
  std::string type;
  std::map<std::string, std::string> parameters;
};
// Throws MultipartError on a malformed value or a parameter given twice. Lenient in one way only: an unquoted
// parameter value may hold '/', '<', '>' and '@' (type=application/dicom+json), which clients often send unquoted.
MediaType ParseMediaType(const std::string& contentType);

// OnPartEnd says a part's bytes are complete; the body as a whole is valid only once Finish() returns, so keep
// nothing for good before then.
struct MultipartHandler {
  // Header names are lowercased and values trimmed; a header given twice in one part is an error, never merged.
  virtual void OnPartBegin(const std::map<std::string, std::string>& headersLowercased) = 0;
  virtual void OnPartData(const char* data, size_t size) = 0;
  virtual void OnPartEnd() = 0;
  virtual ~MultipartHandler() = default;
};

class MultipartReader {
 public:
  static constexpr size_t kMaxPartHeaderBytes = 16 * 1024;

  // contentType is the request's Content-Type: multipart/related with a boundary (quoted or not, 1 to 70
  // characters of RFC 2046); type and start are optional. Throws MultipartError otherwise. handler must outlive
  // the reader; exceptions it throws pass through and leave the reader failed.
  MultipartReader(const std::string& contentType, MultipartHandler& handler);

  // Any chunking is fine, including a boundary split across calls. Throws MultipartError on malformed input; after
  // an error every later call throws again.
  void Feed(const char* data, size_t size);
  // Throws MultipartError unless the closing boundary ("--boundary--") was seen. The epilogue after it is ignored.
  void Finish();

  const std::string& boundary() const { return boundary_; }
  const std::string& type() const { return type_; }    // the "type" parameter lowercased, "" if absent
  const std::string& start() const { return start_; }  // the "start" parameter (a Content-ID), "" if absent
  // Parts begun so far; inside OnPartBegin and after, the 1-based number of the current part.
  size_t partCount() const { return parts_; }
  // Bytes held back: the current part's headers plus a partly matched boundary (the memory bound, for tests).
  size_t bufferedBytes() const { return headers_.size() + matched_; }

 private:
  enum class State { Preamble, AfterBoundary, ClosingDash, Padding, BoundaryLf, Headers, Data, Epilogue, Failed };

  void Consume(const char* p, const char* end);
  const char* ScanData(const char* p, const char* end);
  const char* ScanHeaders(const char* p, const char* end);
  void BeginPart();
  [[noreturn]] void Fail(const std::string& reason);

  MultipartHandler& handler_;
  std::string boundary_, type_, start_;
  std::string delimiter_;  // CRLF "--" boundary
  State state_ = State::Preamble;
  size_t matched_ = 0;   // bytes of delimiter_ matched at the end of the input so far
  std::string headers_;  // the current part's header block while it is read
  size_t parts_ = 0;
  std::string error_;  // the first error, repeated by later calls
};

}  // namespace va::plugin
