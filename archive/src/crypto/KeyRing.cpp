#include "va/archive/KeyRing.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <utility>

#include "Aead.h"
#include "ScopedSecrets.h"

namespace va::archive {
namespace {

constexpr size_t kMaxKeyIdSize = 64;
constexpr size_t kMaxKeyFileSize = 1 << 20;
constexpr size_t kWrappedSize = crypto::kGcmNonceSize + crypto::kGcmKeySize + crypto::kGcmTagSize;

using crypto::FileDescriptor;
using crypto::WipeOnExit;

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

bool IsKeyIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The next blank-separated token of line from pos (moved past it); empty at the end of the line or at a comment.
std::string_view NextToken(std::string_view line, size_t& pos) {
  while (pos < line.size() && IsBlank(line[pos])) ++pos;
  if (pos == line.size() || line[pos] == '#') return {};
  const size_t start = pos;
  while (pos < line.size() && !IsBlank(line[pos])) ++pos;
  return line.substr(start, pos - start);
}

std::string Mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

const std::string& KeyOf(const std::map<std::string, std::string>& keys, const std::string& keyId) {
  const auto it = keys.find(keyId);
  if (it == keys.end()) throw KeyError("key ring: unknown master key ID '" + keyId + "'");
  return it->second;
}

}  // namespace

KeyRing::~KeyRing() {
  for (auto& entry : keys_) crypto::Wipe(entry.second);
}

KeyRing KeyRing::FromText(const std::string& text, const std::string& what) {
  KeyRing ring;
  std::map<std::string, size_t> lineOf;
  const std::string_view all(text);
  size_t lineNumber = 0;
  for (size_t start = 0; start <= all.size();) {
    size_t end = all.find('\n', start);
    if (end == std::string_view::npos) end = all.size();
    const std::string_view line = all.substr(start, end - start);
    start = end + 1;
    ++lineNumber;
    const std::string where = what + " line " + std::to_string(lineNumber) + ": ";
    size_t pos = 0;
    const std::string_view id = NextToken(line, pos);
    if (id.empty()) continue;  // blank or comment
    const std::string_view hex = NextToken(line, pos);
    if (hex.empty()) throw KeyError(where + "expected '<key-id> <64 hex digits>'");
    if (!NextToken(line, pos).empty()) throw KeyError(where + "unexpected text after the key (comments start with #)");
    bool idOk = id.size() <= kMaxKeyIdSize;
    for (size_t i = 0; idOk && i < id.size(); ++i) idOk = IsKeyIdChar(id[i]);
    if (!idOk) throw KeyError(where + "the key ID must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
    bool hexOk = hex.size() == 2 * crypto::kGcmKeySize;
    for (size_t i = 0; hexOk && i < hex.size(); ++i) hexOk = HexValue(hex[i]) >= 0;
    if (!hexOk) throw KeyError(where + "the key must be 64 hex digits (256 bits)");
    std::string keyId(id);
    const auto seen = lineOf.find(keyId);
    if (seen != lineOf.end())  // the ID is not echoed: a mistyped line might hold a key in its place
      throw KeyError(where + "the key ID is already used on line " + std::to_string(seen->second));
    lineOf.emplace(keyId, lineNumber);
    std::string& key = ring.keys_[keyId];
    key.assign(crypto::kGcmKeySize, '\0');
    for (size_t i = 0; i < crypto::kGcmKeySize; ++i)
      key[i] = static_cast<char>(HexValue(hex[2 * i]) * 16 + HexValue(hex[2 * i + 1]));
    ring.currentId_ = std::move(keyId);
  }
  if (ring.keys_.empty()) throw KeyError(what + " holds no keys");
  return ring;
}

KeyRing KeyRing::FromFile(const std::string& path) {
  const std::string what = "key file " + path;
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) throw KeyError(what + ": cannot open (" + std::strerror(errno) + ")");
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) throw KeyError(what + ": cannot stat (" + std::strerror(errno) + ")");
  if (!S_ISREG(info.st_mode)) throw KeyError(what + ": not a regular file");
  if ((info.st_mode & 077) != 0)
    throw KeyError(what + " is accessible by group or others (mode " + Mode(info.st_mode) +
                   "); it must be 0600 or 0400: run chmod 600 " + path);
  if (static_cast<uint64_t>(info.st_size) > kMaxKeyFileSize)
    throw KeyError(what + ": larger than " + std::to_string(kMaxKeyFileSize) + " bytes, not a key file");
  std::string text;
  const WipeOnExit wipe(text);
  text.reserve(kMaxKeyFileSize + 1);  // never reallocated, so no unwiped copy is left behind
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      OPENSSL_cleanse(buffer, sizeof(buffer));
      throw KeyError(what + ": read error (" + std::strerror(errno) + ")");
    }
    if (got == 0) break;
    if (text.size() + static_cast<size_t>(got) > kMaxKeyFileSize) {
      OPENSSL_cleanse(buffer, sizeof(buffer));
      throw KeyError(what + ": larger than " + std::to_string(kMaxKeyFileSize) + " bytes, not a key file");
    }
    text.append(buffer, static_cast<size_t>(got));
  }
  OPENSSL_cleanse(buffer, sizeof(buffer));
  return FromText(text, what);
}

