// Writes a legal package: a pax tar streamed to outPath + ".tmp", renamed into place only once complete and synced.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>
#include <vector>

#include "../crypto/ScopedSecrets.h"
#include "ManifestText.h"
#include "TarHandles.h"
#include "va/archive/AuditTrail.h"
#include "va/archive/LegalPackage.h"
#include "va/archive/Sha256.h"

namespace va::archive {
namespace {

constexpr size_t kChunk = 1 << 20;

std::string Errno() {
  return std::strerror(errno);
}

std::string IsoUtc(time_t seconds) {
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

struct LegalPackageWriter::Impl {
  Impl(const std::string& out, const AuditSigner& s)
      : signer(s),
        outPath(out),
        tmpPath(out + ".tmp"),
        fd(::open(tmpPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644)) {}

  const AuditSigner& signer;
  std::string outPath;
  std::string tmpPath;
  crypto::FileDescriptor fd;
  legal::Archive tar;
  time_t created = 0;
  std::string header;
  std::set<std::string> names;
  std::vector<std::string> fileLines;
  std::vector<std::string> custodyLines;
  bool done = false;    // finished, or failed: no more writes
  bool failed = false;  // the .tmp file is garbage

  void Fail(const std::string& reason) {
    failed = true;
    done = true;
    throw LegalPackageError("legal package " + outPath + ": " + reason);
  }

  void Usable() {
    if (done)
      throw LegalPackageError("legal package " + outPath +
                              (failed ? ": an earlier error stopped it" : ": already finished"));
  }

  void Header(const std::string& name, uint64_t size) {
    const legal::Entry entry(archive_entry_new());
    if (!entry) Fail("out of memory");
    archive_entry_set_pathname_utf8(entry.get(), name.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
    archive_entry_set_mtime(entry.get(), created, 0);
    if (archive_write_header(tar.get(), entry.get()) != ARCHIVE_OK)
      Fail("cannot write the tar header of " + name + ": " + legal::ArchiveErrorText(tar.get()));
  }

  void Data(const std::string& name, const char* data, size_t size) {
    while (size > 0) {
      const la_ssize_t written = archive_write_data(tar.get(), data, size);
      if (written <= 0) Fail("cannot write " + name + ": " + legal::ArchiveErrorText(tar.get()));
      data += written;
      size -= static_cast<size_t>(written);
    }
  }

  void Text(const std::string& name, const std::string& text) {
    Header(name, text.size());
    Data(name, text.data(), text.size());
  }
};

LegalPackageWriter::LegalPackageWriter(const std::string& outPath, const std::string& studyUid,
                                       const AuditSigner& signer, const std::string& software)
    : impl_(std::make_unique<Impl>(outPath, signer)) {
  Impl& w = *impl_;
  if (w.fd.get() < 0) throw LegalPackageError("legal package " + w.tmpPath + ": cannot create (" + Errno() + ")");
  // The destructor does not run when the constructor throws: remove the .tmp file here.
  const auto refuse = [&w](const std::string& reason) {
    ::unlink(w.tmpPath.c_str());
    throw LegalPackageError("legal package " + w.outPath + ": " + reason);
  };
  if (studyUid.empty() || !legal::IsValidUtf8(studyUid) || !legal::IsValidUtf8(software))
    refuse("the study UID and the software name must be UTF-8, the study UID not empty");
  w.created = std::time(nullptr);
  w.header = legal::HeaderLine(studyUid, IsoUtc(w.created), software, signer.KeyId());
  w.tar.reset(archive_write_new());
  // pax keeps names and sizes of any length exact; "restricted" writes plain ustar headers whenever they suffice.
  if (!w.tar || archive_write_set_format_pax_restricted(w.tar.get()) != ARCHIVE_OK ||
      archive_write_open_fd(w.tar.get(), w.fd.get()) != ARCHIVE_OK)
    refuse("libarchive cannot start a tar: " + legal::ArchiveErrorText(w.tar.get()));
}

LegalPackageWriter::~LegalPackageWriter() {
  if (impl_->failed || !impl_->done) {
    impl_->tar.reset();
    ::unlink(impl_->tmpPath.c_str());
  }
}

PackageEntry LegalPackageWriter::AddFile(const std::string& nameInPackage, const std::string& sourcePath,
                                         const std::string& role) {
  Impl& w = *impl_;
  w.Usable();
  const std::string problem = legal::NameProblem(nameInPackage);
  // Refusals of the caller's arguments leave the package usable.
  if (!problem.empty()) throw LegalPackageError("legal package: name '" + nameInPackage + "' refused: " + problem);
  if (legal::IsReservedName(nameInPackage))
    throw LegalPackageError("legal package: name " + nameInPackage + " is reserved for the package itself");
  if (w.names.count(nameInPackage) != 0)
    throw LegalPackageError("legal package: " + nameInPackage + " was already added");
  if (!legal::IsToken(role)) throw LegalPackageError("legal package: role '" + role + "' must be [A-Za-z0-9._-]{1,64}");
  if (w.fileLines.size() + w.custodyLines.size() + 2 > legal::kMaxManifestLines)
    throw LegalPackageError("legal package: more than " + std::to_string(legal::kMaxManifestLines) + " manifest lines");
  const crypto::FileDescriptor in(::open(sourcePath.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (in.get() < 0) throw LegalPackageError("legal package: cannot open " + sourcePath + " (" + Errno() + ")");
  struct stat info {};
  if (::fstat(in.get(), &info) != 0 || !S_ISREG(info.st_mode))
    throw LegalPackageError("legal package: " + sourcePath + " is not a regular file");

  PackageEntry entry;
  entry.name = nameInPackage;
  entry.role = role;
  entry.size = static_cast<uint64_t>(info.st_size);
  w.Header(nameInPackage, entry.size);
  Sha256 sha;
  std::vector<char> buffer(kChunk);
  uint64_t copied = 0;
  while (copied < entry.size) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), entry.size - copied));
    const ssize_t got = ::read(in.get(), buffer.data(), want);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) w.Fail("read error in " + sourcePath + " (" + Errno() + ")");
    if (got == 0) w.Fail(sourcePath + " shrank while it was being packaged");
    sha.Update(buffer.data(), static_cast<size_t>(got));
    w.Data(nameInPackage, buffer.data(), static_cast<size_t>(got));
    copied += static_cast<uint64_t>(got);
  }
  char probe = 0;
  if (::read(in.get(), &probe, 1) > 0) w.Fail(sourcePath + " grew while it was being packaged");
  entry.sha256 = sha.HexDigest();
  entry.verified = true;
  w.names.insert(nameInPackage);
  w.fileLines.push_back(legal::FileLine(entry));
  return entry;
}

void LegalPackageWriter::AddCustody(const CustodyEvent& event) {
  Impl& w = *impl_;
  w.Usable();
  if (w.fileLines.size() + w.custodyLines.size() + 2 > legal::kMaxManifestLines)
    throw LegalPackageError("legal package: more than " + std::to_string(legal::kMaxManifestLines) + " manifest lines");
  w.custodyLines.push_back(legal::CustodyLine(event));
}

void LegalPackageWriter::Finish() {
  Impl& w = *impl_;
  w.Usable();
  std::vector<std::string> lines;
  lines.reserve(1 + w.fileLines.size() + w.custodyLines.size());
  lines.push_back(w.header);
  lines.insert(lines.end(), w.fileLines.begin(), w.fileLines.end());
  lines.insert(lines.end(), w.custodyLines.begin(), w.custodyLines.end());
  std::string manifest;
  std::vector<std::string> hashes;
  hashes.reserve(lines.size());
  for (const std::string& line : lines) {
    manifest += line;
    manifest += '\n';
    Sha256 sha;
    sha.Update(line.data(), line.size());
    hashes.push_back(sha.HexDigest());
  }
  const std::string body = legal::SignatureBody(w.signer.KeyId(), hashes);
  std::string signature;
  try {
    signature = w.signer.Sign(legal::SignedMessage(body));
  } catch (const AuditError& e) {
    w.Fail(std::string("cannot sign the manifest: ") + e.what());
  }
  w.Text(legal::kManifestName, manifest);
  w.Text(legal::kSignatureName, body + "signature\t" + signature + "\n");
  w.Text(legal::kPublicKeyName, w.signer.PublicKeyPem());
  if (archive_write_close(w.tar.get()) != ARCHIVE_OK)
    w.Fail("cannot complete the tar: " + legal::ArchiveErrorText(w.tar.get()));
  // The package is evidence: on disk for good before it takes its final name.
  if (::fsync(w.fd.get()) != 0) w.Fail("cannot sync " + w.tmpPath + " (" + Errno() + ")");
  if (std::rename(w.tmpPath.c_str(), w.outPath.c_str()) != 0)
    w.Fail("cannot rename " + w.tmpPath + " to " + w.outPath + " (" + Errno() + ")");
  std::string parent = std::filesystem::path(w.outPath).parent_path().string();
  if (parent.empty()) parent = ".";
  const crypto::FileDescriptor dir(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());
  w.done = true;
}

}  // namespace va::archive
