#include "va/archive/UploadStore.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "SqliteDatabase.h"
#include "SqliteStatement.h"
#include "va/archive/Sha256.h"

namespace va::archive {

namespace {

constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS uploads (
  id           TEXT PRIMARY KEY,
  kind         TEXT NOT NULL,
  length       INTEGER NOT NULL,
  offset       INTEGER NOT NULL DEFAULT 0,
  raw_metadata TEXT NOT NULL DEFAULT '',
  record_json  TEXT NOT NULL DEFAULT '',
  state        TEXT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  job_id       TEXT NOT NULL DEFAULT '',
  reason       TEXT NOT NULL DEFAULT '',
  result_json  TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_state ON uploads(state, created_at);
)SQL";

constexpr const char* kColumns =
    "id, kind, length, offset, raw_metadata, record_json, state, attempts, job_id, reason, result_json, created_at, "
    "updated_at, expires_at";

// Room kept free beside an upload, so that the ingest (which writes DICOM copies) does not fill the disk.
constexpr int64_t kSpaceMargin = 256LL << 20;

int64_t Now() {
  return static_cast<int64_t>(std::time(nullptr));
}

Upload ReadRow(const Statement& s) {
  Upload u;
  u.id = s.Text(0);
  u.kind = s.Text(1);
  u.length = s.Int(2);
  u.offset = s.Int(3);
  u.rawMetadata = s.Text(4);
  u.recordJson = s.Text(5);
  u.state = UploadStateFromString(s.Text(6));
  u.attempts = static_cast<int>(s.Int(7));
  u.jobId = s.Text(8);
  u.reason = s.Text(9);
  u.resultJson = s.Text(10);
  u.createdAt = s.Int(11);
  u.updatedAt = s.Int(12);
  u.expiresAt = s.Int(13);
  return u;
}

std::string NewId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw UploadError(UploadError::Kind::Io, "no random bytes for an ID");
  return Sha256::Hex(std::string(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

bool ValidId(const std::string& id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

void SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

const char* ToString(UploadState state) {
  switch (state) {
    case UploadState::Receiving: return "Receiving";
    case UploadState::Complete: return "Complete";
    case UploadState::Ingesting: return "Ingesting";
    case UploadState::Done: return "Done";
    case UploadState::Failed: return "Failed";
  }
  return "Failed";
}

UploadState UploadStateFromString(const std::string& text) {
  for (UploadState s : {UploadState::Receiving, UploadState::Complete, UploadState::Ingesting, UploadState::Done,
                        UploadState::Failed}) {
    if (text == ToString(s)) return s;
  }
  throw CatalogError("uploads: unknown state '" + text + "'");
}

UploadStore::UploadStore(const std::string& directory) : directory_(directory) {
  std::filesystem::create_directories(directory_);
  const std::string path = directory_ + "/uploads.sqlite";
  db_ = OpenDatabase(path, kSchema, "uploads");
  // No request is in flight yet: staged STOW-RS bodies left here belong to requests that died with the process.
  for (const auto& entry : std::filesystem::directory_iterator(directory_)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("incoming-", 0) == 0) {
      std::error_code ignored;
      std::filesystem::remove(entry.path(), ignored);
    }
  }
}

UploadStore::~UploadStore() {
  sqlite3_close(db_);
}

std::string UploadStore::DataPath(const std::string& id) const {
  if (!ValidId(id)) throw UploadError(UploadError::Kind::NotFound, "no upload with ID '" + id + "'");
  return directory_ + "/" + id + ".part";
}

std::string UploadStore::Create(const std::string& kind, int64_t length, const std::string& rawMetadata,
                                const std::string& recordJson, int64_t expiresAt) {
  std::error_code ec;
  const auto space = std::filesystem::space(directory_, ec);
  if (!ec && static_cast<int64_t>(space.available) < length + kSpaceMargin) {
    throw UploadError(UploadError::Kind::NoSpace, "the staging disk has " + std::to_string(space.available >> 20) +
                                                      " MiB free; this upload needs " +
                                                      std::to_string((length + kSpaceMargin) >> 20) + " MiB");
  }
  std::string id = NewId();
  const std::string path = DataPath(id);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) throw UploadError(UploadError::Kind::Io, Errno("cannot create " + path));
  ::fsync(fd);
  ::close(fd);
  SyncDirectory(directory_);
  const int64_t now = Now();
  std::lock_guard<std::mutex> lock(mutex_);
  Statement(db_,
            "INSERT INTO uploads (id, kind, length, offset, raw_metadata, record_json, state, created_at, updated_at, "
            "expires_at) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7, ?7, ?8)")
      .Bind(1, id)
      .Bind(2, kind)
      .Bind(3, length)
      .Bind(4, rawMetadata)
      .Bind(5, recordJson)
      .Bind(6, std::string(ToString(length == 0 ? UploadState::Complete : UploadState::Receiving)))
      .Bind(7, now)
      .Bind(8, expiresAt)
      .Run();
  return id;
}

std::string UploadStore::StagingPath() const {
  return directory_ + "/incoming-" + NewId() + ".tmp";
}

std::string UploadStore::Adopt(const std::string& kind, const std::string& stagedPath, const std::string& rawMetadata,
                               const std::string& recordJson) {
  std::error_code ec;
  const auto size = static_cast<int64_t>(std::filesystem::file_size(stagedPath, ec));
  if (ec) throw UploadError(UploadError::Kind::Io, "cannot read the staged file " + stagedPath + ": " + ec.message());
  std::string id = NewId();
  std::filesystem::rename(stagedPath, DataPath(id), ec);
  if (ec) throw UploadError(UploadError::Kind::Io, "cannot move the staged file into the store: " + ec.message());
  SyncDirectory(directory_);
  const int64_t now = Now();
  std::lock_guard<std::mutex> lock(mutex_);
  Statement(db_,
            "INSERT INTO uploads (id, kind, length, offset, raw_metadata, record_json, state, created_at, updated_at, "
            "expires_at) VALUES (?1, ?2, ?3, ?3, ?4, ?5, 'Complete', ?6, ?6, 0)")
      .Bind(1, id)
      .Bind(2, kind)
      .Bind(3, size)
      .Bind(4, rawMetadata)
      .Bind(5, recordJson)
      .Bind(6, now)
      .Run();
  return id;
}

Upload UploadStore::Read(const std::string& id) const {
  auto u = Get(id);
  if (!u) throw UploadError(UploadError::Kind::NotFound, "no upload with ID '" + id + "'");
  return *u;
}

std::optional<Upload> UploadStore::Get(const std::string& id) const {
  if (!ValidId(id)) return std::nullopt;
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, (std::string("SELECT ") + kColumns + " FROM uploads WHERE id = ?1").c_str());
  s.Bind(1, id);
  if (!s.Step()) return std::nullopt;
  return ReadRow(s);
}

std::vector<Upload> UploadStore::List(int limit) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, (std::string("SELECT ") + kColumns + " FROM uploads ORDER BY created_at DESC LIMIT ?1").c_str());
  s.Bind(1, static_cast<int64_t>(limit));
  std::vector<Upload> out;
  while (s.Step()) out.push_back(ReadRow(s));
  return out;
}

