// The catalog: which archival work is due, what became of it, and which derived object came from which source.
// SQLite embedded (WAL, synchronous=FULL): a task recorded here survives a crash or kill -9 of the process.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;

namespace va::archive {

class CatalogError : public std::runtime_error {
 public:
  explicit CatalogError(const std::string& reason) : std::runtime_error(reason) {}
};

enum class TaskState { Pending, Running, Done, Failed, Skipped };
const char* ToString(TaskState state);
TaskState TaskStateFromString(const std::string& text);

struct Task {
  std::string sourceId;  // the source's identifier in the host (Orthanc instance ID)
  std::string sourceSopUid;
  TaskState state = TaskState::Pending;
  int attempts = 0;         // how many times a run started (a crash mid-run counts)
  std::string reason;       // why it failed or was skipped; what it did when done
  std::string jobId;        // the host's job ID of the last run
  std::string derivedId;    // the derived object's host ID when done
  std::string qualityJson;  // quality figures of the derived object (JSON text)
  int64_t createdAt = 0;    // unix seconds
  int64_t updatedAt = 0;
};

struct DerivedLink {
  std::string derivedSopUid;
  std::string derivedId;  // empty until stored
  std::string sourceId;
  std::string sourceSopUid;
  std::string qualityJson;
  bool gatePassed = false;
  bool sourceDeleted = false;
};

// Which record a watermark ID was written for (the watermark carries only the 64-bit ID).
struct WatermarkRecord {
  uint64_t archiveId = 0;
  std::string sopInstanceUid;  // the instance the mark was written into
  std::string studyInstanceUid;
  std::string kind;          // "archival" or "deidentified"
  std::string sourceSopUid;  // the instance it was made from
  int64_t createdAt = 0;
};

// How archive IDs are shown and stored: 16 lowercase hex digits.
std::string HexArchiveId(uint64_t id);

class Catalog {
 public:
  // Opens (creating when needed) the SQLite database at path.
  explicit Catalog(const std::string& path);
  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // Records that a source needs archiving. Idempotent: returns false when the task already exists.
  bool Enqueue(const std::string& sourceId, const std::string& sourceSopUid);

  // Re-arms a task that ended (failed/done/skipped) so it runs again; returns false when it does not exist.
  bool Requeue(const std::string& sourceId);

  // At start-up: tasks left Running by a crash go back to Pending, unless they already started maxAttempts times,
  // in which case they fail visibly (a source that kills the process must not do so forever). Returns how many
  // were re-armed.
  int RecoverInterrupted(int maxAttempts);

  // Pending tasks, oldest first.
  std::vector<Task> Pending(int limit = 1000) const;

  // Pending -> Running, attempts + 1. Returns false when the task is not pending (someone else took it).
  bool MarkRunning(const std::string& sourceId, const std::string& jobId);
  void SetJobId(const std::string& sourceId, const std::string& jobId);
  void MarkDone(const std::string& sourceId, const std::string& derivedId, const std::string& qualityJson,
                const std::string& summary);
  void MarkFailed(const std::string& sourceId, const std::string& reason);
  void MarkSkipped(const std::string& sourceId, const std::string& reason);
  // A run that was paused (by a user, or because the host is stopping) stays Running and owned by its job, but the
  // pause does not count against the crash budget; MarkResumed counts the run again when the job continues.
  // After a restart, RecoverInterrupted re-arms it like any interrupted run.
  void MarkPaused(const std::string& sourceId);
  void MarkResumed(const std::string& sourceId);
  // The host is stopping cleanly: every run still in progress was interrupted, not crashed.
  void PauseAllRunning();

  std::optional<Task> Get(const std::string& sourceId) const;
  std::vector<Task> List(const std::string& stateFilter, int limit, int offset) const;  // "" = all states
  int Count(TaskState state) const;

  // Derived objects are recorded before they are handed to the host, so that the host's "new instance" event for
  // them is recognised and never archived again.
  void RecordDerived(const DerivedLink& link);
  void SetDerivedStored(const std::string& derivedSopUid, const std::string& derivedId);
  void SetSourceDeleted(const std::string& derivedSopUid);
  bool IsDerived(const std::string& sopUid) const;
  std::optional<DerivedLink> FindDerivedBySource(const std::string& sourceId) const;
  std::optional<DerivedLink> FindDerivedById(const std::string& derivedId) const;

  // The watermark registry. Recording an ID twice for a different instance throws: IDs are unique.
  void RecordWatermark(const WatermarkRecord& record);
  std::optional<WatermarkRecord> FindWatermark(uint64_t archiveId) const;
  std::vector<WatermarkRecord> WatermarksOfStudy(const std::string& studyUid) const;

 private:
  sqlite3* db_ = nullptr;
  mutable std::mutex mutex_;
};

}  // namespace va::archive
