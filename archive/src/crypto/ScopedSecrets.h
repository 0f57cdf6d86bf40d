// Scope guards for key files: a POSIX file descriptor closed on every way out, and a string of key material wiped
// on every way out (OPENSSL_cleanse). Shared by the master key ring and the audit signing key.
#pragma once

#include <openssl/crypto.h>
#include <unistd.h>

#include <string>

namespace va::archive::crypto {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class WipeOnExit {
 public:
  explicit WipeOnExit(std::string& bytes) : bytes_(bytes) {}
  ~WipeOnExit() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  std::string& bytes_;
};

}  // namespace va::archive::crypto
