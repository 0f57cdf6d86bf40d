// A small S3 client on libcurl (AWS Signature V4 signing with CURLOPT_AWS_SIGV4) and libxml2 (error and listing
// answers). Path-style addressing, so it works the same against AWS S3, Ceph RGW and MinIO (docs/tiering.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace va::archive {

struct S3Settings {
  std::string endpoint;  // "https://s3.eu-central-1.amazonaws.com", "http://127.0.0.1:7480"
  std::string region = "us-east-1";
  std::string bucket;
  std::string accessKey;
  std::string secretKey;            // never logged
  std::string prefix;               // key prefix inside the bucket, e.g. "video-archive/"
  uint64_t partSize = 16ULL << 20;  // objects larger than this are written by multipart upload in parts this size
  long connectTimeoutSeconds = 5;
  long timeoutSeconds = 300;
  bool objectLock = false;  // the bucket has Object Lock: writes carry COMPLIANCE retention when asked
  int listPageSize = 1000;  // max-keys of one ListObjectsV2 page (List fetches all pages)
};

class S3Error : public std::runtime_error {
 public:
  // httpStatus 0 = no answer (connection refused, timeout); code = the S3 error code ("NoSuchKey", "AccessDenied").
  S3Error(const std::string& reason, long httpStatus, std::string code)
      : std::runtime_error(reason), httpStatus_(httpStatus), code_(std::move(code)) {}
  long httpStatus() const { return httpStatus_; }
  const std::string& code() const { return code_; }
  bool Transient() const { return httpStatus_ == 0 || httpStatus_ >= 500 || httpStatus_ == 429; }

 private:
  long httpStatus_;
  std::string code_;
};

struct S3ObjectHead {
  uint64_t size = 0;
  std::string etag;
  std::string versionId;    // "" when the bucket is not versioned
  int64_t retainUntil = 0;  // Object Lock retain-until date (unix seconds), 0 when none
};

struct S3PutOptions {
  std::string sha256Hex;    // x-amz-content-sha256 of a single PUT; computed when empty
  int64_t retainUntil = 0;  // > 0: x-amz-object-lock-mode COMPLIANCE + retain-until-date
  std::string contentType = "application/octet-stream";
};

// Pulls the next bytes of an upload (see Tier.h ByteReader).
using S3Reader = std::function<size_t(uint8_t* buffer, size_t length)>;

class S3Client {
 public:
  explicit S3Client(S3Settings settings);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  const S3Settings& Settings() const { return settings_; }

  // Creates the bucket (with Object Lock enabled when settings.objectLock). Succeeds when we already own it.
  void CreateBucket();

  // Writes size bytes pulled from source. At most partSize bytes are held in memory: larger objects go by multipart
  // upload, aborted on failure. Returns the version ID ("" when unversioned).
  std::string Put(const std::string& key, const S3Reader& source, uint64_t size, const S3PutOptions& options);

  // Ranged GET: up to length bytes from offset into buffer; returns how many (0 at or past the end).
  size_t GetRange(const std::string& key, uint64_t offset, uint8_t* buffer, size_t length);

  // HEAD; nothing when the key does not exist.
  std::optional<S3ObjectHead> Head(const std::string& key);

  // DELETE of one version ("" = the current one; on a versioned bucket that only adds a delete marker).
  void Delete(const std::string& key, const std::string& versionId = "");

  // PUT ?retention on an existing object version (COMPLIANCE).
  void SetRetention(const std::string& key, const std::string& versionId, int64_t retainUntil);

  // Keys under a prefix (both the prefix and the keys returned relative to settings.prefix), in order, all pages.
  std::vector<std::string> List(const std::string& prefix);

 private:
  S3Settings settings_;
};

// Parses an S3 error document (<Error><Code>..</Code><Message>..</Message></Error>) into "Code: Message";
// returns {code, message}, both empty when the body is not one. Exposed for the fuzz target.
std::pair<std::string, std::string> ParseS3Error(const std::string& xml);
// Parses a ListObjectsV2 answer: the keys, and the continuation token ("" when the listing is complete). Throws
// std::runtime_error when the body is not a listing.
std::pair<std::vector<std::string>, std::string> ParseS3Listing(const std::string& xml);

}  // namespace va::archive
