#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "ScopedSecrets.h"
#include "SecretFile.h"
#include "va/archive/ProvenanceKeys.h"
#include "va/archive/Sha256.h"

namespace va::archive {
namespace {

struct KdfFree {
  void operator()(EVP_KDF* k) const noexcept { EVP_KDF_free(k); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* c) const noexcept { EVP_KDF_CTX_free(c); }
};

constexpr char kSalt[] = "va-provenance-v1";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

WatermarkSecret WatermarkSecret::FromBytes(const std::array<uint8_t, 32>& master) {
  WatermarkSecret s;
  s.master_ = master;
  return s;
}

WatermarkSecret WatermarkSecret::LoadOrCreate(const std::string& path) {
  const std::string what = "watermark master secret " + path;
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) throw std::runtime_error(what + ": cannot stat (" + std::strerror(errno) + ")");
    std::array<uint8_t, 32> fresh{};
    if (RAND_bytes(fresh.data(), static_cast<int>(fresh.size())) != 1)
      throw std::runtime_error(what + ": OpenSSL has no random bytes");
    std::string raw(fresh.begin(), fresh.end());
    const crypto::WipeOnExit wipeRaw(raw);
    std::string text = Sha256::Hex(raw) + "\n";
    const crypto::WipeOnExit wipeText(text);
    OPENSSL_cleanse(fresh.data(), fresh.size());
    crypto::CreateSecretFile(path, text, what);
  }
  return Load(path);
}

WatermarkSecret WatermarkSecret::Load(const std::string& path) {
  const std::string what = "watermark master secret " + path;
  std::string text = crypto::ReadSecretFile(path, what, 256);
  const crypto::WipeOnExit wipe(text);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (text.size() != 64) throw std::runtime_error(what + ": must hold 64 hex digits (32 bytes)");
  WatermarkSecret s;
  for (size_t i = 0; i < 32; ++i) {
    const int hi = HexValue(text[2 * i]), lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) throw std::runtime_error(what + ": must hold 64 hex digits (32 bytes)");
    s.master_[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return s;
}

std::array<uint8_t, 32> WatermarkSecret::Derive(const std::string& label) const {
  const std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  const std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  if (!ctx) throw std::runtime_error("OpenSSL has no HKDF");
  std::array<uint8_t, 32> key = master_;
  std::string info = label;
  std::string salt = kSalt;
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, key.data(), key.size()),
                               OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
                               OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
                               OSSL_PARAM_construct_end()};
  std::array<uint8_t, 32> out{};
  const int ok = EVP_KDF_derive(ctx.get(), out.data(), out.size(), params);
  OPENSSL_cleanse(key.data(), key.size());
  if (ok != 1) throw std::runtime_error("OpenSSL HKDF failed");
  return out;
}

namespace {

// HMAC-SHA256 of message under a key derived for one purpose.
std::array<uint8_t, 32> KeyedHash(const WatermarkSecret& secret, const std::string& purpose,
                                  const std::string& message) {
  std::array<uint8_t, 32> key = secret.Derive(purpose);
  std::array<uint8_t, 32> mac{};
  unsigned int size = 0;
  const unsigned char* ok =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(), &size);
  OPENSSL_cleanse(key.data(), key.size());
  if (!ok || size != mac.size()) throw std::runtime_error("OpenSSL HMAC failed");
  return mac;
}

}  // namespace

std::string WatermarkSecret::PseudonymUid(const std::string& oldUid) const {
  const std::array<uint8_t, 32> mac = KeyedHash(*this, "deidentified-uid-v1", oldUid);
  unsigned __int128 value = 0;
  for (int i = 0; i < 16; ++i) value = (value << 8) | mac[i];
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  } while (value != 0);
  return "2.25." + digits;
}

std::string WatermarkSecret::Pseudonym(const std::string& prefix, const std::string& value) const {
  const std::array<uint8_t, 32> mac = KeyedHash(*this, "deidentified-pseudonym-v1", value);
  return prefix + Sha256::Hex(std::string(mac.begin(), mac.begin() + 6));
}

uint64_t WatermarkSecret::ArchiveIdFor(const std::string& kind, const std::string& sopInstanceUid) const {
  const std::array<uint8_t, 32> mac = KeyedHash(*this, "watermark-id-v1", kind + "\n" + sopInstanceUid);
  uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id = (id << 8) | mac[i];
  return id == 0 ? 1 : id;  // 0 means "no watermark" in the provenance record
}

}  // namespace va::archive
