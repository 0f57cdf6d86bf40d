#include "StorageCatalog.h"

#include <atomic>
#include <chrono>
#include <ctime>

namespace va::archive::store {
namespace {

const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS objects (
  id TEXT PRIMARY KEY,
  content_type BIGINT NOT NULL,
  size BIGINT NOT NULL,
  stored_size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  stored_sha256 TEXT NOT NULL,
  key_id TEXT NOT NULL,
  wrapped_key TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_access_at BIGINT NOT NULL,
  retain_until BIGINT NOT NULL DEFAULT 0,
  sop_class TEXT NOT NULL DEFAULT '',
  sop_uid TEXT NOT NULL DEFAULT '',
  series_uid TEXT NOT NULL DEFAULT '',
  study_uid TEXT NOT NULL DEFAULT '',
  patient_id TEXT NOT NULL DEFAULT '',
  organisation TEXT NOT NULL DEFAULT '',
  copy_kind TEXT NOT NULL DEFAULT '',
  study_date BIGINT NOT NULL DEFAULT 0,
  removed_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS objects_study ON objects (study_uid);
CREATE INDEX IF NOT EXISTS objects_patient ON objects (organisation, patient_id);
CREATE INDEX IF NOT EXISTS objects_series ON objects (series_uid);
CREATE INDEX IF NOT EXISTS objects_sop ON objects (sop_uid);
CREATE INDEX IF NOT EXISTS objects_retention ON objects (retain_until);
CREATE INDEX IF NOT EXISTS objects_key ON objects (key_id);
CREATE TABLE IF NOT EXISTS copies (
  object_id TEXT NOT NULL,
  tier TEXT NOT NULL,
  state TEXT NOT NULL,
  verified_at BIGINT NOT NULL DEFAULT 0,
  checked_at BIGINT NOT NULL DEFAULT 0,
  failures BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  retain_applied BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (object_id, tier)
);
CREATE INDEX IF NOT EXISTS copies_state ON copies (state);
CREATE INDEX IF NOT EXISTS copies_checked ON copies (checked_at);
CREATE TABLE IF NOT EXISTS patients (
  organisation TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  last_visit BIGINT NOT NULL DEFAULT 0,
  retain_until BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (organisation, patient_id)
);
CREATE TABLE IF NOT EXISTS holds (
  id BIGINT PRIMARY KEY,
  level TEXT NOT NULL,
  uid TEXT NOT NULL,
  reason TEXT NOT NULL,
  author TEXT NOT NULL,
  set_at BIGINT NOT NULL,
  released_at BIGINT NOT NULL DEFAULT 0,
  release_reason TEXT NOT NULL DEFAULT '',
  released_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS holds_uid ON holds (uid);
CREATE TABLE IF NOT EXISTS events (
  id BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  object_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_object ON events (object_id, id);
CREATE TABLE IF NOT EXISTS creating (
  object_id TEXT NOT NULL,
  tier TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  PRIMARY KEY (object_id, tier)
)
)SQL";

const char* kObjectColumns =
    "o.id, o.content_type, o.size, o.stored_size, o.sha256, o.stored_sha256, o.key_id, o.wrapped_key, o.created_at, "
    "o.last_access_at, o.retain_until, o.sop_class, o.sop_uid, o.series_uid, o.study_uid, o.patient_id, "
    "o.organisation, o.copy_kind, o.study_date, o.removed_at";

const char* kCopyColumns =
    "c.object_id, c.tier, c.state, c.verified_at, c.checked_at, c.failures, c.next_attempt_at, c.last_error, "
    "c.retain_applied";

// Event IDs: microseconds, strictly increasing within the process; a collision with another process sharing the
// catalog is retried with a later ID.
int64_t NextEventId() {
  static std::atomic<int64_t> last{0};
  const int64_t clock =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  int64_t previous = last.load();
  int64_t next = 0;
  do {
    next = clock > previous ? clock : previous + 1;
  } while (!last.compare_exchange_weak(previous, next));
  return next;
}

}  // namespace

StorageCatalog::StorageCatalog(std::unique_ptr<SqlDatabase> db) : db_(std::move(db)) {
  db_->Script(kSchema);
}

const char* StorageCatalog::ObjectColumns() {
  return kObjectColumns;
}

ObjectRow StorageCatalog::ObjectFrom(const SqlRow& row) {
  ObjectRow o;
  o.id = row.Text(0);
  o.contentType = static_cast<int>(row.Int(1));
  o.size = static_cast<uint64_t>(row.Int(2));
  o.storedSize = static_cast<uint64_t>(row.Int(3));
  o.sha256 = row.Text(4);
  o.storedSha256 = row.Text(5);
  o.keyId = row.Text(6);
  o.wrappedKeyHex = row.Text(7);
  o.createdAt = row.Int(8);
  o.lastAccessAt = row.Int(9);
  o.retainUntil = row.Int(10);
  o.facts.sopClassUid = row.Text(11);
  o.facts.sopInstanceUid = row.Text(12);
  o.facts.seriesUid = row.Text(13);
  o.facts.studyUid = row.Text(14);
  o.facts.patientId = row.Text(15);
  o.facts.organisation = row.Text(16);
  o.facts.copyKind = row.Text(17);
  o.facts.studyDate = row.Int(18);
  o.removedAt = row.Int(19);
  return o;
}

std::vector<CopyRow> StorageCatalog::CopiesFrom(const SqlResult& result, size_t first) {
  std::vector<CopyRow> copies;
  for (const auto& row : result.rows) {
    CopyRow c;
    c.objectId = row.Text(first);
    c.tier = row.Text(first + 1);
    c.state = row.Text(first + 2);
    c.verifiedAt = row.Int(first + 3);
    c.checkedAt = row.Int(first + 4);
    c.failures = static_cast<int>(row.Int(first + 5));
    c.nextAttemptAt = row.Int(first + 6);
    c.lastError = row.Text(first + 7);
    c.retainApplied = row.Int(first + 8);
    copies.push_back(std::move(c));
  }
  return copies;
}

std::optional<ObjectRow> StorageCatalog::Object(const std::string& id) {
  const auto r = db_->Run(std::string("SELECT ") + kObjectColumns + " FROM objects o WHERE o.id = ?", {id});
  if (r.rows.empty()) return std::nullopt;
  return ObjectFrom(r.rows.front());
}

std::vector<ObjectRow> StorageCatalog::ObjectsAfter(const std::string& afterId, size_t limit) {
  const auto r = db_->Run(std::string("SELECT ") + kObjectColumns +
                              " FROM objects o WHERE o.id > ? AND o.removed_at = 0 ORDER BY o.id LIMIT ?",
                          {afterId, static_cast<int64_t>(limit)});
  std::vector<ObjectRow> out;
  for (const auto& row : r.rows) out.push_back(ObjectFrom(row));
  return out;
}

std::vector<ObjectRow> StorageCatalog::ObjectsOfStudy(const std::string& studyUid) {
  const auto r = db_->Run(std::string("SELECT ") + kObjectColumns +
                              " FROM objects o WHERE o.study_uid = ? AND o.removed_at = 0 ORDER BY o.id",
                          {studyUid});
  std::vector<ObjectRow> out;
  for (const auto& row : r.rows) out.push_back(ObjectFrom(row));
  return out;
}

void StorageCatalog::InsertObject(const ObjectRow& o) {
  db_->Run(
      "INSERT INTO objects (id, content_type, size, stored_size, sha256, stored_sha256, key_id, wrapped_key, "
      "created_at, last_access_at, retain_until, sop_class, sop_uid, series_uid, study_uid, patient_id, "
      "organisation, copy_kind, study_date, removed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?, 0)",
      {o.id, static_cast<int64_t>(o.contentType), static_cast<int64_t>(o.size), static_cast<int64_t>(o.storedSize),
       o.sha256, o.storedSha256, o.keyId, o.wrappedKeyHex, o.createdAt, o.lastAccessAt, o.retainUntil,
       o.facts.sopClassUid, o.facts.sopInstanceUid, o.facts.seriesUid, o.facts.studyUid, o.facts.patientId,
       o.facts.organisation, o.facts.copyKind, o.facts.studyDate});
}

std::vector<CopyRow> StorageCatalog::Copies(const std::string& objectId) {
  return CopiesFrom(
      db_->Run(std::string("SELECT ") + kCopyColumns + " FROM copies c WHERE c.object_id = ? ORDER BY c.tier",
               {objectId}),
      0);
}

std::optional<CopyRow> StorageCatalog::Copy(const std::string& objectId, const std::string& tier) {
  auto copies =
      CopiesFrom(db_->Run(std::string("SELECT ") + kCopyColumns + " FROM copies c WHERE c.object_id = ? AND c.tier = ?",
                          {objectId, tier}),
                 0);
  if (copies.empty()) return std::nullopt;
  return copies.front();
}

std::vector<CopyRow> StorageCatalog::CopiesInState(const std::string& state) {
  return CopiesFrom(
      db_->Run(std::string("SELECT ") + kCopyColumns + " FROM copies c WHERE c.state = ? ORDER BY c.object_id, c.tier",
               {state}),
      0);
}

void StorageCatalog::BeginCopy(const std::string& objectId, const std::string& tier, int64_t now) {
  db_->Run(
      "INSERT INTO copies (object_id, tier, state, next_attempt_at) VALUES (?, ?, 'writing', ?) "
      "ON CONFLICT (object_id, tier) DO UPDATE SET state = 'writing'",
      {objectId, tier, now});
}

void StorageCatalog::InsertVerifiedCopy(const std::string& objectId, const std::string& tier, int64_t now,
                                        int64_t retainApplied) {
  db_->Run(
      "INSERT INTO copies (object_id, tier, state, verified_at, checked_at, retain_applied) "
      "VALUES (?, ?, 'verified', ?, ?, ?)",
      {objectId, tier, now, now, retainApplied});
}

bool StorageCatalog::SetState(const std::string& objectId, const std::string& tier, const std::string& from,
                              const std::string& to, const std::string& lastError) {
  return db_->Run("UPDATE copies SET state = ?, last_error = ? WHERE object_id = ? AND tier = ? AND state = ?",
                  {to, lastError, objectId, tier, from})
             .changes > 0;
}

bool StorageCatalog::MarkVerified(const std::string& objectId, const std::string& tier, int64_t now,
                                  int64_t retainApplied) {
  return db_->Run(
                "UPDATE copies SET state = 'verified', verified_at = ?, checked_at = ?, failures = 0, "
                "next_attempt_at = 0, last_error = '', retain_applied = ? "
                "WHERE object_id = ? AND tier = ? AND state = 'writing'",
                {now, now, retainApplied, objectId, tier})
             .changes > 0;
}

void StorageCatalog::MarkFailed(const std::string& objectId, const std::string& tier, int failures,
                                int64_t nextAttemptAt, const std::string& error) {
  db_->Run(
      "UPDATE copies SET state = 'failed', failures = ?, next_attempt_at = ?, last_error = ? "
      "WHERE object_id = ? AND tier = ? AND state = 'writing'",
      {static_cast<int64_t>(failures), nextAttemptAt, error.substr(0, 1000), objectId, tier});
}

void StorageCatalog::MarkChecked(const std::string& objectId, const std::string& tier, int64_t now) {
  db_->Run(
      "UPDATE copies SET checked_at = ?, failures = 0, last_error = '' WHERE object_id = ? AND tier = ? AND "
      "state = 'verified'",
      {now, objectId, tier});
}

void StorageCatalog::SetRetainApplied(const std::string& objectId, const std::string& tier, int64_t retainUntil) {
  db_->Run("UPDATE copies SET retain_applied = ? WHERE object_id = ? AND tier = ? AND retain_applied < ?",
           {retainUntil, objectId, tier, retainUntil});
}

void StorageCatalog::DeferFree(const std::string& objectId, const std::string& tier, int64_t nextAttemptAt,
                               const std::string& error) {
  db_->Run("UPDATE copies SET next_attempt_at = ?, last_error = ? WHERE object_id = ? AND tier = ?",
           {nextAttemptAt, error.substr(0, 1000), objectId, tier});
}

void StorageCatalog::DeleteCopy(const std::string& objectId, const std::string& tier) {
  db_->Run("DELETE FROM copies WHERE object_id = ? AND tier = ?", {objectId, tier});
}

void StorageCatalog::BeginCreate(const std::string& objectId, const std::string& tier, int64_t now) {
  db_->Run(
      "INSERT INTO creating (object_id, tier, started_at) VALUES (?, ?, ?) "
      "ON CONFLICT (object_id, tier) DO UPDATE SET started_at = excluded.started_at",
      {objectId, tier, now});
}

bool StorageCatalog::EndCreate(const std::string& objectId, const std::string& tier) {
  return db_->Run("DELETE FROM creating WHERE object_id = ? AND tier = ?", {objectId, tier}).changes > 0;
}

std::vector<CreateIntent> StorageCatalog::CreateIntents() {
  const auto r = db_->Run("SELECT object_id, tier, started_at FROM creating ORDER BY object_id, tier");
  std::vector<CreateIntent> out;
  for (const auto& row : r.rows) out.push_back({row.Text(0), row.Text(1), row.Int(2)});
  return out;
}

void StorageCatalog::LogEvent(const std::string& objectId, const std::string& kind, const std::string& detail,
                              int64_t now) {
  for (int attempt = 0;; ++attempt) {
    try {
      db_->Run("INSERT INTO events (id, at, object_id, kind, detail) VALUES (?, ?, ?, ?, ?)",
               {NextEventId(), now, objectId, kind, detail.substr(0, 2000)});
      return;
    } catch (const SqlError&) {
      if (attempt >= 2) throw;  // not an ID collision
    }
  }
}

std::string ToHex(const std::string& raw) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (const char c : raw) {
    const auto b = static_cast<unsigned char>(c);
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string FromHex(const std::string& hex) {
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) throw SqlError("catalog: malformed hex value");
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = value(hex[i]);
    const int lo = value(hex[i + 1]);
    if (hi < 0 || lo < 0) throw SqlError("catalog: malformed hex value");
    out += static_cast<char>((hi << 4) | lo);
  }
  return out;
}

std::string Cat(std::initializer_list<std::string_view> parts) {
  size_t size = 0;
  for (const auto part : parts) size += part.size();
  std::string out;
  out.reserve(size);
  for (const auto part : parts) out.append(part);
  return out;
}

std::string FormatDate(int64_t unixSeconds) {
  const auto t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[16];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d", &tm);
  return buffer;
}

}  // namespace va::archive::store
