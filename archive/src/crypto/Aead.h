// AES-256-GCM on OpenSSL 3 (EVP) for the key ring and the envelope: one cipher context per call (so callers are
// thread-safe without locks), freed by RAII on every path. Private to the archive library.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <memory>
#include <string>

namespace va::archive::crypto {

constexpr size_t kGcmKeySize = 32;
constexpr size_t kGcmNonceSize = 12;
constexpr size_t kGcmTagSize = 16;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }  // also wipes the key schedule
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

enum class OpenResult { kOk, kAuthFailed, kError };

// Encrypts length bytes of plain into out (length bytes; may be the same buffer) with key (32 bytes) and nonce
// (12 bytes), authenticating aad too; writes the 16-byte tag into tag. Returns false when OpenSSL fails.
bool GcmSeal(const unsigned char* key, const unsigned char* nonce, const unsigned char* aad, size_t aadSize,
             const unsigned char* plain, size_t length, unsigned char* out, unsigned char* tag);

// The inverse: decrypts into out and checks tag. On anything but kOk the caller must discard (and wipe) out.
OpenResult GcmOpen(const unsigned char* key, const unsigned char* nonce, const unsigned char* aad, size_t aadSize,
                   const unsigned char* cipher, size_t length, const unsigned char* tag, unsigned char* out);

// Fills size bytes from OpenSSL's CSPRNG; returns false when it is not seeded or fails.
bool RandomBytes(unsigned char* out, size_t size);

// Overwrites a string's bytes (key material, plaintext of a failed chunk) so they do not linger in freed memory.
void Wipe(std::string& bytes);

inline const unsigned char* Bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
inline unsigned char* Bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

}  // namespace va::archive::crypto
