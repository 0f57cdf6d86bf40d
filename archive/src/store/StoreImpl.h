// The object store's private state and the helpers its parts share (ObjectStore.cpp: create, state, statistics;
// Read.cpp: reads; Removal.cpp: removal and recovery;
// Transfer.cpp: verified copies between tiers; Migration.cpp; Scrub.cpp; Retention.cpp: retention and holds;
// Keys.cpp: key re-wrapping).
#pragma once

#include <openssl/crypto.h>

#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "StorageCatalog.h"
#include "va/archive/Envelope.h"
#include "va/archive/ObjectStore.h"

namespace va::archive {

namespace store {

// Stored bytes are moved and hashed in ranges of this size.
constexpr size_t kRangeSize = 8u << 20;

// Thrown out of a ByteReader or a loop when the caller's stop() asks to end the run.
struct StopRequested {};

// A copy could not be written: the reason names object, source and target. targetUnavailable: the target tier did
// not answer (the run skips it from then on).
class TransferError : public std::runtime_error {
 public:
  TransferError(const std::string& reason, bool targetUnavailable)
      : std::runtime_error(reason), targetUnavailable_(targetUnavailable) {}
  bool targetUnavailable() const { return targetUnavailable_; }

 private:
  bool targetUnavailable_;
};

// Keeps a run under a number of bytes per second by sleeping (in slices, polling stop).
class RateLimiter {
 public:
  RateLimiter(int64_t bytesPerSecond, std::function<bool()> stop)
      : rate_(bytesPerSecond), stop_(std::move(stop)), start_(std::chrono::steady_clock::now()) {}
  void Account(uint64_t bytes);

 private:
  int64_t rate_;
  std::function<bool()> stop_;
  std::chrono::steady_clock::time_point start_;
  uint64_t bytes_ = 0;
};

// Wipes a string holding key material when it goes out of scope.
class Secret {
 public:
  explicit Secret(std::string value) : value_(std::move(value)) {}
  ~Secret() {
    if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
  }
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  const std::string& get() const { return value_; }

 private:
  std::string value_;
};

// Adds a line to a report's bounded error list.
void AddError(RunReport& report, const std::string& error);

}  // namespace store

struct ObjectStore::Impl {
  Impl(std::unique_ptr<SqlDatabase> db, std::vector<std::shared_ptr<Tier>> t, std::shared_ptr<const KeyRing> k,
       StoreSettings s)
      : catalog(std::move(db)), tiers(std::move(t)), settings(std::move(s)), keys(std::move(k)) {}

  store::StorageCatalog catalog;
  std::vector<std::shared_ptr<Tier>> tiers;
  StoreSettings settings;

  // The key ring can be replaced while the store runs (ReplaceKeyRing): take a reference with Keys().
  std::shared_ptr<const KeyRing> Keys() const {
    std::lock_guard<std::mutex> lock(keysMutex);
    return keys;
  }
  void SetKeys(std::shared_ptr<const KeyRing> ring) {
    std::lock_guard<std::mutex> lock(keysMutex);
    keys = std::move(ring);
  }
  mutable std::mutex keysMutex;
  std::shared_ptr<const KeyRing> keys;
  std::mutex runMutex;  // one background run (migration, scrub, re-wrap, recovery) at a time

  // Decryptors of recently read objects (they hold the unwrapped data key), validated by the stored hash.
  struct CachedDecryptor {
    std::string storedSha256;
    std::shared_ptr<const EnvelopeDecryptor> decryptor;
  };
  std::mutex cacheMutex;
  std::list<std::pair<std::string, CachedDecryptor>> cache;  // most recent first
  static constexpr size_t kCacheSize = 64;

  Tier* FindTier(const std::string& name) const;
  size_t TierRank(const std::string& name) const;  // configured order; tiers.size() when unknown
  std::vector<TierPlace> Places() const;
  // Verified copies of an object in configured tier order (known tiers only).
  std::vector<store::CopyRow> VerifiedCopies(const std::string& objectId);

  std::shared_ptr<const EnvelopeDecryptor> CachedDecryptorOf(const store::ObjectRow& object);
  void RememberDecryptor(const store::ObjectRow& object, std::shared_ptr<const EnvelopeDecryptor> decryptor);
  void ForgetDecryptor(const std::string& objectId);
  std::shared_ptr<const EnvelopeDecryptor> LoadDecryptor(const store::ObjectRow& object, Tier& tier);

  // Plain bytes from one copy; throws TierError (tier trouble) or store::CopyCorrupt-like EnvelopeError/TierError.
  void ReadFromCopy(const store::ObjectRow& object, Tier& tier, uint64_t offset, uint8_t* buffer, size_t length);
  // Marks a verified copy corrupt and logs "fixity-mismatch" (once).
  void MarkCorrupt(const std::string& objectId, const std::string& tier, const std::string& detail, int64_t now);

  // Streams the stored bytes from a verified copy (configured order) to the target, re-reads what landed and checks
  // size and SHA-256 against the catalog. Returns the source tier. Throws store::TransferError or StopRequested.
  std::string Transfer(const store::ObjectRow& object, const std::string& target, int64_t retainUntil,
                       store::RateLimiter& limiter, const std::function<bool()>& stop, int64_t now);
  // Hashes the stored bytes of an object in a tier; returns the hex digest and sets size. Throws TierError.
  std::string HashOf(Tier& tier, const std::string& key, uint64_t& size, store::RateLimiter* limiter,
                     const std::function<bool()>& stop);
  // One verified copy attempt into target (state writing committed first), recording success or the failure with
  // its back-off. Returns true when the copy is verified.
  bool WriteCopy(const store::ObjectRow& object, const std::string& target, int64_t retainUntil,
                 store::RateLimiter& limiter, const std::function<bool()>& stop, int64_t now, RunReport& report,
                 const std::string& eventKind);
  // Frees one copy (freeing, tier remove, row delete). Returns false when the tier refused or failed (kept).
  bool FreeCopy(const std::string& objectId, const std::string& tier, const std::string& why, int64_t now,
                RunReport* report);
  // Retries copies left "freeing" (removals the tier refused or missed) and forgets removed objects without copies.
  void FinishRemovals(int64_t now, RunReport* report, bool includeWriting);
  // Removes the tier copies that interrupted creates left unrecorded (catalog table creating) and their intents;
  // appends "id (tier tier)" of each to cleaned. Returns how many intents are left for a later attempt.
  size_t CleanCreateIntents(int64_t now, std::string& cleaned);

  std::optional<HoldRecord> HoldCoveringFacts(const ObjectFacts& facts);
  std::vector<HoldRecord> HoldsCoveringFacts(const ObjectFacts& facts);
  // Patient visit inside a transaction: returns (objects whose retention grew, the patient's retention).
  std::pair<int64_t, int64_t> RecordVisitInTransaction(const std::string& organisation, const std::string& patientId,
                                                       int64_t visitDate, int64_t now);
  ObjectState StateOf(const store::ObjectRow& object);
};

}  // namespace va::archive
