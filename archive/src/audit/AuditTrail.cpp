#include "va/archive/AuditTrail.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <utility>

#include "va/archive/Sha256.h"

namespace va::archive {
namespace {

const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS audit_records (
  sequence BIGINT PRIMARY KEY,
  time_us BIGINT NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  organisation TEXT NOT NULL,
  source TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  study_uid TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL,
  previous_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_records_study ON audit_records (study_uid, sequence);
CREATE INDEX IF NOT EXISTS audit_records_actor ON audit_records (actor, sequence);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  sequence BIGINT PRIMARY KEY,
  hash TEXT NOT NULL,
  time_us BIGINT NOT NULL,
  key_id TEXT NOT NULL,
  signature TEXT NOT NULL
)
)SQL";

constexpr const char* kRecordColumns =
    "sequence, time_us, actor, role, organisation, source, action, resource, study_uid, outcome, detail, "
    "previous_hash, hash";
constexpr const char* kCheckpointColumns = "sequence, hash, time_us, key_id, signature";

const std::string kZeroHash(64, '0');
constexpr int64_t kVerifyBatch = 5000;  // records per page: Verify's memory stays bounded on any trail
constexpr size_t kMaxProblems = 1000;   // past this, a count: a wholly rewritten trail must not exhaust memory
constexpr int kMaxQueryLimit = 100000;
constexpr int kAppendAttempts = 5;

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Field(std::string& out, const std::string& value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += ';';
}

// SHA-256 over the predecessor's hash and every field, each length-prefixed, so no two different records encode
// alike (moving text from one field into the next changes the encoding).
std::string ChainHash(const AuditRecord& r) {
  std::string text = r.previousHash;
  text += "\nva-audit-record-1;";
  Field(text, std::to_string(r.sequence));
  Field(text, std::to_string(r.timeMicros));
  const AuditEvent& e = r.event;
  for (const std::string* value : {&e.actor, &e.role, &e.organisation, &e.sourceAddress, &e.action, &e.resource,
                                   &e.studyUid, &e.outcome, &e.detail})
    Field(text, *value);
  Sha256 sha;
  sha.Update(text.data(), text.size());
  return sha.HexDigest();
}

AuditRecord RecordFrom(const SqlRow& row) {
  AuditRecord r;
  r.sequence = row.Int(0);
  r.timeMicros = row.Int(1);
  r.event.actor = row.Text(2);
  r.event.role = row.Text(3);
  r.event.organisation = row.Text(4);
  r.event.sourceAddress = row.Text(5);
  r.event.action = row.Text(6);
  r.event.resource = row.Text(7);
  r.event.studyUid = row.Text(8);
  r.event.outcome = row.Text(9);
  r.event.detail = row.Text(10);
  r.previousHash = row.Text(11);
  r.hash = row.Text(12);
  return r;
}

AuditCheckpoint CheckpointFrom(const SqlRow& row) {
  AuditCheckpoint c;
  c.sequence = row.Int(0);
  c.hash = row.Text(1);
  c.timeMicros = row.Int(2);
  c.keyId = row.Text(3);
  c.signature = row.Text(4);
  return c;
}

std::string Range(int64_t first, int64_t last) {
  return first == last ? "record " + std::to_string(first) + " is"
                       : "records " + std::to_string(first) + ".." + std::to_string(last) + " are";
}

std::string EditedRecord(int64_t sequence) {
  return "record " + std::to_string(sequence) + " was edited: its hash does not match its content";
}

std::string BrokenLink(int64_t sequence) {
  return "record " + std::to_string(sequence) + " does not follow record " + std::to_string(sequence - 1) +
         ": the chain is broken there (records were replaced, reordered or rewritten)";
}

std::string RewrittenCheckpoint(int64_t sequence) {
  const std::string n = std::to_string(sequence);
  return "checkpoint " + n + " does not match record " + n + ": the trail up to it was rewritten after it was signed";
}

std::string OutOfSequence(int64_t sequence, int64_t expected) {
  return "record " + std::to_string(sequence) + " is out of sequence (expected " + std::to_string(expected) + ")";
}

std::string MissingRecords(int64_t first, int64_t last) {
  return Range(first, last) + " missing: deleted from the trail";
}

std::string MissingCheckpointRecord(int64_t sequence) {
  const std::string n = std::to_string(sequence);
  return "checkpoint " + n + " signed record " + n + ", which is missing";
}

std::string BadSignature(int64_t sequence, const std::string& keyId) {
  return "checkpoint " + std::to_string(sequence) +
         " has an invalid signature: it was altered or forged, or signed by another key (key ID " + keyId + ")";
}

class Problems {
 public:
  explicit Problems(AuditVerification& v) : v_(v) {}
  void Add(int64_t sequence, std::string what) {
    if (v_.problems.size() < kMaxProblems)
      v_.problems.push_back({sequence, std::move(what)});
    else
      ++dropped_;
  }
  void Finish() {
    std::stable_sort(v_.problems.begin(), v_.problems.end(),
                     [](const AuditProblem& a, const AuditProblem& b) { return a.sequence < b.sequence; });
    if (dropped_ > 0)
      v_.problems.push_back({v_.lastSequence, std::to_string(dropped_) + " more problems were found and not listed"});
    v_.intact = v_.problems.empty();
  }

