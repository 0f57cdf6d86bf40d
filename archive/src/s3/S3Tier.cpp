// A tier on an S3 bucket: the S3 client's answers mapped to TierError kinds.
#include <memory>
#include <string>

#include "va/archive/S3Client.h"
#include "va/archive/Tier.h"

namespace va::archive {
namespace {

// What a tier caller can act on: retry later, nothing there, out of room, refused, or anything else.
TierError Map(const S3Error& e, const std::string& tier) {
  using Kind = TierError::Kind;
  const std::string reason = "tier " + tier + ": " + e.what();
  const std::string& code = e.code();
  if (code == "QuotaExceeded" || code == "InsufficientCapacity" || code == "EntityTooLarge" || e.httpStatus() == 507)
    return {Kind::NoSpace, reason};
  if (e.Transient()) return {Kind::Unavailable, reason};
  if (e.httpStatus() == 404 || code == "NoSuchKey" || code == "NoSuchVersion" || code == "NoSuchBucket")
    return {Kind::NotFound, reason};
  if (e.httpStatus() == 403 || code == "AccessDenied" || code == "ObjectLocked" || code == "InvalidRetentionPeriod")
    return {Kind::Refused, reason};
  return {Kind::Io, reason};
}

class S3Tier : public Tier {
 public:
  S3Tier(TierInfo info, const S3Settings& settings) : info_(std::move(info)), client_(settings) {}

  const TierInfo& Info() const override { return info_; }

  void Put(const std::string& key, const ByteReader& source, uint64_t size, const PutOptions& options) override {
    S3PutOptions put;
    put.sha256Hex = options.sha256Hex;
    if (client_.Settings().objectLock) put.retainUntil = options.retainUntil;
    try {
      client_.Put(key, source, size, put);
    } catch (const S3Error& e) {
      throw Map(e, info_.name);
    }
  }

  size_t ReadAt(const std::string& key, uint64_t offset, uint8_t* buffer, size_t length) override {
    try {
      return client_.GetRange(key, offset, buffer, length);
    } catch (const S3Error& e) {
      throw Map(e, info_.name);
    }
  }

  std::optional<uint64_t> SizeOf(const std::string& key) override {
    try {
      const auto head = client_.Head(key);
      if (!head) return std::nullopt;
      return head->size;
    } catch (const S3Error& e) {
      throw Map(e, info_.name);
    }
  }

  // On a versioned bucket (every Object Lock bucket is) a plain DELETE only hides the object behind a delete marker
  // and always succeeds; so each version the key shows is deleted by its ID, which Object Lock refuses while
  // retention lasts. Older versions of an overwritten key come back as the current one and go the same way.
  void Remove(const std::string& key) override {
    try {
      for (int round = 0; round < kMaxVersions; ++round) {
        const auto head = client_.Head(key);
        if (!head) return;
        client_.Delete(key, head->versionId);
        if (head->versionId.empty()) return;
      }
      throw TierError(TierError::Kind::Io, "tier " + info_.name + ": " + key + " still exists after deleting " +
                                               std::to_string(kMaxVersions) + " versions");
    } catch (const S3Error& e) {
      if (e.httpStatus() == 404) return;  // removed meanwhile
      throw Map(e, info_.name);
    }
  }

  void ExtendRetention(const std::string& key, int64_t retainUntil) override {
    if (!client_.Settings().objectLock) return;
    try {
      const auto head = client_.Head(key);
      if (!head) throw TierError(TierError::Kind::NotFound, "tier " + info_.name + ": no object " + key + " to retain");
      if (head->retainUntil >= retainUntil) return;  // never shortened
      client_.SetRetention(key, head->versionId, retainUntil);
    } catch (const S3Error& e) {
      throw Map(e, info_.name);
    }
  }

 private:
  static constexpr int kMaxVersions = 1000;
  TierInfo info_;
  S3Client client_;
};

}  // namespace

std::unique_ptr<Tier> OpenS3Tier(const TierInfo& info, const S3Settings& settings) {
  return std::make_unique<S3Tier>(info, settings);
}

}  // namespace va::archive
