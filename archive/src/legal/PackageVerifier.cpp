// Verifies a legal package offline in two passes over the tar: the first checks its structure and reads the
// manifest, its signature and the public key (they come last, after the files they describe); the second hashes
// every file against the authenticated manifest and hands it to the caller's sink.
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "FolderSink.h"
#include "ManifestText.h"
#include "PublicKeys.h"
#include "TarHandles.h"
#include "va/archive/AuditTrail.h"
#include "va/archive/LegalPackage.h"
#include "va/archive/Sha256.h"

namespace va::archive {
namespace {

constexpr size_t kBlock = 64 * 1024;
constexpr size_t kChunk = 1 << 20;

// A name from the tar, safe to print.
std::string Shown(const std::string& name) {
  std::string shown = legal::Escape(name);
  if (shown.size() > 200) shown = shown.substr(0, 200) + "...";
  return shown;
}

std::string TypeName(mode_t type) {
  switch (type) {
    case AE_IFLNK: return "a symbolic link";
    case AE_IFDIR: return "a folder";
    case AE_IFCHR: return "a character device";
    case AE_IFBLK: return "a block device";
    case AE_IFIFO: return "a FIFO";
    case AE_IFSOCK: return "a socket";
    default: return "not a regular file";
  }
}

legal::Archive OpenTar(const std::string& path, std::vector<std::string>& problems) {
  legal::Archive tar(archive_read_new());
  // Plain tar only: no compression filter, no other format, so the package is what the writer wrote.
  if (!tar || archive_read_support_format_tar(tar.get()) != ARCHIVE_OK ||
      archive_read_open_filename(tar.get(), path.c_str(), kBlock) != ARCHIVE_OK) {
    problems.push_back("tar " + path + ": cannot open (" + legal::ArchiveErrorText(tar.get()) + ")");
    return nullptr;
  }
  return tar;
}

std::string EntryName(archive_entry* entry) {
  const char* utf8 = archive_entry_pathname_utf8(entry);
  if (utf8 == nullptr) utf8 = archive_entry_pathname(entry);
  return utf8 != nullptr ? utf8 : "";
}

struct TarContents {
  bool complete = false;                   // read to its end without error
  std::map<std::string, std::string> own;  // manifest.txt, manifest.sig, public-key.pem
  std::map<std::string, uint64_t> files;   // every other acceptable entry, with its size
};

// Pass 1. Every entry must be a regular file with a safe, unique name.
TarContents ScanTar(const std::string& path, std::vector<std::string>& problems) {
  TarContents contents;
  const legal::Archive tar = OpenTar(path, problems);
  if (!tar) return contents;
  std::set<std::string> seen;
  std::string last = "(start)";
  for (int index = 1;; ++index) {
    archive_entry* entry = nullptr;
    const int r = archive_read_next_header(tar.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      problems.push_back("tar: truncated or damaged after entry " + Shown(last) + ": " +
                         legal::ArchiveErrorText(tar.get()));
      return contents;
    }
    const std::string name = EntryName(entry);
    last = name;
    const std::string where = "tar entry " + std::to_string(index) + " '" + Shown(name) + "'";
    const std::string nameProblem = legal::NameProblem(name);
    bool accept = true;
    if (!nameProblem.empty()) {
      problems.push_back(std::string(where).append(": refused, ").append(nameProblem));
      accept = false;
    } else if (archive_entry_hardlink(entry) != nullptr) {
      problems.push_back(where + ": refused, a hard link (a package holds regular files only)");
      accept = false;
    } else if (archive_entry_filetype(entry) != AE_IFREG) {
      problems.push_back(where + ": refused, " + TypeName(archive_entry_filetype(entry)) +
                         " (a package holds regular files only)");
      accept = false;
    } else if (!seen.insert(name).second) {
      problems.push_back(where + ": the name appears twice in the tar");
      accept = false;
    }
    const auto size = static_cast<uint64_t>(archive_entry_size(entry));
    if (accept && legal::IsReservedName(name)) {
      const size_t limit = name == legal::kManifestName    ? legal::kMaxManifestSize
                           : name == legal::kSignatureName ? legal::kMaxSignatureSize
                                                           : legal::kMaxPublicKeySize;
      if (size > limit) {
        problems.push_back(name + ": " + std::to_string(size) + " bytes, more than a package may hold");
      } else {
        std::string text(static_cast<size_t>(size), '\0');
        size_t got = 0;
        while (got < text.size()) {
          const la_ssize_t n = archive_read_data(tar.get(), text.data() + got, text.size() - got);
          if (n <= 0) break;
          got += static_cast<size_t>(n);
        }
        if (got != text.size()) {
          problems.push_back("tar: truncated or damaged in " + name + ": " + legal::ArchiveErrorText(tar.get()));
          return contents;
        }
        contents.own[name] = std::move(text);
        continue;
      }
    } else if (accept) {
      contents.files[name] = size;
    }
    if (archive_read_data_skip(tar.get()) != ARCHIVE_OK) {
      problems.push_back("tar: truncated or damaged in " + where + ": " + legal::ArchiveErrorText(tar.get()));
      return contents;
    }
  }
  contents.complete = true;
  return contents;
}

// Which manifest lines differ from the signed list, named by line number and content.
void CompareLines(const std::vector<std::string>& lines, const std::vector<std::string>& signedHashes,
                  std::vector<std::string>& problems) {
  std::vector<std::string> hashes;
  hashes.reserve(lines.size());
  std::unordered_map<std::string, size_t> inManifest;
  std::unordered_map<std::string, size_t> inSigned;
  for (const std::string& line : lines) {
    Sha256 sha;
    sha.Update(line.data(), line.size());
    hashes.push_back(sha.HexDigest());
    ++inManifest[hashes.back()];
  }
  for (const std::string& hash : signedHashes) ++inSigned[hash];
  const size_t before = problems.size();
  if (lines.size() != signedHashes.size())
    problems.push_back("manifest: " + std::to_string(lines.size()) + " lines but the signature covers " +
                       std::to_string(signedHashes.size()) + " (lines were added or removed)");
  std::vector<bool> accounted(signedHashes.size(), false);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i < signedHashes.size() && hashes[i] == signedHashes[i]) continue;
    if (inSigned.count(hashes[i]) != 0) continue;  // a signed line, moved by an insertion or removal elsewhere
    const std::string where = "manifest line " + std::to_string(i + 1) + " (" + legal::LineSummary(lines[i]) + ")";
    if (i < signedHashes.size() && inManifest.count(signedHashes[i]) == 0) {
      problems.push_back(where + ": altered (does not match its signed hash)");
      accounted[i] = true;
    } else {
      problems.push_back(where + ": added (not covered by the signature)");
    }
  }
  for (size_t j = 0; j < signedHashes.size(); ++j) {
    if (!accounted[j] && inManifest.count(signedHashes[j]) == 0)
      problems.push_back("manifest line " + std::to_string(j + 1) + " as signed: missing (removed)");
  }
  if (problems.size() == before && hashes != signedHashes) {
    for (size_t i = 0; i < hashes.size(); ++i) {
      if (hashes[i] != signedHashes[i]) {
        problems.push_back("manifest line " + std::to_string(i + 1) + " (" + legal::LineSummary(lines[i]) +
                           "): out of the signed order (lines were reordered)");
        break;
      }
    }
  }
}

