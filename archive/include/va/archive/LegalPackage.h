// The signed legal export package of one study and its offline verification.
//
// A package is an uncompressed POSIX tar (pax) holding the study's files (DICOM instances, MP4 renditions, ...),
// then manifest.txt (one record per line: a header, one `file` line per file with its size and SHA-256, one
// `custody` line per chain-of-custody event), manifest.sig (the SHA-256 of every manifest line, the line count and
// an Ed25519 signature over them, so a verifier can name the altered line) and public-key.pem. The format, the
// manifest grammar and what the signature covers are in docs/legal-export.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace va::archive {

class AuditSigner;

class LegalPackageError : public std::runtime_error {
 public:
  explicit LegalPackageError(const std::string& reason) : std::runtime_error(reason) {}
};

// One event of the chain of custody.
struct CustodyEvent {
  std::string time;     // ISO 8601 UTC, e.g. "2026-11-28T11:24:25Z"
  std::string kind;     // ingest, transcode, tier-move, access, export, ... ([A-Za-z0-9._-]+)
  std::string subject;  // SOP Instance UID or file name
  // key/value pairs in order, e.g. sha256, psnrY, ssim, tier, actor, outcome; keys are [A-Za-z0-9._-]+
  std::vector<std::pair<std::string, std::string>> details;
};

// One file of a package as its manifest describes it.
struct PackageEntry {
  std::string name;  // path inside the package, e.g. "dicom/1.2.3.4.dcm"
  std::string role;  // e.g. dicom, mp4, report ([A-Za-z0-9._-]+)
  uint64_t size = 0;
  std::string sha256;     // 64 lowercase hex digits
  bool verified = false;  // present, same size and SHA-256, under an authentic manifest
};

// Writes a package: files are streamed in (never held whole in memory) and hashed on the way; Finish() adds the
// manifest, its signature and the public key, then renames outPath + ".tmp" to outPath. A writer destroyed before
// Finish() (or after an error) removes the .tmp file. Every method throws LegalPackageError with the reason.
class LegalPackageWriter {
 public:
  LegalPackageWriter(const std::string& outPath, const std::string& studyUid, const AuditSigner& signer,
                     const std::string& software = "va-archive");
  ~LegalPackageWriter();
  LegalPackageWriter(const LegalPackageWriter&) = delete;
  LegalPackageWriter& operator=(const LegalPackageWriter&) = delete;

  // nameInPackage: relative, "/"-separated, no "." or ".." component, no control characters, valid UTF-8, unique,
  // not one of the package's own names (manifest.txt, manifest.sig, public-key.pem). sourcePath: a regular file.
  // Returns the entry written (size, SHA-256).
  PackageEntry AddFile(const std::string& nameInPackage, const std::string& sourcePath, const std::string& role);
  void AddCustody(const CustodyEvent& event);
  void Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct PackageVerification {
  bool ok = false;                    // every check passed (a package with an untrusted key can still be ok)
  bool keyTrusted = false;            // verified against the caller's key, not only the package's own
  std::vector<std::string> problems;  // each names the place: "manifest line 14 (custody transcode ...): altered"
  std::vector<std::string> notes;     // facts that are not failures, e.g. that the key was not trusted
  int files = 0;                      // files listed in the manifest
  int manifestLines = 0;
  std::string keyId;  // of the key that verified the signature (SHA-256 of its DER, first 16 hex digits)
  std::string studyUid;
  std::string createdAt;
  std::string software;
  std::vector<PackageEntry> entries;  // manifest order
  std::vector<CustodyEvent> custody;  // manifest order
};

// Receives each file listed in an authentic manifest, streamed from the tar in package order: Begin, Write...,
// End(verified). Files are handed out only when the manifest signature is valid; End(false) means the bytes just
// written do not match the manifest (size or SHA-256) and must be discarded. An exception thrown by the sink
// becomes a problem of that file.
class PackageFileSink {
 public:
  virtual ~PackageFileSink() = default;
  virtual void Begin(const PackageEntry& expected) = 0;
  virtual void Write(const char* data, size_t size) = 0;
  virtual void End(bool verified) = 0;
};

// Checks a package end to end: tar structure (regular files only, safe unique names), manifest grammar, the
// signature over every manifest line, the key (trustedPublicKeyPem, or the package's own key when empty: then
// keyTrusted is false and a note says so), and each file's size and SHA-256; files not listed and listed files
// missing are problems. Never throws for anything found in the package: every finding is a problem.
PackageVerification VerifyLegalPackage(const std::string& tarPath, const std::string& trustedPublicKeyPem,
                                       PackageFileSink* sink);

// As above; with extractTo set, each verified file is written below that folder (created when missing; names are
// checked again, no symbolic link is followed, existing files are never overwritten). Files that fail are not left
// there.
PackageVerification VerifyLegalPackage(const std::string& tarPath, const std::string& trustedPublicKeyPem,
                                       const std::string& extractTo = "");

// --- Parsers of the package's texts, public for the fuzz target and for tools that show a manifest. ---

struct ParsedManifest {
  int version = 0;
  std::string studyUid;
  std::string createdAt;
  std::string software;
  std::string keyId;
  std::vector<std::string> lines;  // raw lines, without their "\n"
  std::vector<PackageEntry> files;
  std::vector<CustodyEvent> custody;
  std::vector<std::string> problems;  // grammar problems, each naming its line
};

// Never throws (but std::bad_alloc): every defect is a problem.
ParsedManifest ParseLegalManifest(const std::string& text);

struct ParsedManifestSignature {
  int version = 0;
  std::vector<std::string> lineHashes;  // lineHashes[i]: SHA-256 hex of manifest line i + 1
  std::string keyId;
  std::string signature;      // base64 Ed25519
  std::string signedMessage;  // what the signature covers
};

// Throws LegalPackageError naming the line of manifest.sig that is malformed.
ParsedManifestSignature ParseLegalManifestSignature(const std::string& text);

}  // namespace va::archive