std::unique_ptr<UploadStore::Appender> UploadStore::BeginAppend(const std::string& id, int64_t clientOffset,
                                                                bool checksummed, int64_t extendExpiryTo,
                                                                int64_t checkpointBytes) {
  const Upload u = Read(id);
  if (u.state != UploadState::Receiving) {
    throw UploadError(UploadError::Kind::NotReceiving, "upload " + id + " already has all its " +
                                                           std::to_string(u.length) + " bytes (state " +
                                                           ToString(u.state) + ")");
  }
  if (clientOffset != u.offset) {
    throw UploadError(UploadError::Kind::OffsetConflict, "Upload-Offset " + std::to_string(clientOffset) +
                                                             " does not match the " + std::to_string(u.offset) +
                                                             " bytes the server holds; ask for the offset and resume");
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!appending_.insert(id).second) {
      throw UploadError(UploadError::Kind::Busy, "another request is appending to upload " + id);
    }
    if (extendExpiryTo > 0) {
      Statement(db_, "UPDATE uploads SET expires_at = ?2 WHERE id = ?1").Bind(1, id).Bind(2, extendExpiryTo).Run();
    }
  }
  const std::string path = DataPath(id);
  const int fd = ::open(path.c_str(), O_WRONLY);
  if (fd < 0 || ::ftruncate(fd, u.offset) != 0 || ::lseek(fd, u.offset, SEEK_SET) != u.offset) {
    const std::string reason = Errno("cannot open " + path + " for appending");
    if (fd >= 0) ::close(fd);
    EndAppend(id);
    throw UploadError(UploadError::Kind::Io, reason);
  }
  return std::unique_ptr<Appender>(new Appender(*this, id, fd, u.offset, u.length, checksummed, checkpointBytes));
}

