// Parsers of manifest.txt and manifest.sig: outside input, so strict, bounded, and every defect named by its line.
#include <algorithm>
#include <set>

#include "ManifestText.h"
#include "va/archive/LegalPackage.h"

namespace va::archive {
namespace {

using legal::SplitFields;
using legal::Unescape;

std::string At(size_t index) {
  return "manifest line " + std::to_string(index + 1);
}

// Decimal without sign or leading zeros, below 2^63.
bool ParseSize(const std::string& text, uint64_t& value) {
  if (text.empty() || text.size() > 19 || (text.size() > 1 && text[0] == '0')) return false;
  value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value <= static_cast<uint64_t>(INT64_MAX);
}

// Each returns "" or the reason the line is malformed.
std::string ParseHeader(const std::vector<std::string>& fields, ParsedManifest& out) {
  if (fields[0] != legal::kManifestMagic) return "not a legal package manifest (no header)";
  if (fields.size() != 6) return "the header has " + std::to_string(fields.size()) + " fields, 6 expected";
  if (fields[1] != std::to_string(legal::kFormatVersion)) return "format version '" + fields[1] + "' is not supported";
  const auto study = Unescape(fields[2]);
  const auto created = Unescape(fields[3]);
  const auto software = Unescape(fields[4]);
  const auto keyId = Unescape(fields[5]);
  if (!study || !created || !software || !keyId) return "malformed escape in the header";
  if (study->empty()) return "no study UID in the header";
  out.version = legal::kFormatVersion;
  out.studyUid = *study;
  out.createdAt = *created;
  out.software = *software;
  out.keyId = *keyId;
  return "";
}

std::string ParseFile(const std::vector<std::string>& fields, std::set<std::string>& names, ParsedManifest& out) {
  if (fields.size() != 5) return "a file line has " + std::to_string(fields.size()) + " fields, 5 expected";
  PackageEntry entry;
  const auto name = Unescape(fields[1]);
  if (!name) return "malformed escape in the file name";
  const std::string nameProblem = legal::NameProblem(*name);
  if (!nameProblem.empty()) return "file name refused: " + nameProblem;
  if (legal::IsReservedName(*name)) return "file name " + *name + " is reserved for the package itself";
  if (!names.insert(*name).second) return "file " + *name + " is listed twice";
  entry.name = *name;
  if (!legal::IsToken(fields[2])) return "file " + entry.name + ": malformed role";
  entry.role = fields[2];
  if (!ParseSize(fields[3], entry.size)) return "file " + entry.name + ": malformed size";
  if (!legal::IsSha256Hex(fields[4])) return "file " + entry.name + ": malformed SHA-256";
  entry.sha256 = fields[4];
  out.files.push_back(std::move(entry));
  return "";
}

std::string ParseCustody(const std::vector<std::string>& fields, ParsedManifest& out) {
  if (fields.size() < 4) return "a custody line has " + std::to_string(fields.size()) + " fields, at least 4 expected";
  CustodyEvent event;
  const auto time = Unescape(fields[1]);
  const auto subject = Unescape(fields[3]);
  if (!time || !subject) return "malformed escape in a custody line";
  if (time->empty()) return "a custody line has no time";
  if (!legal::IsToken(fields[2])) return "a custody line has a malformed kind";
  event.time = *time;
  event.kind = fields[2];
  event.subject = *subject;
  for (size_t i = 4; i < fields.size(); ++i) {
    const size_t equals = fields[i].find('=');
    if (equals == std::string::npos) return "custody detail " + std::to_string(i - 3) + " is not key=value";
    const std::string key = fields[i].substr(0, equals);
    const auto value = Unescape(fields[i].substr(equals + 1));
    if (!legal::IsToken(key)) return "custody detail " + std::to_string(i - 3) + " has a malformed key";
    if (!value) return "malformed escape in custody detail " + key;
    event.details.emplace_back(key, *value);
  }
  out.custody.push_back(std::move(event));
  return "";
}

}  // namespace

ParsedManifest ParseLegalManifest(const std::string& text) {
  ParsedManifest out;
  if (text.empty()) {
    out.problems.push_back("manifest: empty");
    return out;
  }
  if (text.size() > legal::kMaxManifestSize) {
    out.problems.push_back("manifest: larger than " + std::to_string(legal::kMaxManifestSize) + " bytes");
    return out;
  }
  // Counted before splitting: a text of line ends alone must not become millions of strings.
  if (static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) > legal::kMaxManifestLines) {
    out.problems.push_back("manifest: more than " + std::to_string(legal::kMaxManifestLines) + " lines");
    return out;
  }
  out.lines = legal::SplitLines(text);
  if (text.back() != '\n') out.problems.push_back(At(out.lines.size() - 1) + ": no line end (truncated?)");
  std::set<std::string> names;
  for (size_t i = 0; i < out.lines.size(); ++i) {
    const std::string& line = out.lines[i];
    std::string problem;
    if (line.empty()) {
      problem = "empty";
    } else if (!legal::IsValidUtf8(line)) {
      problem = "not valid UTF-8";
    } else {
      const std::vector<std::string> fields = SplitFields(line);
      if (i == 0) {
        problem = ParseHeader(fields, out);
      } else if (fields[0] == "file") {
        problem = ParseFile(fields, names, out);
      } else if (fields[0] == "custody") {
        problem = ParseCustody(fields, out);
      } else {
        problem = "unknown record type '" + legal::LineSummary(fields[0]) + "'";
      }
    }
    if (!problem.empty()) out.problems.push_back(At(i) + ": " + problem);
  }
  return out;
}

