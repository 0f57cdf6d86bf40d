// The text forms of a legal package (manifest.txt, manifest.sig): escaping, names, and the lines themselves.
// Private to the archive library; the grammar is documented in docs/legal-export.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "va/archive/LegalPackage.h"

namespace va::archive::legal {

constexpr int kFormatVersion = 1;
constexpr const char* kManifestMagic = "va-legal-package";
constexpr const char* kSignatureMagic = "va-legal-package-signature";
constexpr const char* kManifestName = "manifest.txt";
constexpr const char* kSignatureName = "manifest.sig";
constexpr const char* kPublicKeyName = "public-key.pem";

// Bounds on what a verifier reads into memory from a package that may be hostile.
constexpr size_t kMaxManifestLines = 1000000;
constexpr size_t kMaxManifestSize = 256u << 20;
constexpr size_t kMaxSignatureSize = 80u << 20;  // 65 bytes a line hash
constexpr size_t kMaxPublicKeySize = 64u << 10;
constexpr size_t kMaxNameSize = 1024;
constexpr size_t kMaxTokenSize = 64;

bool IsValidUtf8(const std::string& text);

// Backslash escapes: "\\" "\t" "\n" "\r", any other control character as "\xHH". The result holds no tab, no line
// end and no control character, so a value can never forge a field or a line.
std::string Escape(const std::string& value);

// The inverse, strict: nullopt for an unknown or incomplete escape, a raw control character or a non-canonical
// "\xHH" (one that Escape would have written otherwise), so one value has exactly one text.
std::optional<std::string> Unescape(const std::string& field);

// [A-Za-z0-9._-]{1,64}: roles, custody kinds, detail keys.
bool IsToken(const std::string& text);

// Why name cannot be a file of a package ("" when it can): relative, "/"-separated, no empty, "." or ".."
// component, no control character or backslash, valid UTF-8, at most kMaxNameSize bytes.
std::string NameProblem(const std::string& name);

bool IsReservedName(const std::string& name);
bool IsSha256Hex(const std::string& text);

std::vector<std::string> SplitFields(const std::string& line);  // on tabs
std::vector<std::string> SplitLines(const std::string& text);   // on "\n"; a final "\n" ends the last line

std::string HeaderLine(const std::string& studyUid, const std::string& createdAt, const std::string& software,
                       const std::string& keyId);
std::string FileLine(const PackageEntry& entry);
std::string CustodyLine(const CustodyEvent& event);  // throws LegalPackageError for a malformed event

// A short printable description of a manifest line for messages: "custody transcode 1.2.3".
std::string LineSummary(const std::string& line);

// manifest.sig without its signature line, and what the signature covers.
std::string SignatureBody(const std::string& keyId, const std::vector<std::string>& lineHashes);
std::string SignedMessage(const std::string& body);

}  // namespace va::archive::legal
