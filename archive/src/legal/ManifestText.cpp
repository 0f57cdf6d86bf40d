#include "ManifestText.h"

#include <cstdio>

#include "va/archive/Sha256.h"

namespace va::archive::legal {
namespace {

bool IsControl(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not canonical
}

std::string Sha256Hex(const std::string& text) {
  Sha256 sha;
  sha.Update(text.data(), text.size());
  return sha.HexDigest();
}

[[noreturn]] void DetailRefused(const std::string& what, const std::string& key) {
  throw LegalPackageError(what + ": detail '" + key + "': keys must be [A-Za-z0-9._-]{1,64}, values UTF-8");
}

}  // namespace

bool IsValidUtf8(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
      code = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      code = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    if (text.size() - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      code = (code << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if ((extra == 2 && code < 0x800) || (extra == 3 && (code < 0x10000 || code > 0x10ffff)) ||
        (code >= 0xd800 && code <= 0xdfff))
      return false;
    i += extra + 1;
  }
  return true;
}

std::string Escape(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default:
        if (IsControl(c)) {
          char hex[5];
          std::snprintf(hex, sizeof(hex), "\\x%02x", c);
          out += hex;
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::optional<std::string> Unescape(const std::string& field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    const char ch = field[i];
    if (IsControl(static_cast<unsigned char>(ch))) return std::nullopt;
    if (ch != '\\') {
      out += ch;
      continue;
    }
    if (++i == field.size()) return std::nullopt;
    switch (field[i]) {
      case '\\': out += '\\'; break;
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 'x': {
        if (field.size() - i < 3) return std::nullopt;
        const int high = HexValue(field[i + 1]);
        const int low = HexValue(field[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        const auto c = static_cast<unsigned char>(high * 16 + low);
        if (!IsControl(c) || c == '\t' || c == '\n' || c == '\r') return std::nullopt;
        out += static_cast<char>(c);
        i += 2;
        break;
      }
      default: return std::nullopt;
    }
  }
  return out;
}

bool IsToken(const std::string& text) {
  if (text.empty() || text.size() > kMaxTokenSize) return false;
  for (char c : text) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string NameProblem(const std::string& name) {
  if (name.empty()) return "the name is empty";
  if (name.size() > kMaxNameSize) return "the name is longer than " + std::to_string(kMaxNameSize) + " bytes";
  if (name.front() == '/') return "absolute paths are refused";
  for (char c : name) {
    if (IsControl(static_cast<unsigned char>(c))) return "control characters are refused in names";
    if (c == '\\') return "backslashes are refused in names";
  }
  if (!IsValidUtf8(name)) return "the name is not valid UTF-8";
  size_t start = 0;
  for (;;) {
    const size_t slash = name.find('/', start);
    const std::string part = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty()) return "empty path components are refused";
    if (part == "." || part == "..") return "\".\" and \"..\" components are refused";
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return "";
}

bool IsReservedName(const std::string& name) {
  return name == kManifestName || name == kSignatureName || name == kPublicKeyName;
}

bool IsSha256Hex(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (HexValue(c) < 0) return false;
  }
  return true;
}

std::vector<std::string> SplitFields(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    if (tab == std::string::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string HeaderLine(const std::string& studyUid, const std::string& createdAt, const std::string& software,
                       const std::string& keyId) {
  return std::string(kManifestMagic) + "\t" + std::to_string(kFormatVersion) + "\t" + Escape(studyUid) + "\t" +
         Escape(createdAt) + "\t" + Escape(software) + "\t" + Escape(keyId);
}

std::string FileLine(const PackageEntry& entry) {
  return "file\t" + Escape(entry.name) + "\t" + entry.role + "\t" + std::to_string(entry.size) + "\t" + entry.sha256;
}

std::string CustodyLine(const CustodyEvent& event) {
  const std::string what = "custody event (" + event.kind + " " + event.subject + ")";
  if (event.time.empty()) throw LegalPackageError(what + ": no time");
  if (!IsToken(event.kind)) throw LegalPackageError(what + ": the kind must be [A-Za-z0-9._-]{1,64}");
  if (!IsValidUtf8(event.time) || !IsValidUtf8(event.subject)) throw LegalPackageError(what + ": not valid UTF-8");
  std::string line = "custody\t" + Escape(event.time) + "\t" + event.kind + "\t" + Escape(event.subject);
  for (const auto& [key, value] : event.details) {
    if (!IsToken(key) || !IsValidUtf8(value)) DetailRefused(what, key);
    line.append("\t").append(key).append("=").append(Escape(value));
  }
  return line;
}

std::string LineSummary(const std::string& line) {
  constexpr size_t kMax = 80;
  const std::vector<std::string> fields = SplitFields(line);
  std::string summary;
  for (size_t i = 0; i < fields.size() && i < 3; ++i) {
    if (i > 0) summary += ' ';
    summary += fields[i];
  }
  for (char& c : summary) {
    const auto u = static_cast<unsigned char>(c);
    if (IsControl(u) || u >= 0x80) c = '?';  // messages stay printable ASCII whatever the line holds
  }
  if (summary.size() > kMax) summary = summary.substr(0, kMax) + "...";
  return summary;
}

std::string SignatureBody(const std::string& keyId, const std::vector<std::string>& lineHashes) {
  std::string body = std::string(kSignatureMagic) + "\t" + std::to_string(kFormatVersion) + "\n";
  body += "key\t" + keyId + "\n";
  body += "lines\t" + std::to_string(lineHashes.size()) + "\n";
  for (const std::string& hash : lineHashes) body += hash + "\n";
  return body;
}

std::string SignedMessage(const std::string& body) {
  return std::string(kSignatureMagic) + "\n" + std::to_string(kFormatVersion) + "\n" + Sha256Hex(body);
}

}  // namespace va::archive::legal
