#include "va/archive/Catalog.h"

#include <sqlite3.h>

#include <cstdio>
#include <ctime>

#include "SqliteDatabase.h"
#include "SqliteStatement.h"

namespace va::archive {

namespace {

constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS tasks (
  source_id      TEXT PRIMARY KEY,
  source_sop_uid TEXT NOT NULL,
  state          TEXT NOT NULL,
  attempts       INTEGER NOT NULL DEFAULT 0,
  reason         TEXT NOT NULL DEFAULT '',
  job_id         TEXT NOT NULL DEFAULT '',
  derived_id     TEXT NOT NULL DEFAULT '',
  quality_json   TEXT NOT NULL DEFAULT '',
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_state ON tasks(state, created_at);
CREATE TABLE IF NOT EXISTS derived (
  derived_sop_uid TEXT PRIMARY KEY,
  derived_id      TEXT NOT NULL DEFAULT '',
  source_id       TEXT NOT NULL,
  source_sop_uid  TEXT NOT NULL,
  quality_json    TEXT NOT NULL DEFAULT '',
  gate_passed     INTEGER NOT NULL DEFAULT 0,
  source_deleted  INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS derived_source ON derived(source_id);
CREATE INDEX IF NOT EXISTS derived_id ON derived(derived_id);
CREATE TABLE IF NOT EXISTS watermarks (
  archive_id     TEXT PRIMARY KEY,
  sop_uid        TEXT NOT NULL,
  study_uid      TEXT NOT NULL,
  kind           TEXT NOT NULL,
  source_sop_uid TEXT NOT NULL DEFAULT '',
  created_at     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS watermarks_study ON watermarks(study_uid);
)SQL";

constexpr const char* kTaskColumns =
    "source_id, source_sop_uid, state, attempts, reason, job_id, derived_id, quality_json, created_at, updated_at";
constexpr const char* kDerivedColumns =
    "derived_sop_uid, derived_id, source_id, source_sop_uid, quality_json, gate_passed, source_deleted";

int64_t Now() {
  return static_cast<int64_t>(std::time(nullptr));
}

Task ReadTask(const Statement& s) {
  Task t;
  t.sourceId = s.Text(0);
  t.sourceSopUid = s.Text(1);
  t.state = TaskStateFromString(s.Text(2));
  t.attempts = static_cast<int>(s.Int(3));
  t.reason = s.Text(4);
  t.jobId = s.Text(5);
  t.derivedId = s.Text(6);
  t.qualityJson = s.Text(7);
  t.createdAt = s.Int(8);
  t.updatedAt = s.Int(9);
  return t;
}

DerivedLink ReadLink(const Statement& s) {
  DerivedLink l;
  l.derivedSopUid = s.Text(0);
  l.derivedId = s.Text(1);
  l.sourceId = s.Text(2);
  l.sourceSopUid = s.Text(3);
  l.qualityJson = s.Text(4);
  l.gatePassed = s.Int(5) != 0;
  l.sourceDeleted = s.Int(6) != 0;
  return l;
}

constexpr const char* kWatermarkColumns = "archive_id, sop_uid, study_uid, kind, source_sop_uid, created_at";

WatermarkRecord ReadWatermark(const Statement& s) {
  WatermarkRecord w;
  w.archiveId = std::stoull(s.Text(0), nullptr, 16);
  w.sopInstanceUid = s.Text(1);
  w.studyInstanceUid = s.Text(2);
  w.kind = s.Text(3);
  w.sourceSopUid = s.Text(4);
  w.createdAt = s.Int(5);
  return w;
}

}  // namespace

// Hex, not an integer column: SQLite integers are signed, and the ID is read by people.
std::string HexArchiveId(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
  return buf;
}

const char* ToString(TaskState state) {
  switch (state) {
    case TaskState::Pending: return "pending";
    case TaskState::Running: return "running";
    case TaskState::Done: return "done";
    case TaskState::Failed: return "failed";
    case TaskState::Skipped: return "skipped";
  }
  return "unknown";
}

TaskState TaskStateFromString(const std::string& text) {
  if (text == "pending") return TaskState::Pending;
  if (text == "running") return TaskState::Running;
  if (text == "done") return TaskState::Done;
  if (text == "failed") return TaskState::Failed;
  if (text == "skipped") return TaskState::Skipped;
  throw CatalogError("catalog: unknown task state '" + text + "'");
}

Catalog::Catalog(const std::string& path) {
  db_ = OpenDatabase(path, kSchema, "catalog");
}

Catalog::~Catalog() {
  sqlite3_close(db_);
}

bool Catalog::Enqueue(const std::string& sourceId, const std::string& sourceSopUid) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_,
              "INSERT OR IGNORE INTO tasks (source_id, source_sop_uid, state, created_at, updated_at) "
              "VALUES (?1, ?2, 'pending', ?3, ?3)");
  s.Bind(1, sourceId).Bind(2, sourceSopUid).Bind(3, Now()).Run();
  return sqlite3_changes(db_) > 0;
}

bool Catalog::Requeue(const std::string& sourceId) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_,
              "UPDATE tasks SET state='pending', attempts=0, reason='', updated_at=?2 "
              "WHERE source_id=?1 AND state IN ('failed','done','skipped')");
  s.Bind(1, sourceId).Bind(2, Now()).Run();
  return sqlite3_changes(db_) > 0;
}

