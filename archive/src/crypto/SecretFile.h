// Key files shared by the audit signing key, the provenance signing key and the watermark master secret.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace va::archive::crypto {

class SecretFileError : public std::runtime_error {
 public:
  explicit SecretFileError(const std::string& reason) : std::runtime_error(reason) {}
};

// Writes contents to a new file at path, mode 0600, fsynced; when path appeared meanwhile (another process), keeps
// that one. what names the file in errors ("audit signing key /x/y.pem").
void CreateSecretFile(const std::string& path, const std::string& contents, const std::string& what);

// Reads a regular file of at most maxSize bytes that only its owner may read.
std::string ReadSecretFile(const std::string& path, const std::string& what, size_t maxSize);

}  // namespace va::archive::crypto
