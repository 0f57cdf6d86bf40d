#include "FolderSink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "ManifestText.h"

namespace va::archive::legal {
namespace {

std::string Errno() {
  return std::strerror(errno);
}

// Messages built outside the loop that reports them (clang-tidy: no temporaries concatenated in a loop).
std::string Message(const std::string& what, const char* middle, const std::string& part, const std::string& tail) {
  std::string text = what;
  text.append(middle).append(part).append(tail);
  return text;
}

void Close(int& fd) noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

FolderSink::FolderSink(const std::string& root) : root_(root) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  rootFd_ = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootFd_ < 0) throw LegalPackageError("extraction folder " + root + ": cannot open (" + Errno() + ")");
}

FolderSink::~FolderSink() {
  Abandon();
  Close(rootFd_);
}

void FolderSink::Abandon() noexcept {
  Close(fileFd_);
  if (dirFd_ >= 0 && !temporary_.empty()) ::unlinkat(dirFd_, temporary_.c_str(), 0);
  temporary_.clear();
  if (dirFd_ != rootFd_) Close(dirFd_);
  dirFd_ = -1;
}

void FolderSink::Begin(const PackageEntry& expected) {
  Abandon();
  name_ = expected.name;
  const std::string what = "extraction of " + Escape(name_) + " to " + root_;
  const std::string problem = NameProblem(name_);
  if (!problem.empty()) throw LegalPackageError(what + ": name refused: " + problem);
  dirFd_ = rootFd_;
  size_t start = 0;
  for (size_t slash = name_.find('/'); slash != std::string::npos; slash = name_.find('/', start)) {
    const std::string part = name_.substr(start, slash - start);
    start = slash + 1;
    int next = ::openat(dirFd_, part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0 && errno == ENOENT) {
      if (::mkdirat(dirFd_, part.c_str(), 0755) != 0 && errno != EEXIST) {
        const std::string reason = Errno();
        Abandon();
        throw LegalPackageError(Message(what, ": cannot create folder ", part, " (" + reason + ")"));
      }
      next = ::openat(dirFd_, part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (next < 0) {
      const std::string reason = errno == ELOOP || errno == ENOTDIR ? "a symbolic link or not a folder" : Errno();
      Abandon();
      throw LegalPackageError(Message(what, ": refused, ", part, " is " + reason));
    }
    if (dirFd_ != rootFd_) Close(dirFd_);
    dirFd_ = next;
  }
  final_ = name_.substr(start);
  const std::string temporary = "." + final_ + ".partial-" + std::to_string(::getpid());
  fileFd_ = ::openat(dirFd_, temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fileFd_ < 0) {
    const std::string reason = Errno();
    Abandon();
    throw LegalPackageError(what + ": cannot create a file (" + reason + ")");
  }
  temporary_ = temporary;
}

void FolderSink::Write(const char* data, size_t size) {
  if (fileFd_ < 0) throw LegalPackageError("extraction of " + Escape(name_) + ": no file open");
  while (size > 0) {
    const ssize_t written = ::write(fileFd_, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      const std::string reason = written < 0 ? Errno() : "nothing written";
      Abandon();
      throw LegalPackageError("extraction of " + Escape(name_) + " to " + root_ + ": write error (" + reason + ")");
    }
    data += written;
    size -= static_cast<size_t>(written);
  }
}

void FolderSink::End(bool verified) {
  if (fileFd_ < 0 || !verified) {
    Abandon();
    return;
  }
  Close(fileFd_);
  // RENAME_NOREPLACE: a file already there (an earlier extraction, or a link planted in the folder) is kept.
  if (::renameat2(dirFd_, temporary_.c_str(), dirFd_, final_.c_str(), RENAME_NOREPLACE) != 0) {
    const std::string reason = errno == EEXIST ? "a file of that name already exists" : Errno();
    Abandon();
    throw LegalPackageError("extraction of " + Escape(name_) + " to " + root_ + ": not written, " + reason);
  }
  temporary_.clear();
  Abandon();
}

}  // namespace va::archive::legal