ParsedManifestSignature ParseLegalManifestSignature(const std::string& text) {
  const auto fail = [](size_t line, const std::string& why) {
    throw LegalPackageError("manifest.sig line " + std::to_string(line + 1) + ": " + why);
  };
  if (text.empty()) throw LegalPackageError("manifest.sig: empty");
  if (text.size() > legal::kMaxSignatureSize) throw LegalPackageError("manifest.sig: too large");
  if (text.back() != '\n') throw LegalPackageError("manifest.sig: the last line has no line end (truncated?)");
  if (static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) > legal::kMaxManifestLines + 4)
    throw LegalPackageError("manifest.sig: more lines than a manifest may have");
  const std::vector<std::string> lines = legal::SplitLines(text);
  if (lines.size() < 4) throw LegalPackageError("manifest.sig: " + std::to_string(lines.size()) + " lines, too short");

  ParsedManifestSignature out;
  if (lines[0] != std::string(legal::kSignatureMagic) + "\t" + std::to_string(legal::kFormatVersion))
    fail(0, "not a version 1 legal package signature");
  out.version = legal::kFormatVersion;
  std::vector<std::string> fields = SplitFields(lines[1]);
  if (fields.size() != 2 || fields[0] != "key" || !legal::IsToken(fields[1])) fail(1, "expected key<TAB>key id");
  out.keyId = fields[1];
  fields = SplitFields(lines[2]);
  uint64_t count = 0;
  if (fields.size() != 2 || fields[0] != "lines" || !ParseSize(fields[1], count))
    fail(2, "expected lines<TAB>line count");
  if (count > legal::kMaxManifestLines) fail(2, "more lines than a manifest may have");
  if (lines.size() != count + 4)
    throw LegalPackageError("manifest.sig: lists " + std::to_string(lines.size() < 4 ? 0 : lines.size() - 4) +
                            " line hashes but says " + std::to_string(count));
  out.lineHashes.reserve(count);
  for (size_t i = 3; i < 3 + count; ++i) {
    if (!legal::IsSha256Hex(lines[i])) fail(i, "not a SHA-256 (64 lowercase hex digits)");
    out.lineHashes.push_back(lines[i]);
  }
  fields = SplitFields(lines.back());
  if (fields.size() != 2 || fields[0] != "signature" || fields[1].empty() || fields[1].size() > 256)
    fail(lines.size() - 1, "expected signature<TAB>base64");
  out.signature = fields[1];
  out.signedMessage = legal::SignedMessage(text.substr(0, text.size() - lines.back().size() - 1));
  return out;
}

}  // namespace va::archive
