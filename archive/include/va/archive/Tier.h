// A storage tier: one configured place that keeps objects (a local folder, an S3 bucket). A site configures as many
// as it needs (hot disk, warm bucket, cold bucket, second site); each declares the country its bytes live in.
// Tiers store opaque bytes (already encrypted by the object store) under a key; they know nothing of DICOM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace va::archive {

class TierError : public std::runtime_error {
 public:
  enum class Kind {
    NotFound,     // the tier holds no object under that key
    Unavailable,  // the service cannot be reached now (retry later; HTTP 503 to a reader)
    NoSpace,      // the tier is full (ENOSPC, quota)
    Refused,      // the tier refused (object lock, permissions)
    Io            // anything else
  };
  TierError(Kind kind, const std::string& reason) : std::runtime_error(reason), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

struct TierInfo {
  std::string name;     // unique within a site: "hot", "ceph-cold"
  std::string kind;     // "folder" or "s3"
  std::string country;  // ISO 3166-1 alpha-2 of where the bytes are kept, e.g. "DE"
};

// Pulls the next bytes of an object being written: fills up to length bytes of buffer and returns how many; 0 only
// at the end. Throws to abort the write (nothing becomes visible).
using ByteReader = std::function<size_t(uint8_t* buffer, size_t length)>;

struct PutOptions {
  std::string sha256Hex;    // SHA-256 of the bytes being written, when known (S3: x-amz-content-sha256 of one PUT)
  int64_t retainUntil = 0;  // unix seconds; > 0 asks for write-once retention where the tier supports it
                            // (S3 Object Lock COMPLIANCE), ignored by tiers that cannot
};

class Tier {
 public:
  virtual ~Tier() = default;
  virtual const TierInfo& Info() const = 0;

  // Writes size bytes pulled from source under key. Atomic: the object is visible only once complete; a failure or
  // crash leaves at most an invisible partial (a temporary file, an unfinished multipart upload) that the tier
  // cleans up. Overwrites an existing object of the same key.
  virtual void Put(const std::string& key, const ByteReader& source, uint64_t size, const PutOptions& options) = 0;

  // Copies up to length bytes from offset into buffer; returns how many (0 only at or past the end).
  virtual size_t ReadAt(const std::string& key, uint64_t offset, uint8_t* buffer, size_t length) = 0;

  // The object's size, or nothing when the tier does not hold it.
  virtual std::optional<uint64_t> SizeOf(const std::string& key) = 0;

  // Removes the object; removing an absent object succeeds. Throws TierError(Refused) while the tier's own
  // retention (Object Lock) still protects it.
  virtual void Remove(const std::string& key) = 0;

  // Extends write-once retention of an existing object (never shortens it); a no-op on tiers without it.
  virtual void ExtendRetention(const std::string& key, int64_t retainUntil) = 0;
};

// A local folder: objects as files under root/xx/yy/key, written to a temporary file, fsync'ed, then renamed.
// A full disk is TierError(NoSpace) and leaves nothing behind. Temporary files left by a crash are removed when the
// tier is opened, once they are an hour old (another process sharing the folder may be writing a fresh one).
std::unique_ptr<Tier> OpenFolderTier(const TierInfo& info, const std::string& root);

struct S3Settings;
// A bucket of an S3-compatible service (AWS S3, Ceph RGW, MinIO).
std::unique_ptr<Tier> OpenS3Tier(const TierInfo& info, const S3Settings& settings);

}  // namespace va::archive