std::string KeyRing::Wrap(const std::string& dataKey, const std::string& keyId) const {
  const std::string& master = KeyOf(keys_, keyId);
  if (dataKey.size() != crypto::kGcmKeySize)
    throw KeyError("key ring: a data key must be " + std::to_string(crypto::kGcmKeySize) + " bytes, not " +
                   std::to_string(dataKey.size()));
  std::string wrapped(kWrappedSize, '\0');
  unsigned char* out = crypto::Bytes(wrapped);
  if (!crypto::RandomBytes(out, crypto::kGcmNonceSize)) throw KeyError("key ring: OpenSSL's random generator failed");
  if (!crypto::GcmSeal(crypto::Bytes(master), out, crypto::Bytes(keyId), keyId.size(), crypto::Bytes(dataKey),
                       crypto::kGcmKeySize, out + crypto::kGcmNonceSize,
                       out + crypto::kGcmNonceSize + crypto::kGcmKeySize))
    throw KeyError("key ring: OpenSSL failed to wrap a data key with master key '" + keyId + "'");
  return wrapped;
}

std::string KeyRing::Unwrap(const std::string& wrapped, const std::string& keyId) const {
  const std::string& master = KeyOf(keys_, keyId);
  if (wrapped.size() != kWrappedSize)
    throw KeyError("key ring: a wrapped data key must be " + std::to_string(kWrappedSize) + " bytes, not " +
                   std::to_string(wrapped.size()));
  const unsigned char* in = crypto::Bytes(wrapped);
  std::string dataKey(crypto::kGcmKeySize, '\0');
  const crypto::OpenResult result =
      crypto::GcmOpen(crypto::Bytes(master), in, crypto::Bytes(keyId), keyId.size(), in + crypto::kGcmNonceSize,
                      crypto::kGcmKeySize, in + crypto::kGcmNonceSize + crypto::kGcmKeySize, crypto::Bytes(dataKey));
  if (result != crypto::OpenResult::kOk) {
    crypto::Wipe(dataKey);
    if (result == crypto::OpenResult::kAuthFailed)
      throw KeyError("key ring: the wrapped data key failed authentication with master key '" + keyId +
                     "' (wrong key, or altered)");
    throw KeyError("key ring: OpenSSL failed to unwrap a data key with master key '" + keyId + "'");
  }
  return dataKey;
}

std::string NewDataKey() {
  std::string key(crypto::kGcmKeySize, '\0');
  if (!crypto::RandomBytes(crypto::Bytes(key), key.size()))
    throw KeyError("key ring: OpenSSL's random generator failed to draw a data key");
  return key;
}

}  // namespace va::archive
