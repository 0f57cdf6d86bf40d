// A tier on a local folder (Tier.h): objects as files under root/xx/yy/key, where xx and yy come from a hash of the
// key so that folders stay small whatever the keys look like. Writes go to "<file>.tmp-<random>" (O_CREAT|O_EXCL),
// are fsync'ed, renamed over the final name, and the folder is fsync'ed: a crash leaves either the old object, the
// new one, or a temporary file that a later OpenFolderTier removes once it is old enough (kStaleTemporaryAge).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include "va/archive/Sha256.h"
#include "va/archive/Tier.h"

namespace va::archive {
namespace {

constexpr size_t kWriteBuffer = 1u << 20;

// A temporary file is only taken for the leftover of a crash when it was last modified this long ago. Several
// processes may share the folder (scale-out): a younger one may be another process's write in progress, which
// keeps modifying it until its rename (a write that stalls for an hour is failing anyway).
constexpr auto kStaleTemporaryAge = std::chrono::hours(1);

// Closes a descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

bool ValidKey(const std::string& key) {
  if (key.empty() || key.size() > 200 || key == "." || key == ".." || key.find("..") != std::string::npos) return false;
  if (key.find(".tmp-") != std::string::npos) return false;  // would be taken for a stale temporary file
  for (const char c : key) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string RandomSuffix() {
  static thread_local std::mt19937_64 random(std::random_device{}());
  static const char* digits = "0123456789abcdef";
  std::string out;
  uint64_t value = random();
  for (int i = 0; i < 16; ++i, value >>= 4) out += digits[value & 15];
  return out;
}

void FsyncFolder(const std::filesystem::path& folder) {
  Fd fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) ::fsync(fd.get());
}

class FolderTier : public Tier {
 public:
  FolderTier(TierInfo info, std::filesystem::path root) : info_(std::move(info)), root_(std::move(root)) {
    std::error_code error;
    std::filesystem::create_directories(root_, error);
    if (error) Fail(TierError::Kind::Io, "cannot create the folder " + root_.string(), error.value());
    RemoveStaleTemporaries();
  }

  const TierInfo& Info() const override { return info_; }

  void Put(const std::string& key, const ByteReader& source, uint64_t size, const PutOptions& /*options*/) override {
    const auto path = PathOf(key);
    std::error_code error;
    std::filesystem::create_directories(path.parent_path(), error);
    if (error) Fail(KindOf(error.value()), "cannot create the folder of " + key, error.value());
    const std::filesystem::path temporary = path.string() + ".tmp-" + RandomSuffix();
    Fd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (fd.get() < 0) Fail(KindOf(errno), "cannot create a temporary file for " + key, errno);
    try {
      std::string buffer(kWriteBuffer, '\0');
      uint64_t written = 0;
      for (;;) {
        const size_t n = source(reinterpret_cast<uint8_t*>(buffer.data()), buffer.size());
        if (n == 0) break;
        WriteAll(fd.get(), buffer.data(), n, key);
        written += n;
      }
      if (written != size)
        throw TierError(TierError::Kind::Io, Where(key) + ": " + std::to_string(written) + " bytes written, " +
                                                 std::to_string(size) + " announced");
      if (::fsync(fd.get()) != 0) Fail(KindOf(errno), "cannot flush " + key, errno);
      const int raw = fd.Release();
      if (::close(raw) != 0) Fail(KindOf(errno), "cannot close " + key, errno);
      if (::rename(temporary.c_str(), path.c_str()) != 0) Fail(KindOf(errno), "cannot rename into " + key, errno);
    } catch (...) {
      ::unlink(temporary.c_str());
      throw;
    }
    FsyncFolder(path.parent_path());
  }

  size_t ReadAt(const std::string& key, uint64_t offset, uint8_t* buffer, size_t length) override {
    const auto path = PathOf(key);
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == ENOENT) throw TierError(TierError::Kind::NotFound, Where(key) + ": no such object");
      Fail(KindOf(errno), "cannot open " + key, errno);
    }
    size_t done = 0;
    while (done < length) {
      const ssize_t n = ::pread(fd.get(), buffer + done, length - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        Fail(KindOf(errno), "cannot read " + key, errno);
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }

  std::optional<uint64_t> SizeOf(const std::string& key) override {
    struct stat status {};
    if (::stat(PathOf(key).c_str(), &status) != 0) {
      if (errno == ENOENT) return std::nullopt;
      Fail(KindOf(errno), "cannot inspect " + key, errno);
    }
    return static_cast<uint64_t>(status.st_size);
  }

  void Remove(const std::string& key) override {
    const auto path = PathOf(key);
    if (::unlink(path.c_str()) != 0) {
      if (errno == ENOENT) return;
      Fail(errno == EACCES || errno == EPERM ? TierError::Kind::Refused : KindOf(errno), "cannot remove " + key, errno);
    }
    FsyncFolder(path.parent_path());
  }

  void ExtendRetention(const std::string& key, int64_t /*retainUntil*/) override { PathOf(key); }

 private:
  std::filesystem::path PathOf(const std::string& key) const {
    if (!ValidKey(key))
      throw TierError(TierError::Kind::Io, "tier " + info_.name + ": invalid object key '" + key + "'");
    Sha256 hash;
    hash.Update(key.data(), key.size());
    const std::string hex = hash.HexDigest();
    return root_ / hex.substr(0, 2) / hex.substr(2, 2) / key;
  }

  std::string Where(const std::string& key) const { return "tier " + info_.name + ", object " + key; }

  static TierError::Kind KindOf(int error) {
    if (error == ENOSPC || error == EDQUOT) return TierError::Kind::NoSpace;
    if (error == EACCES || error == EPERM || error == EROFS) return TierError::Kind::Refused;
    if (error == ENOENT) return TierError::Kind::NotFound;
    return TierError::Kind::Io;
  }

  [[noreturn]] void Fail(TierError::Kind kind, const std::string& what, int error) const {
    std::string reason = "tier " + info_.name + " (" + root_.string() + "): " + what + ": " + std::strerror(error);
    if (kind == TierError::Kind::NoSpace) reason += " (the folder is full)";
    throw TierError(kind, reason);
  }

  void WriteAll(int fd, const char* data, size_t size, const std::string& key) const {
    while (size > 0) {
      const ssize_t n = ::write(fd, data, size);
      if (n < 0) {
        if (errno == EINTR) continue;
        Fail(KindOf(errno), "cannot write " + key, errno);
      }
      data += n;
      size -= static_cast<size_t>(n);
    }
  }

  // Removes temporary files left by crashed writes: those not modified for kStaleTemporaryAge (see there).
  void RemoveStaleTemporaries() {
    const auto cutoff = std::filesystem::file_time_type::clock::now() - kStaleTemporaryAge;
    std::error_code error;
    for (auto it = std::filesystem::recursive_directory_iterator(root_, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
      std::error_code ignored;
      if (!it->is_regular_file(ignored) || it->path().filename().string().find(".tmp-") == std::string::npos) continue;
      const auto modified = std::filesystem::last_write_time(it->path(), ignored);
      if (ignored || modified > cutoff) continue;  // vanished (renamed by its writer) or possibly still being written
      std::filesystem::remove(it->path(), ignored);
    }
  }

  TierInfo info_;
  std::filesystem::path root_;
};

}  // namespace

std::unique_ptr<Tier> OpenFolderTier(const TierInfo& info, const std::string& root) {
  return std::make_unique<FolderTier>(info, root);
}

}  // namespace va::archive