// Checks the key and the signature; true when the manifest text is authentic.
bool CheckSignature(const TarContents& contents, const ParsedManifest& manifest, const std::string& trustedPem,
                    PackageVerification& out) {
  const auto packagePem = contents.own.find(legal::kPublicKeyName);
  std::optional<std::string> packageDer;
  if (packagePem == contents.own.end()) {
    out.problems.push_back(std::string(legal::kPublicKeyName) + ": missing");
  } else {
    packageDer = legal::PublicKeyDer(packagePem->second);
    if (!packageDer) out.problems.push_back(std::string(legal::kPublicKeyName) + ": not a PEM Ed25519 public key");
  }
  std::string verifyPem;
  std::optional<std::string> verifyDer;
  if (!trustedPem.empty()) {
    verifyDer = legal::PublicKeyDer(trustedPem);
    if (!verifyDer) {
      out.problems.push_back("trusted key: not a PEM Ed25519 public key");
      return false;
    }
    verifyPem = trustedPem;
    out.keyTrusted = true;
    if (packageDer && *packageDer != *verifyDer)
      out.problems.push_back("package public key differs from the trusted key (package key " +
                             legal::KeyIdOfDer(*packageDer) + ", trusted key " + legal::KeyIdOfDer(*verifyDer) + ")");
  } else {
    if (!packageDer) return false;
    verifyDer = packageDer;
    verifyPem = packagePem->second;
  }
  out.keyId = legal::KeyIdOfDer(*verifyDer);
  if (!out.keyTrusted)
    out.notes.push_back("the signing key was not independently trusted: verified with the package's own " +
                        std::string(legal::kPublicKeyName) + " (key " + out.keyId +
                        "); compare it with a copy of the archive's public key obtained elsewhere");

  const auto sigText = contents.own.find(legal::kSignatureName);
  if (sigText == contents.own.end()) {
    out.problems.push_back(std::string(legal::kSignatureName) + ": missing");
    return false;
  }
  ParsedManifestSignature sig;
  try {
    sig = ParseLegalManifestSignature(sigText->second);
  } catch (const LegalPackageError& e) {
    out.problems.push_back(e.what());
    return false;
  }
  bool authentic = true;
  if (!VerifyAuditSignature(verifyPem, sig.signedMessage, sig.signature)) {
    out.problems.push_back(std::string("signature: invalid for the ") +
                           (out.keyTrusted ? "given public key" : "package's own public key") + " (key " + out.keyId +
                           ")");
    authentic = false;
  }
  if (sig.keyId != out.keyId) {
    out.problems.push_back("manifest.sig: names key " + sig.keyId + ", verified with key " + out.keyId);
    authentic = false;
  }
  if (manifest.version != 0 && manifest.keyId != out.keyId) {
    out.problems.push_back("manifest line 1 (header): names key " + Shown(manifest.keyId) + ", verified with key " +
                           out.keyId);
    authentic = false;
  }
  const size_t before = out.problems.size();
  CompareLines(manifest.lines, sig.lineHashes, out.problems);
  return authentic && out.problems.size() == before;
}

