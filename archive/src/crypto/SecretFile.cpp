// Key files: written whole next to their place and linked in (a crash never leaves half a key, and two processes
// starting together end up with the same key), read only when no one else may read them (mode 0600 or 0400).
#include "SecretFile.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "ScopedSecrets.h"

namespace va::archive::crypto {
namespace {

std::string Errno() {
  return std::strerror(errno);
}

}  // namespace

void CreateSecretFile(const std::string& path, const std::string& contents, const std::string& what) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
  }
  const std::string temporary = path + ".new-" + std::to_string(::getpid());
  {
    const FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) throw SecretFileError(what + ": cannot create (" + Errno() + ")");
    size_t written = 0;
    ssize_t n = 0;
    while (written < contents.size()) {
      n = ::write(fd.get(), contents.data() + written, contents.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
    if (written < contents.size()) {
      const std::string reason = n == 0 ? "no space written" : Errno();
      ::unlink(temporary.c_str());
      throw SecretFileError(what + ": cannot write (" + reason + ")");
    }
    if (::fsync(fd.get()) != 0) {
      const std::string reason = Errno();
      ::unlink(temporary.c_str());
      throw SecretFileError(what + ": cannot sync (" + reason + ")");
    }
  }
  const int linked = ::link(temporary.c_str(), path.c_str());
  const int linkErrno = errno;
  ::unlink(temporary.c_str());
  if (linked != 0 && linkErrno != EEXIST)
    throw SecretFileError(what + ": cannot create (" + std::strerror(linkErrno) + ")");
}

std::string ReadSecretFile(const std::string& path, const std::string& what, size_t maxSize) {
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) throw SecretFileError(what + ": cannot open (" + Errno() + ")");
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) throw SecretFileError(what + ": cannot stat (" + Errno() + ")");
  if (!S_ISREG(info.st_mode)) throw SecretFileError(what + ": not a regular file");
  if ((info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(info.st_mode & 07777));
    throw SecretFileError(what + " is accessible by group or others (mode " + mode +
                          "); it must be 0600 or 0400: run chmod 600 " + path);
  }
  if (static_cast<uint64_t>(info.st_size) > maxSize) throw SecretFileError(what + ": too large for a key file");
  std::string text;
  text.reserve(maxSize + 1);  // never reallocated, so no unwiped copy is left behind
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0 || text.size() + static_cast<size_t>(got) > maxSize) {
      OPENSSL_cleanse(buffer, sizeof(buffer));
      if (got == 0) break;
      OPENSSL_cleanse(text.data(), text.size());
      throw SecretFileError(what +
                            (got < 0 ? ": read error (" + Errno() + ")" : std::string(": too large for a key file")));
    }
    text.append(buffer, static_cast<size_t>(got));
  }
  return text;
}

}  // namespace va::archive::crypto