 private:
  AuditVerification& v_;
  int64_t dropped_ = 0;
};

}  // namespace

std::string AuditRecord::IsoTime() const {
  // Floor division, so times before 1970 still format (the seconds round down, the fraction stays positive).
  int64_t seconds = timeMicros / 1000000;
  int64_t micros = timeMicros % 1000000;
  if (micros < 0) {
    micros += 1000000;
    --seconds;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "1970-01-01T00:00:00.000000Z";
  char text[96];  // room for any int the compiler cannot rule out
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(micros));
  return text;
}

struct AuditTrail::Impl {
  Impl(SqlDatabase& database, AuditSigner key, int every)
      : db(database), signer(std::move(key)), checkpointEvery(every) {}

  // Caller holds mutex; runs inside the caller's transaction.
  AuditCheckpoint WriteCheckpoint(int64_t sequence, const std::string& hash) {
    AuditCheckpoint c;
    c.sequence = sequence;
    c.hash = hash;
    c.timeMicros = NowMicros();
    c.keyId = signer.KeyId();
    c.signature = signer.Sign(CheckpointMessage(c.sequence, c.hash, c.timeMicros));
    db.Run(std::string("INSERT INTO audit_checkpoints (") + kCheckpointColumns + ") VALUES (?, ?, ?, ?, ?)",
           {c.sequence, c.hash, c.timeMicros, c.keyId, c.signature});
    return c;
  }

  // Reads the head from the database; true when it moved (another writer appended). Caller holds mutex.
  bool ReloadHead() {
    try {
      const auto head = db.Run("SELECT sequence, hash FROM audit_records ORDER BY sequence DESC LIMIT 1");
      const auto checkpoint = db.Run("SELECT MAX(sequence) FROM audit_checkpoints");
      if (head.rows.empty() || head.rows.front().Int(0) == headSequence) return false;
      headSequence = head.rows.front().Int(0);
      headHash = head.rows.front().Text(1);
      if (!checkpoint.rows.empty()) lastCheckpoint = checkpoint.rows.front().Int(0);
      return true;
    } catch (const SqlError&) {
      return false;
    }
  }

  SqlDatabase& db;
  AuditSigner signer;
  int checkpointEvery;
  std::mutex mutex;  // serialises appends: the head must advance one record at a time
  int64_t headSequence = 0;
  std::string headHash = kZeroHash;
  int64_t lastCheckpoint = 0;
};

AuditTrail::AuditTrail(SqlDatabase& db, AuditSigner signer, int checkpointEvery)
    : impl_(std::make_unique<Impl>(db, std::move(signer), checkpointEvery > 0 ? checkpointEvery : 1000)) {
  try {
    db.Script(kSchema);
    const auto head = db.Run("SELECT sequence, hash FROM audit_records ORDER BY sequence DESC LIMIT 1");
    if (!head.rows.empty()) {
      impl_->headSequence = head.rows.front().Int(0);
      impl_->headHash = head.rows.front().Text(1);
    }
    const auto checkpoint = db.Run("SELECT MAX(sequence) FROM audit_checkpoints");
    if (!checkpoint.rows.empty()) impl_->lastCheckpoint = checkpoint.rows.front().Int(0);
  } catch (const SqlError& e) {
    throw AuditError(std::string("audit trail: cannot open the audit tables: ") + e.what());
  }
}