struct Expected {
  PackageEntry* entry = nullptr;
  bool found = false;
};

// Pass 2: each listed file hashed as it streams to the sink.
void CheckFiles(const std::string& path, bool authentic, PackageFileSink* sink, PackageVerification& out) {
  std::map<std::string, Expected> expected;
  for (PackageEntry& entry : out.entries) expected[entry.name].entry = &entry;
  std::vector<std::string> ignored;  // pass 1 reported the tar's own defects
  const legal::Archive tar = OpenTar(path, ignored);
  std::vector<char> buffer(kChunk);
  while (tar) {
    archive_entry* header = nullptr;
    if (archive_read_next_header(tar.get(), &header) < ARCHIVE_WARN) break;  // EOF, or reported by pass 1
    const auto it = expected.find(EntryName(header));
    if (it == expected.end() || it->second.found || archive_entry_filetype(header) != AE_IFREG ||
        archive_entry_hardlink(header) != nullptr)
      continue;  // libarchive skips the data of an entry not read
    it->second.found = true;
    PackageEntry& entry = *it->second.entry;
    const std::string where = "file " + Shown(entry.name);
    bool sinkOk = authentic && sink != nullptr;
    const auto feed = [&](auto&& call) {
      if (!sinkOk) return;
      try {
        call();
      } catch (const std::exception& e) {
        out.problems.push_back(where + ": not handed out: " + e.what());
        sinkOk = false;
        try {
          sink->End(false);
        } catch (const std::exception&) {
        }
      }
    };
    feed([&] { sink->Begin(entry); });
    Sha256 sha;
    uint64_t size = 0;
    bool readError = false;
    for (;;) {
      const la_ssize_t n = archive_read_data(tar.get(), buffer.data(), buffer.size());
      if (n == 0) break;
      if (n < 0) {
        out.problems.push_back(where + ": unreadable (" + legal::ArchiveErrorText(tar.get()) + ")");
        readError = true;
        break;
      }
      sha.Update(buffer.data(), static_cast<size_t>(n));
      feed([&] { sink->Write(buffer.data(), static_cast<size_t>(n)); });
      size += static_cast<uint64_t>(n);
    }
    const std::string digest = sha.HexDigest();
    bool match = !readError;
    if (!readError && size != entry.size) {
      out.problems.push_back(where + ": " + std::to_string(size) + " bytes, the manifest says " +
                             std::to_string(entry.size));
      match = false;
    } else if (!readError && digest != entry.sha256) {
      out.problems.push_back(where + ": SHA-256 differs from the manifest");
      match = false;
    }
    entry.verified = match && authentic;
    feed([&] { sink->End(entry.verified); });
    if (readError) break;
  }
  for (const auto& [name, state] : expected) {
    if (!state.found) out.problems.push_back("file " + Shown(name) + ": missing");
  }
}

}  // namespace

