// RAII owners of libarchive handles, for the legal package writer and verifier. Private to the archive library.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string>

namespace va::archive::legal {

struct ArchiveFree {
  // archive_*_free also closes: a handle dropped on an error path never leaks its file descriptor.
  void operator()(struct archive* handle) const noexcept { archive_free(handle); }
};
struct EntryFree {
  void operator()(archive_entry* entry) const noexcept { archive_entry_free(entry); }
};
using Archive = std::unique_ptr<struct archive, ArchiveFree>;
using Entry = std::unique_ptr<archive_entry, EntryFree>;

inline std::string ArchiveErrorText(struct archive* handle) {
  const char* text = handle != nullptr ? archive_error_string(handle) : nullptr;
  return text != nullptr ? text : "unknown libarchive error";
}

}  // namespace va::archive::legal