AuditTrail::~AuditTrail() = default;

AuditRecord AuditTrail::Append(const AuditEvent& event) {
  Impl& s = *impl_;
  const std::lock_guard<std::mutex> lock(s.mutex);
  for (int attempt = 1;; ++attempt) {
    AuditRecord r;
    r.sequence = s.headSequence + 1;
    r.timeMicros = NowMicros();
    r.event = event;
    r.previousHash = s.headHash;
    r.hash = ChainHash(r);
    const bool checkpoint = r.sequence % s.checkpointEvery == 0;
    try {
      const auto insert = [&] {
        s.db.Run(std::string("INSERT INTO audit_records (") + kRecordColumns +
                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 {r.sequence, r.timeMicros, event.actor, event.role, event.organisation, event.sourceAddress,
                  event.action, event.resource, event.studyUid, event.outcome, event.detail, r.previousHash, r.hash});
        if (checkpoint) s.WriteCheckpoint(r.sequence, r.hash);
      };
      // One statement commits on its own; a checkpoint must commit with the record it signs.
      if (checkpoint) {
        s.db.Transaction(insert);
      } else {
        insert();
      }
    } catch (const SqlError& e) {
      // Another process sharing the database (PostgreSQL scale-out) may have appended: the sequence number is then
      // taken. Continue the chain from the stored head; any other failure leaves the head where it was.
      if (attempt < kAppendAttempts && s.ReloadHead()) continue;
      throw AuditError("audit trail: cannot append record " + std::to_string(r.sequence) +
                       " (the action is not recorded; check the audit database): " + e.what());
    }
    s.headSequence = r.sequence;
    s.headHash = r.hash;
    if (checkpoint) s.lastCheckpoint = r.sequence;
    return r;
  }
}

std::optional<AuditCheckpoint> AuditTrail::Checkpoint() {
  Impl& s = *impl_;
  const std::lock_guard<std::mutex> lock(s.mutex);
  try {
    if (s.headSequence == 0) return std::nullopt;
    if (s.lastCheckpoint >= s.headSequence) {
      const auto r = s.db.Run(std::string("SELECT ") + kCheckpointColumns +
                              " FROM audit_checkpoints ORDER BY sequence DESC LIMIT 1");
      if (!r.rows.empty()) return CheckpointFrom(r.rows.front());
    }
    AuditCheckpoint c;
    s.db.Transaction([&] { c = s.WriteCheckpoint(s.headSequence, s.headHash); });
    s.lastCheckpoint = c.sequence;
    return c;
  } catch (const SqlError& e) {
    throw AuditError(std::string("audit trail: cannot write a checkpoint: ") + e.what());
  }
}