int Catalog::RecoverInterrupted(int maxAttempts) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement fail(db_,
                 "UPDATE tasks SET state='failed', updated_at=?2, reason='the process stopped during each of ' || "
                 "attempts || ' attempts (crash or kill); not retried automatically' "
                 "WHERE state='running' AND attempts>=?1");
  fail.Bind(1, static_cast<int64_t>(maxAttempts)).Bind(2, Now()).Run();
  Statement rearm(db_, "UPDATE tasks SET state='pending', updated_at=?1 WHERE state='running'");
  rearm.Bind(1, Now()).Run();
  return sqlite3_changes(db_);
}

std::vector<Task> Catalog::Pending(int limit) const {
  return List("pending", limit, 0);
}

bool Catalog::MarkRunning(const std::string& sourceId, const std::string& jobId) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_,
              "UPDATE tasks SET state='running', attempts=attempts+1, reason='', updated_at=?3, "
              "job_id=CASE WHEN ?2='' THEN job_id ELSE ?2 END "
              "WHERE source_id=?1 AND state='pending'");
  s.Bind(1, sourceId).Bind(2, jobId).Bind(3, Now()).Run();
  return sqlite3_changes(db_) > 0;
}

void Catalog::SetJobId(const std::string& sourceId, const std::string& jobId) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "UPDATE tasks SET job_id=?2 WHERE source_id=?1");
  s.Bind(1, sourceId).Bind(2, jobId).Run();
}

void Catalog::MarkDone(const std::string& sourceId, const std::string& derivedId, const std::string& qualityJson,
                       const std::string& summary) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_,
              "UPDATE tasks SET state='done', derived_id=?2, quality_json=?3, reason=?4, updated_at=?5 "
              "WHERE source_id=?1");
  s.Bind(1, sourceId).Bind(2, derivedId).Bind(3, qualityJson).Bind(4, summary).Bind(5, Now()).Run();
}

void Catalog::MarkFailed(const std::string& sourceId, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "UPDATE tasks SET state='failed', reason=?2, updated_at=?3 WHERE source_id=?1");
  s.Bind(1, sourceId).Bind(2, reason).Bind(3, Now()).Run();
}

void Catalog::MarkSkipped(const std::string& sourceId, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "UPDATE tasks SET state='skipped', reason=?2, updated_at=?3 WHERE source_id=?1");
  s.Bind(1, sourceId).Bind(2, reason).Bind(3, Now()).Run();
}

void Catalog::MarkPaused(const std::string& sourceId) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "UPDATE tasks SET attempts=MAX(attempts-1,0), updated_at=?2 WHERE source_id=?1 AND state='running'");
  s.Bind(1, sourceId).Bind(2, Now()).Run();
}

void Catalog::PauseAllRunning() {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "UPDATE tasks SET attempts=MAX(attempts-1,0), updated_at=?1 WHERE state='running'");
  s.Bind(1, Now()).Run();
}

void Catalog::MarkResumed(const std::string& sourceId) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "UPDATE tasks SET attempts=attempts+1, updated_at=?2 WHERE source_id=?1 AND state='running'");
  s.Bind(1, sourceId).Bind(2, Now()).Run();
}

std::optional<Task> Catalog::Get(const std::string& sourceId) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, (std::string("SELECT ") + kTaskColumns + " FROM tasks WHERE source_id=?1").c_str());
  s.Bind(1, sourceId);
  if (!s.Step()) return std::nullopt;
  return ReadTask(s);
}