void UploadStore::EndAppend(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  appending_.erase(id);
}

void UploadStore::SetOffset(const std::string& id, int64_t offset, UploadState state) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement(db_, "UPDATE uploads SET offset = ?2, state = ?3, updated_at = ?4 WHERE id = ?1")
      .Bind(1, id)
      .Bind(2, offset)
      .Bind(3, std::string(ToString(state)))
      .Bind(4, Now())
      .Run();
}

UploadStore::Appender::Appender(UploadStore& store, std::string id, int fd, int64_t start, int64_t length,
                                bool checksummed, int64_t checkpointBytes)
    : store_(store),
      id_(std::move(id)),
      fd_(fd),
      start_(start),
      offset_(start),
      durable_(start),
      length_(length),
      checksummed_(checksummed),
      checkpointBytes_(checkpointBytes) {
  if (checksummed_) sha_ = std::make_unique<Sha256>();
}

UploadStore::Appender::~Appender() {
  if (done_) return;
  try {
    if (checksummed_) {
      // Unverified bytes never count.
      if (::ftruncate(fd_, start_) != 0) {
      }
    } else if (offset_ > durable_) {
      // The request ended early (client gone): keep what arrived, as tus asks, once it is on disk.
      Checkpoint();
    }
  } catch (...) {
    // A destructor must not throw; the durable offset stays at the last checkpoint and the file is cut back to it
    // at the next append.
  }
  Release();
}

void UploadStore::Appender::Release() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  done_ = true;
  store_.EndAppend(id_);
}

void UploadStore::Appender::Write(const void* data, size_t size) {
  if (done_) throw std::logic_error("upload append used after it ended");
  if (offset_ + static_cast<int64_t>(size) > length_) {
    throw UploadError(UploadError::Kind::TooLarge, "the request carries more than the " + std::to_string(length_) +
                                                       " bytes announced in Upload-Length");
  }
  const char* p = static_cast<const char*>(data);
  size_t left = size;
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      const bool full = errno == ENOSPC || errno == EDQUOT;
      throw UploadError(full ? UploadError::Kind::NoSpace : UploadError::Kind::Io,
                        Errno("cannot write upload " + id_ + " to the staging disk"));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (sha_) sha_->Update(data, size);
  offset_ += static_cast<int64_t>(size);
  if (!checksummed_ && offset_ - durable_ >= checkpointBytes_) Checkpoint();
}

void UploadStore::Appender::Checkpoint() {
  if (::fdatasync(fd_) != 0) throw UploadError(UploadError::Kind::Io, Errno("cannot flush upload " + id_));
  store_.SetOffset(id_, offset_, offset_ == length_ ? UploadState::Complete : UploadState::Receiving);
  durable_ = offset_;
}

int64_t UploadStore::Appender::Commit(const std::string& expectedSha256) {
  if (done_) throw std::logic_error("upload append committed twice");
  if (checksummed_) {
    const std::string actual = sha_->Digest();
    if (actual != expectedSha256) {
      if (::ftruncate(fd_, start_) != 0) {
      }
      Release();
      throw UploadError(UploadError::Kind::ChecksumMismatch,
                        "the request's bytes have SHA-256 " + Sha256::Hex(actual) + ", Upload-Checksum says " +
                            Sha256::Hex(expectedSha256) + "; the " + std::to_string(offset_ - start_) +
                            " bytes were discarded, resend them from offset " + std::to_string(start_));
    }
  }
  try {
    Checkpoint();
  } catch (...) {
    if (checksummed_ && ::ftruncate(fd_, start_) != 0) {
    }
    Release();
    throw;
  }
  const int64_t result = offset_;
  Release();
  return result;
}

