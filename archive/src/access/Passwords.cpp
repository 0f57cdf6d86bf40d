#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdint>
#include <string>
#include <vector>

#include "Encoding.h"
#include "va/archive/AccessStore.h"
#include "va/archive/Base64.h"

namespace va::archive {
namespace {

constexpr const char* kScheme = "pbkdf2-sha256";
constexpr size_t kSaltSize = 16;
constexpr size_t kHashSize = 32;
// A stored hash comes from a configuration file: a crafted iteration count must not stall a login for minutes.
constexpr long kMaxIterations = 10000000;
constexpr size_t kMaxEncodedSize = 512;
constexpr size_t kMinDerived = 16;
constexpr size_t kMaxDerived = 64;

bool Derive(const std::string& password, const std::string& salt, long iterations, size_t size, std::string& out) {
  out.assign(size, '\0');
  return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                           reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                           static_cast<int>(iterations), EVP_sha256(), static_cast<int>(size),
                           reinterpret_cast<unsigned char*>(out.data())) == 1;
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

}  // namespace

std::string HashPassword(const std::string& password, int iterations) {
  if (iterations < 1 || iterations > kMaxIterations)
    throw AccessError("password hash: the iteration count must be between 1 and " + std::to_string(kMaxIterations) +
                      ", not " + std::to_string(iterations));
  if (password.size() > static_cast<size_t>(INT32_MAX)) throw AccessError("password hash: the password is too long");
  if (password.find('\0') != std::string::npos)
    throw AccessError("password hash: a password cannot contain a NUL character");
  std::string salt;
  try {
    salt = encoding::RandomBytes(kSaltSize);
  } catch (const std::exception& e) {
    throw AccessError(std::string("password hash: ") + e.what());
  }
  std::string derived;
  if (!Derive(password, salt, iterations, kHashSize, derived))
    throw AccessError("password hash: OpenSSL's PBKDF2 failed");
  std::string encoded =
      std::string(kScheme) + "$" + std::to_string(iterations) + "$" + EncodeBase64(salt) + "$" + EncodeBase64(derived);
  OPENSSL_cleanse(derived.data(), derived.size());
  return encoded;
}

bool VerifyPassword(const std::string& password, const std::string& encodedHash) {
  // HMAC pads its key with zero bytes, so "pw" and "pw\0" would derive the same hash: NULs are refused outright.
  if (encodedHash.size() > kMaxEncodedSize || password.size() > static_cast<size_t>(INT32_MAX) ||
      password.find('\0') != std::string::npos)
    return false;
  const std::vector<std::string> parts = Split(encodedHash, '$');
  if (parts.size() != 4 || parts[0] != kScheme) return false;
  const std::string& count = parts[1];
  if (count.empty() || count.size() > 8 || count[0] == '0') return false;
  long iterations = 0;
  for (char c : count) {
    if (c < '0' || c > '9') return false;
    iterations = iterations * 10 + (c - '0');
  }
  if (iterations > kMaxIterations) return false;
  const auto salt = DecodeBase64(parts[2]);
  const auto expected = DecodeBase64(parts[3]);
  if (!salt || salt->empty() || !expected || expected->size() < kMinDerived || expected->size() > kMaxDerived)
    return false;
  std::string derived;
  if (!Derive(password, *salt, iterations, expected->size(), derived)) return false;
  const bool same = CRYPTO_memcmp(derived.data(), expected->data(), derived.size()) == 0;
  OPENSSL_cleanse(derived.data(), derived.size());
  return same;
}

}  // namespace va::archive
