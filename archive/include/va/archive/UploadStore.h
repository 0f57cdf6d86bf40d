// Resumable uploads staged on disk: the bytes of each upload in its own file, its durable state (offset, metadata,
// ingest progress) in SQLite (WAL, synchronous=FULL). Bytes are written as they arrive, never held whole in
// memory; the offset recorded here only ever covers bytes that were flushed to disk first, so a crash or kill -9
// loses at most the bytes after the last checkpoint, and the client resumes from the offset it is told.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;

namespace va::archive {

class Sha256;

enum class UploadState {
  Receiving,  // bytes still arriving
  Complete,   // all bytes here, waiting for the ingest job
  Ingesting,  // a job is turning it into DICOM
  Done,       // ingested; resultJson says what was made
  Failed      // ingest failed; reason says why
};
const char* ToString(UploadState state);
UploadState UploadStateFromString(const std::string& text);

// Why a request on an upload cannot proceed; the host maps it to its protocol's status.
class UploadError : public std::runtime_error {
 public:
  enum class Kind { NotFound, OffsetConflict, Busy, NotReceiving, ChecksumMismatch, TooLarge, NoSpace, Io };
  UploadError(Kind kind, const std::string& reason) : std::runtime_error(reason), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

struct Upload {
  std::string id;
  std::string kind;  // "tus" or "stow"
  int64_t length = 0;
  int64_t offset = 0;       // durable bytes
  std::string rawMetadata;  // as the client sent it (tus Upload-Metadata), returned on status requests
  std::string recordJson;   // the validated procedure record, in the host's JSON form
  UploadState state = UploadState::Receiving;
  int attempts = 0;  // ingest runs started
  std::string jobId;
  std::string reason;      // failure reason
  std::string resultJson;  // what the ingest made
  int64_t createdAt = 0;
  int64_t updatedAt = 0;
  int64_t expiresAt = 0;  // an upload still Receiving at this time is deleted
};

class UploadStore {
 public:
  // directory holds uploads.sqlite and one <id>.part file per upload; created when needed.
  explicit UploadStore(const std::string& directory);
  ~UploadStore();
  UploadStore(const UploadStore&) = delete;
  UploadStore& operator=(const UploadStore&) = delete;

  // Records a new upload and creates its empty data file. Refuses (NoSpace) when the disk cannot hold length bytes
  // plus a margin. Returns the new ID (32 hex digits).
  std::string Create(const std::string& kind, int64_t length, const std::string& rawMetadata,
                     const std::string& recordJson, int64_t expiresAt);

  // Records a file that arrived whole by another route (a STOW-RS bulkdata part staged by the caller in
  // StagingPath()): it is moved into the store and the upload is Complete at once.
  std::string Adopt(const std::string& kind, const std::string& stagedPath, const std::string& rawMetadata,
                    const std::string& recordJson);
  std::string StagingPath() const;  // a fresh file name in the store's folder for Adopt

  std::optional<Upload> Get(const std::string& id) const;
  std::vector<Upload> List(int limit) const;
  std::string DataPath(const std::string& id) const;

  // One append request (a tus PATCH). Bytes go straight to the file. Without an expected checksum, progress is
  // made durable every checkpointBytes and when the request ends early (the client disconnected), so a resumed
  // upload continues from there. With a checksum, nothing of the request counts until Commit verified it.
  class Appender {
   public:
    ~Appender();  // without Commit: keeps the flushed bytes (no checksum) or rolls back (checksum)
    Appender(const Appender&) = delete;
    Appender& operator=(const Appender&) = delete;
    void Write(const void* data, size_t size);  // throws UploadError TooLarge past the announced length, Io
    // Ends the request: flushes, checks the digest (raw bytes; empty = none), records the new offset.
    // A mismatch rolls the file back to the request's start and throws ChecksumMismatch. Returns the new offset.
    int64_t Commit(const std::string& expectedSha256);
    int64_t offset() const { return offset_; }

   private:
    friend class UploadStore;
    Appender(UploadStore& store, std::string id, int fd, int64_t start, int64_t length, bool checksummed,
             int64_t checkpointBytes);
    void Checkpoint();
    void Release();
    UploadStore& store_;
    std::string id_;
    int fd_;
    int64_t start_;
    int64_t offset_;
    int64_t durable_;
    int64_t length_;
    bool checksummed_;
    int64_t checkpointBytes_;
    std::unique_ptr<Sha256> sha_;
    bool done_ = false;
  };

  // Starts an append at clientOffset, which must equal the durable offset (else OffsetConflict, as tus demands).
  // One append per upload at a time (Busy). The file is cut back to the durable offset first: bytes written after
  // the last checkpoint by a process that died are not trusted. extendExpiryTo > 0 moves the expiry.
  std::unique_ptr<Appender> BeginAppend(const std::string& id, int64_t clientOffset, bool checksummed,
                                        int64_t extendExpiryTo, int64_t checkpointBytes = 64 << 20);

  // Ingest bookkeeping.
  std::vector<Upload> PendingIngest() const;                            // Complete, oldest first
  bool MarkIngesting(const std::string& id, const std::string& jobId);  // Complete -> Ingesting, attempts + 1
  void MarkIngested(const std::string& id, const std::string& resultJson);
  void MarkFailed(const std::string& id, const std::string& reason);
  bool Requeue(const std::string& id);      // Failed -> Complete (data file still there)
  int RecoverInterrupted(int maxAttempts);  // Ingesting -> Complete (or Failed past maxAttempts)
  void SetRecordJson(const std::string& id, const std::string& recordJson);

  // Removes the upload and its data (tus termination). Refused (Busy) while it is appended to or ingested.
  void Delete(const std::string& id);
  void DeleteData(const std::string& id);  // the staged bytes only (after a successful ingest)
  // Deletes uploads still Receiving whose expiry passed; returns their IDs.
  std::vector<std::string> ExpireDue(int64_t now);

 private:
  void SetOffset(const std::string& id, int64_t offset, UploadState state);
  void EndAppend(const std::string& id);
  Upload Read(const std::string& id) const;  // throws NotFound

  std::string directory_;
  sqlite3* db_ = nullptr;
  mutable std::mutex mutex_;
  std::set<std::string> appending_;
};

}  // namespace va::archive