PackageVerification VerifyLegalPackage(const std::string& tarPath, const std::string& trustedPublicKeyPem,
                                       PackageFileSink* sink) {
  PackageVerification out;
  const TarContents contents = ScanTar(tarPath, out.problems);
  const auto manifestText = contents.own.find(legal::kManifestName);
  ParsedManifest manifest;
  if (manifestText == contents.own.end()) {
    out.problems.push_back(std::string(legal::kManifestName) + ": missing");
  } else {
    manifest = ParseLegalManifest(manifestText->second);
    out.problems.insert(out.problems.end(), manifest.problems.begin(), manifest.problems.end());
  }
  out.manifestLines = static_cast<int>(manifest.lines.size());
  out.files = static_cast<int>(manifest.files.size());
  out.studyUid = manifest.studyUid;
  out.createdAt = manifest.createdAt;
  out.software = manifest.software;
  out.custody = manifest.custody;
  out.entries = manifest.files;
  const bool authentic = CheckSignature(contents, manifest, trustedPublicKeyPem, out) && manifest.problems.empty();

  std::set<std::string> listed;
  for (const PackageEntry& entry : out.entries) listed.insert(entry.name);
  for (const auto& [name, size] : contents.files) {
    if (manifest.version != 0 && listed.count(name) == 0)
      out.problems.push_back("file " + Shown(name) + ": not in the manifest");
  }
  if (!out.entries.empty()) CheckFiles(tarPath, authentic, sink, out);
  out.ok = out.problems.empty();
  // A thoroughly damaged package would otherwise list a problem per line; the first ones say where it starts.
  constexpr size_t kMaxProblems = 1000;
  if (out.problems.size() > kMaxProblems) {
    const size_t more = out.problems.size() - kMaxProblems;
    out.problems.resize(kMaxProblems);
    out.problems.push_back("... and " + std::to_string(more) + " more problems");
  }
  return out;
}

PackageVerification VerifyLegalPackage(const std::string& tarPath, const std::string& trustedPublicKeyPem,
                                       const std::string& extractTo) {
  if (extractTo.empty()) return VerifyLegalPackage(tarPath, trustedPublicKeyPem, nullptr);
  std::unique_ptr<legal::FolderSink> sink;
  try {
    sink = std::make_unique<legal::FolderSink>(extractTo);
  } catch (const LegalPackageError& e) {
    PackageVerification out = VerifyLegalPackage(tarPath, trustedPublicKeyPem, nullptr);
    out.problems.push_back(e.what());
    out.ok = false;
    return out;
  }
  return VerifyLegalPackage(tarPath, trustedPublicKeyPem, sink.get());
}

}  // namespace va::archive