std::vector<Upload> UploadStore::PendingIngest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(
      db_, (std::string("SELECT ") + kColumns + " FROM uploads WHERE state = 'Complete' ORDER BY created_at LIMIT 1000")
               .c_str());
  std::vector<Upload> out;
  while (s.Step()) out.push_back(ReadRow(s));
  return out;
}

bool UploadStore::MarkIngesting(const std::string& id, const std::string& jobId) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement(db_,
            "UPDATE uploads SET state = 'Ingesting', attempts = attempts + 1, job_id = ?2, updated_at = ?3 "
            "WHERE id = ?1 AND state = 'Complete'")
      .Bind(1, id)
      .Bind(2, jobId)
      .Bind(3, Now())
      .Run();
  return sqlite3_changes(db_) == 1;
}

void UploadStore::MarkIngested(const std::string& id, const std::string& resultJson) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement(db_, "UPDATE uploads SET state = 'Done', result_json = ?2, reason = '', updated_at = ?3 WHERE id = ?1")
      .Bind(1, id)
      .Bind(2, resultJson)
      .Bind(3, Now())
      .Run();
}

void UploadStore::MarkFailed(const std::string& id, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement(db_, "UPDATE uploads SET state = 'Failed', reason = ?2, updated_at = ?3 WHERE id = ?1")
      .Bind(1, id)
      .Bind(2, reason)
      .Bind(3, Now())
      .Run();
}

bool UploadStore::Requeue(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement(db_,
            "UPDATE uploads SET state = 'Complete', reason = '', updated_at = ?2 WHERE id = ?1 AND state = 'Failed' "
            "AND offset = length")
      .Bind(1, id)
      .Bind(2, Now())
      .Run();
  return sqlite3_changes(db_) == 1;
}

int UploadStore::RecoverInterrupted(int maxAttempts) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement(db_,
            "UPDATE uploads SET state = 'Failed', reason = 'the ingest was interrupted ' || attempts || "
            "' times (the process died each time); not retried again', updated_at = ?2 "
            "WHERE state = 'Ingesting' AND attempts >= ?1")
      .Bind(1, static_cast<int64_t>(maxAttempts))
      .Bind(2, Now())
      .Run();
  Statement(db_, "UPDATE uploads SET state = 'Complete', updated_at = ?1 WHERE state = 'Ingesting'")
      .Bind(1, Now())
      .Run();
  return sqlite3_changes(db_);
}

void UploadStore::SetRecordJson(const std::string& id, const std::string& recordJson) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement(db_, "UPDATE uploads SET record_json = ?2, updated_at = ?3 WHERE id = ?1")
      .Bind(1, id)
      .Bind(2, recordJson)
      .Bind(3, Now())
      .Run();
}

void UploadStore::Delete(const std::string& id) {
  const Upload u = Read(id);
  std::lock_guard<std::mutex> lock(mutex_);
  if (appending_.count(id) != 0) {
    throw UploadError(UploadError::Kind::Busy, "upload " + id + " is being appended to; try again when it ends");
  }
  if (u.state == UploadState::Ingesting || u.state == UploadState::Complete) {
    throw UploadError(UploadError::Kind::Busy, "upload " + id + " is complete and being turned into DICOM");
  }
  Statement(db_, "DELETE FROM uploads WHERE id = ?1").Bind(1, id).Run();
  std::error_code ignored;
  std::filesystem::remove(DataPath(id), ignored);
}

void UploadStore::DeleteData(const std::string& id) {
  std::error_code ignored;
  std::filesystem::remove(DataPath(id), ignored);
}

std::vector<std::string> UploadStore::ExpireDue(int64_t now) {
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Statement s(db_, "SELECT id FROM uploads WHERE state = 'Receiving' AND expires_at <= ?1");
    s.Bind(1, now);
    while (s.Step()) {
      if (appending_.count(s.Text(0)) == 0) ids.push_back(s.Text(0));
    }
    for (const auto& id : ids) Statement(db_, "DELETE FROM uploads WHERE id = ?1").Bind(1, id).Run();
  }
  for (const auto& id : ids) {
    std::error_code ignored;
    std::filesystem::remove(DataPath(id), ignored);
  }
  return ids;
}

}  // namespace va::archive
