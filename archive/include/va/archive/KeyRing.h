// Master keys for envelope encryption, read from a key file named in the configuration. Master keys only wrap
// (AES-256-GCM) the per-object data keys; they never touch object bytes, so rotating to a new master key re-wraps
// the data keys recorded in the catalog and re-encrypts no data. Key material is never logged or put in errors.
//
// Key file format (text, one key per line, '#' comments):   <key-id> <64 hex digits>
// The last key listed is the current one (used to wrap new data keys); earlier keys stay to unwrap older objects.
// Key IDs are 1-64 characters of [A-Za-z0-9._-]; IDs are unique. Blank lines and text after '#' are ignored.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

namespace va::archive {

class KeyError : public std::runtime_error {
 public:
  explicit KeyError(const std::string& reason) : std::runtime_error(reason) {}
};

// Const members are thread-safe. Key material is wiped when a ring is destroyed.
class KeyRing {
 public:
  KeyRing() = default;  // empty: for members assigned later; FromFile/FromText never return an empty ring
  ~KeyRing();
  KeyRing(const KeyRing&) = default;
  KeyRing(KeyRing&&) noexcept = default;
  KeyRing& operator=(const KeyRing&) = default;
  KeyRing& operator=(KeyRing&&) noexcept = default;

  // Throws KeyError naming the file and line (never the key) when the file is missing, unreadable, malformed, or
  // readable by group/others (mode must be 0600 or 0400).
  static KeyRing FromFile(const std::string& path);
  // From the text of a key file (for tests and the fuzz target).
  static KeyRing FromText(const std::string& text, const std::string& what = "key file");

  const std::string& CurrentId() const { return currentId_; }
  bool Has(const std::string& keyId) const { return keys_.count(keyId) != 0; }

  // Wraps a 32-byte data key with the named master key: returns nonce(12) | ciphertext(32) | tag(16), AES-256-GCM
  // with a random nonce and the key ID as associated data. Throws KeyError for an unknown ID or a key not 32 bytes.
  std::string Wrap(const std::string& dataKey, const std::string& keyId) const;
  // Unwraps; throws KeyError when the key ID is unknown or the wrapped key fails authentication.
  std::string Unwrap(const std::string& wrapped, const std::string& keyId) const;

 private:
  std::map<std::string, std::string> keys_;  // id -> 32 raw bytes
  std::string currentId_;
};

// 32 random bytes from OpenSSL's CSPRNG; throws KeyError when it fails.
std::string NewDataKey();

}  // namespace va::archive