AuditVerification AuditTrail::Verify(const std::string& publicKeyPem) const {
  const std::string key = publicKeyPem.empty() ? impl_->signer.PublicKeyPem() : publicKeyPem;
  AuditVerification v;
  Problems problems(v);
  try {
    // Checkpoints first: one written while the records are read then covers records that exist, never "beyond".
    std::map<int64_t, AuditCheckpoint> checkpoints;
    for (auto& c : Checkpoints()) checkpoints.emplace(c.sequence, std::move(c));
    v.checkpoints = static_cast<int64_t>(checkpoints.size());
    for (const auto& [sequence, c] : checkpoints) {
      if (!VerifyAuditSignature(key, CheckpointMessage(c.sequence, c.hash, c.timeMicros), c.signature))
        problems.Add(sequence, BadSignature(sequence, c.keyId));
    }

    int64_t expected = 1;
    std::string previousHash = kZeroHash;
    for (int64_t after = INT64_MIN;;) {
      const auto page = impl_->db.Run(
          std::string("SELECT ") + kRecordColumns + " FROM audit_records WHERE sequence > ? ORDER BY sequence LIMIT ?",
          {after, kVerifyBatch});
      for (const auto& row : page.rows) {
        const AuditRecord r = RecordFrom(row);
        after = r.sequence;
        ++v.records;
        bool gap = false;
        if (r.sequence > expected) {
          problems.Add(expected, MissingRecords(expected, r.sequence - 1));
          for (auto it = checkpoints.lower_bound(expected); it != checkpoints.end() && it->first < r.sequence; ++it)
            problems.Add(it->first, MissingCheckpointRecord(it->first));
          gap = true;
        } else if (r.sequence < expected) {
          problems.Add(r.sequence, OutOfSequence(r.sequence, expected));
          gap = true;
        }
        if (ChainHash(r) != r.hash) {
          problems.Add(r.sequence, EditedRecord(r.sequence));
        } else if (!gap && r.previousHash != previousHash) {
          problems.Add(r.sequence, BrokenLink(r.sequence));
        }
        const auto c = checkpoints.find(r.sequence);
        if (c != checkpoints.end() && c->second.hash != r.hash)
          problems.Add(r.sequence, RewrittenCheckpoint(r.sequence));
        previousHash = r.hash;
        expected = r.sequence + 1;
        v.lastSequence = r.sequence;
      }
      if (static_cast<int64_t>(page.rows.size()) < kVerifyBatch) break;
    }

    if (!checkpoints.empty()) {
      const int64_t newest = checkpoints.rbegin()->first;
      v.lastCheckpointSequence = newest;
      if (newest > v.lastSequence)
        problems.Add(newest, "the trail ends at record " + std::to_string(v.lastSequence) + " but checkpoint " +
                                 std::to_string(newest) + " was signed: " + Range(v.lastSequence + 1, newest) +
                                 " removed");
    }
    v.uncheckpointedRecords = std::max<int64_t>(0, v.lastSequence - v.lastCheckpointSequence);
  } catch (const SqlError& e) {
    throw AuditError(std::string("audit trail: cannot read the trail to verify it: ") + e.what());
  }
  problems.Finish();
  return v;
}

std::vector<AuditRecord> AuditTrail::Query(const AuditQuery& query) const {
  std::string sql = std::string("SELECT ") + kRecordColumns + " FROM audit_records WHERE sequence > ?";
  std::vector<SqlValue> params{query.afterSequence};
  if (query.fromMicros > 0) {
    sql += " AND time_us >= ?";
    params.emplace_back(query.fromMicros);
  }
  if (query.toMicros > 0) {
    sql += " AND time_us <= ?";
    params.emplace_back(query.toMicros);
  }
  if (!query.actor.empty()) {
    sql += " AND actor = ?";
    params.emplace_back(query.actor);
  }
  if (!query.studyUid.empty()) {
    sql += " AND study_uid = ?";
    params.emplace_back(query.studyUid);
  }
  sql += " ORDER BY sequence LIMIT ?";
  params.emplace_back(static_cast<int64_t>(std::clamp(query.limit, 0, kMaxQueryLimit)));
  std::vector<AuditRecord> records;
  try {
    const auto r = impl_->db.Run(sql, params);
    records.reserve(r.rows.size());
    for (const auto& row : r.rows) records.push_back(RecordFrom(row));
  } catch (const SqlError& e) {
    throw AuditError(std::string("audit trail: cannot query the trail: ") + e.what());
  }
  return records;
}

std::vector<AuditCheckpoint> AuditTrail::Checkpoints() const {
  std::vector<AuditCheckpoint> out;
  try {
    const auto r =
        impl_->db.Run(std::string("SELECT ") + kCheckpointColumns + " FROM audit_checkpoints ORDER BY sequence");
    out.reserve(r.rows.size());
    for (const auto& row : r.rows) out.push_back(CheckpointFrom(row));
  } catch (const SqlError& e) {
    throw AuditError(std::string("audit trail: cannot read the checkpoints: ") + e.what());
  }
  return out;
}

std::string AuditTrail::PublicKeyPem() const {
  return impl_->signer.PublicKeyPem();
}

}  // namespace va::archive
