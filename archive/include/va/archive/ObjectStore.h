// The archive's storage: every object the host stores goes through here. An object is encrypted (Envelope.h, a data
// key per object wrapped by the key ring's current master key), hashed (SHA-256 of the plain bytes and of the
// stored bytes), written to the hot tier and recorded in the storage catalog (SqlDatabase.h). The migrator moves
// copies between tiers by policy, the scrubber re-hashes them, retention and legal holds decide when removal is
// allowed. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "va/archive/KeyRing.h"
#include "va/archive/Policy.h"
#include "va/archive/SqlDatabase.h"
#include "va/archive/Tier.h"

namespace va::archive {

class StoreError : public std::runtime_error {
 public:
  enum class Kind {
    NotFound,     // no such object
    Unavailable,  // no tier holding a verified copy answers now (HTTP 503)
    NoSpace,      // the hot tier is full: the object was not stored, nothing half-written remains
    Refused,      // retention, legal hold or WORM forbids it; the reason says which and until when
    Corrupt,      // every copy failed its hash or authentication
    Io
  };
  StoreError(Kind kind, const std::string& reason) : std::runtime_error(reason), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

struct StoreSettings {
  std::string hotTier;                  // where new objects are written
  uint32_t chunkSize = 1u << 20;        // envelope chunk size
  bool worm = false;                    // refuse removal of retained or held objects
  int64_t touchIntervalSeconds = 3600;  // last access is written at most this often per object
  std::vector<PlacementRule> rules;
  std::vector<RetentionRule> retention;
  Jurisdictions jurisdictions;
  int64_t migrationBytesPerSecond = 0;  // 0 = unlimited
  int64_t scrubBytesPerSecond = 0;
  double scrubIntervalDays = 30;  // a copy is re-hashed when its last check is older than this
  double retryBaseSeconds = 5;    // back-off of failed copies: base * 2^failures, at most retryMaxSeconds
  double retryMaxSeconds = 3600;
};

struct CopyState {
  std::string tier;
  std::string state;  // "writing", "verified", "corrupt", "failed" (retried after a back-off), "freeing"
  int64_t verifiedAt = 0;
  int64_t checkedAt = 0;  // last fixity check
  int failures = 0;       // consecutive failed attempts to write or check this copy
  std::string lastError;
};

struct HoldRecord {
  int64_t id = 0;
  std::string level;  // "patient", "study", "series", "instance"
  std::string uid;    // PatientID, StudyInstanceUID, SeriesInstanceUID or SOPInstanceUID
  std::string reason;
  std::string author;
  int64_t setAt = 0;
  int64_t releasedAt = 0;  // 0 while active
  std::string releaseReason;
  std::string releasedBy;
};

struct ObjectState {
  std::string id;
  int contentType = 0;  // the host's attachment type
  uint64_t size = 0;
  uint64_t storedSize = 0;
  std::string sha256;        // hex, plain bytes
  std::string storedSha256;  // hex, stored (encrypted) bytes: what every tier copy must hash to
  std::string keyId;
  int64_t createdAt = 0;
  int64_t lastAccessAt = 0;
  int64_t retainUntil = 0;        // effective retention date (0 = none)
  std::vector<HoldRecord> holds;  // active holds that cover it
  ObjectFacts facts;
  std::vector<CopyState> copies;
};

struct TierStats {
  std::string tier, kind, country;
  int64_t objects = 0;  // verified copies
  int64_t bytes = 0;    // stored bytes of verified copies
  int64_t pending = 0;  // copies being written or freed
  int64_t corrupt = 0;
};

struct PlannedMove {
  std::string objectId;
  std::vector<std::string> from;  // tiers holding verified copies now
  std::vector<std::string> to;    // where the policy wants them
  std::string rule;
  std::string note;
};

struct RunReport {
  int64_t examined = 0, copied = 0, freed = 0, failed = 0, repaired = 0, mismatches = 0, bytes = 0;
  std::vector<std::string> errors;  // bounded
};

class ObjectStore {
 public:
  ObjectStore(std::unique_ptr<SqlDatabase> catalog, std::vector<std::shared_ptr<Tier>> tiers,
              std::shared_ptr<const KeyRing> keys, StoreSettings settings);
  ~ObjectStore();
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  // At start-up, after a crash: copies left "writing" are removed from their tier and forgotten, copies left
  // "freeing" are removed again, and the hot-tier copy of every Create interrupted between its write and its commit
  // (an intent recorded before the write) is removed with its intent (all idempotent). Returns a line for the log
  // naming the orphans removed.
  std::string Recover();

