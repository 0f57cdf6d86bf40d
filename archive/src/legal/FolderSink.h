// Extraction of verified package files below a folder. Private to the archive library.
#pragma once

#include <string>

#include "va/archive/LegalPackage.h"

namespace va::archive::legal {

// Writes each file to <root>/<name> through a temporary name, kept only on End(true). Every path component is
// opened relative to its parent without following symbolic links, so neither a hostile name nor a link planted in
// the folder leads outside it; existing files are never replaced. Throws LegalPackageError.
class FolderSink : public PackageFileSink {
 public:
  explicit FolderSink(const std::string& root);
  ~FolderSink() override;
  FolderSink(const FolderSink&) = delete;
  FolderSink& operator=(const FolderSink&) = delete;

  void Begin(const PackageEntry& expected) override;
  void Write(const char* data, size_t size) override;
  void End(bool verified) override;

 private:
  void Abandon() noexcept;

  std::string root_;
  int rootFd_ = -1;
  int dirFd_ = -1;   // folder of the file being written
  int fileFd_ = -1;  // the file being written, under temporary_
  std::string name_;
  std::string temporary_;
  std::string final_;
};

}  // namespace va::archive::legal