std::vector<Task> Catalog::List(const std::string& stateFilter, int limit, int offset) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string sql = std::string("SELECT ") + kTaskColumns + " FROM tasks WHERE (?1='' OR state=?1) " +
                          "ORDER BY created_at, rowid LIMIT ?2 OFFSET ?3";
  Statement s(db_, sql.c_str());
  s.Bind(1, stateFilter).Bind(2, static_cast<int64_t>(limit)).Bind(3, static_cast<int64_t>(offset));
  std::vector<Task> tasks;
  while (s.Step()) tasks.push_back(ReadTask(s));
  return tasks;
}

int Catalog::Count(TaskState state) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "SELECT COUNT(*) FROM tasks WHERE state=?1");
  s.Bind(1, std::string(ToString(state)));
  s.Step();
  return static_cast<int>(s.Int(0));
}

void Catalog::RecordDerived(const DerivedLink& link) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_,
              "INSERT OR REPLACE INTO derived (derived_sop_uid, derived_id, source_id, source_sop_uid, quality_json, "
              "gate_passed, source_deleted, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  s.Bind(1, link.derivedSopUid)
      .Bind(2, link.derivedId)
      .Bind(3, link.sourceId)
      .Bind(4, link.sourceSopUid)
      .Bind(5, link.qualityJson)
      .Bind(6, static_cast<int64_t>(link.gatePassed))
      .Bind(7, static_cast<int64_t>(link.sourceDeleted))
      .Bind(8, Now())
      .Run();
}

void Catalog::SetDerivedStored(const std::string& derivedSopUid, const std::string& derivedId) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "UPDATE derived SET derived_id=?2 WHERE derived_sop_uid=?1");
  s.Bind(1, derivedSopUid).Bind(2, derivedId).Run();
}

void Catalog::SetSourceDeleted(const std::string& derivedSopUid) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "UPDATE derived SET source_deleted=1 WHERE derived_sop_uid=?1");
  s.Bind(1, derivedSopUid).Run();
}

bool Catalog::IsDerived(const std::string& sopUid) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "SELECT 1 FROM derived WHERE derived_sop_uid=?1");
  s.Bind(1, sopUid);
  return s.Step();
}

std::optional<DerivedLink> Catalog::FindDerivedBySource(const std::string& sourceId) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, (std::string("SELECT ") + kDerivedColumns +
                    " FROM derived WHERE source_id=?1 AND derived_id<>'' ORDER BY created_at DESC LIMIT 1")
                       .c_str());
  s.Bind(1, sourceId);
  if (!s.Step()) return std::nullopt;
  return ReadLink(s);
}

std::optional<DerivedLink> Catalog::FindDerivedById(const std::string& derivedId) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, (std::string("SELECT ") + kDerivedColumns + " FROM derived WHERE derived_id=?1").c_str());
  s.Bind(1, derivedId);
  if (!s.Step()) return std::nullopt;
  return ReadLink(s);
}

void Catalog::RecordWatermark(const WatermarkRecord& w) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement existing(db_, "SELECT sop_uid FROM watermarks WHERE archive_id=?1");
  existing.Bind(1, HexArchiveId(w.archiveId));
  if (existing.Step()) {
    if (existing.Text(0) == w.sopInstanceUid) return;  // a job that ran again after a crash
    throw CatalogError("catalog: watermark ID " + HexArchiveId(w.archiveId) + " is already recorded for instance " +
                       existing.Text(0));
  }
  Statement s(
      db_, (std::string("INSERT INTO watermarks (") + kWatermarkColumns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)").c_str());
  s.Bind(1, HexArchiveId(w.archiveId))
      .Bind(2, w.sopInstanceUid)
      .Bind(3, w.studyInstanceUid)
      .Bind(4, w.kind)
      .Bind(5, w.sourceSopUid)
      .Bind(6, w.createdAt ? w.createdAt : Now())
      .Run();
}

std::optional<WatermarkRecord> Catalog::FindWatermark(uint64_t archiveId) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, (std::string("SELECT ") + kWatermarkColumns + " FROM watermarks WHERE archive_id=?1").c_str());
  s.Bind(1, HexArchiveId(archiveId));
  if (!s.Step()) return std::nullopt;
  return ReadWatermark(s);
}

std::vector<WatermarkRecord> Catalog::WatermarksOfStudy(const std::string& studyUid) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(
      db_,
      (std::string("SELECT ") + kWatermarkColumns + " FROM watermarks WHERE study_uid=?1 ORDER BY created_at").c_str());
  s.Bind(1, studyUid);
  std::vector<WatermarkRecord> out;
  while (s.Step()) out.push_back(ReadWatermark(s));
  return out;
}

}  // namespace va::archive