  // Encrypts and writes to the hot tier, then records the object: when this returns, the object is durable.
  void Create(const std::string& id, int contentType, const uint8_t* data, size_t size, const ObjectFacts& facts,
              int64_t now);

  // Plain bytes [offset, offset + length) from the first tier (in configured order) holding a verified copy; only
  // the chunks touched are read and decrypted. Falls over to the next verified copy when a tier is unavailable or a
  // chunk fails authentication (recorded as a mismatch). Returns how many bytes (0 at or past the end).
  size_t ReadAt(const std::string& id, uint64_t offset, uint8_t* buffer, size_t length, int64_t now);
  uint64_t Size(const std::string& id);

  // What Remove would refuse for ("" = removal allowed): an active legal hold (its reason and author) always; in
  // WORM mode also a retention date still in the future ("retained until 2045-03-01"). Unknown ID -> "".
  std::string RemovalBlocker(const std::string& id, int64_t now);
  // Removes every copy and the record. Throws StoreError(Refused) when WORM is on and RemovalBlocker is not empty,
  // and always while a legal hold covers the object.
  void Remove(const std::string& id, int64_t now);

  // A new study of a patient arrived: recompute retention of every object of that patient. Returns how many changed.
  int64_t RecordVisit(const std::string& organisation, const std::string& patientId, int64_t visitDate, int64_t now);

  // Legal holds.
  int64_t SetHold(const std::string& level, const std::string& uid, const std::string& reason,
                  const std::string& author, int64_t now);
  void ReleaseHold(int64_t holdId, const std::string& reason, const std::string& author, int64_t now);
  std::vector<HoldRecord> Holds(bool activeOnly);
  // Whether any active hold covers these facts (and which), for refusing deletions at the resource level.
  std::optional<HoldRecord> HoldCovering(const ObjectFacts& facts);
  // Effective retention of a resource (max over its objects); 0 when none.
  int64_t RetentionOfStudy(const std::string& studyUid);

  std::optional<ObjectState> State(const std::string& id, int64_t now);
  std::vector<ObjectState> StatesOfStudy(const std::string& studyUid, int64_t now);
  std::vector<TierStats> Stats();

  // Policy: what the migrator would do now (dry run), and one migration pass (copy, verify the hash of what
  // landed, record, then free copies the policy no longer wants — never below the wanted number of verified
  // copies). Rate-limited by settings; stop() is polled between objects and chunks.
  std::vector<PlannedMove> Plan(int64_t now, size_t limit);
  RunReport Migrate(int64_t now, const std::function<bool()>& stop);
  // Fixity: re-hash copies whose last check is older than the interval; repair a mismatching copy from another
  // verified copy.
  RunReport Scrub(int64_t now, const std::function<bool()>& stop);
  // Key rotation: the key file gained a new current key; new objects use it from now on. The new ring must still
  // hold every key ID in use (checked: throws KeyError naming the missing ID).
  void ReplaceKeyRing(std::shared_ptr<const KeyRing> keys);
  // Re-wraps every data key not wrapped by the key ring's current master key. Returns how many.
  int64_t RewrapKeys(const std::function<bool()>& stop);
  // Expired objects (retention passed, no hold) that a disposition run may remove, as object IDs.
  std::vector<std::string> Expired(int64_t now, size_t limit);

  // Append-only log of what happened to objects (migrations, frees, mismatches, repairs, holds, dispositions).
  void LogEvent(const std::string& objectId, const std::string& kind, const std::string& detail, int64_t now);
  struct Event {
    int64_t at = 0;
    std::string objectId, kind, detail;
  };
  std::vector<Event> Events(const std::string& objectId, size_t limit);

  const StoreSettings& Settings() const;
  const std::vector<std::shared_ptr<Tier>>& Tiers() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace va::archive
