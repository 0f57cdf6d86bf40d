#include "Aead.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <climits>

namespace va::archive::crypto {
namespace {

// Fetched once (thread-safe static initialisation): spares every call OpenSSL 3's implicit fetch and its locking.
// Deliberately never freed; it lives as long as the process.
const EVP_CIPHER* Aes256Gcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

CipherCtx NewContext(const unsigned char* key, const unsigned char* nonce, bool encrypt) {
  const EVP_CIPHER* cipher = Aes256Gcm();
  if (cipher == nullptr) return nullptr;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  // The default GCM IV length is 12 bytes (kGcmNonceSize), so the nonce goes in with the key.
  if (ctx == nullptr || EVP_CipherInit_ex2(ctx.get(), cipher, key, nonce, encrypt ? 1 : 0, nullptr) != 1)
    return nullptr;
  return ctx;
}

}  // namespace

bool GcmSeal(const unsigned char* key, const unsigned char* nonce, const unsigned char* aad, size_t aadSize,
             const unsigned char* plain, size_t length, unsigned char* out, unsigned char* tag) {
  if (aadSize > INT_MAX || length > INT_MAX) return false;
  const CipherCtx ctx = NewContext(key, nonce, true);
  if (ctx == nullptr) return false;
  int written = 0;
  if (aadSize > 0 && EVP_EncryptUpdate(ctx.get(), nullptr, &written, aad, static_cast<int>(aadSize)) != 1) return false;
  if (length > 0 && EVP_EncryptUpdate(ctx.get(), out, &written, plain, static_cast<int>(length)) != 1) return false;
  unsigned char rest[kGcmTagSize];  // GCM is a stream mode: Final writes nothing
  if (EVP_EncryptFinal_ex(ctx.get(), rest, &written) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagSize), tag) == 1;
}

OpenResult GcmOpen(const unsigned char* key, const unsigned char* nonce, const unsigned char* aad, size_t aadSize,
                   const unsigned char* cipher, size_t length, const unsigned char* tag, unsigned char* out) {
  if (aadSize > INT_MAX || length > INT_MAX) return OpenResult::kError;
  const CipherCtx ctx = NewContext(key, nonce, false);
  if (ctx == nullptr) return OpenResult::kError;
  int written = 0;
  unsigned char expected[kGcmTagSize];  // the ctrl wants a mutable buffer
  for (size_t i = 0; i < kGcmTagSize; ++i) expected[i] = tag[i];
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagSize), expected) != 1)
    return OpenResult::kError;
  if (aadSize > 0 && EVP_DecryptUpdate(ctx.get(), nullptr, &written, aad, static_cast<int>(aadSize)) != 1)
    return OpenResult::kError;
  if (length > 0 && EVP_DecryptUpdate(ctx.get(), out, &written, cipher, static_cast<int>(length)) != 1)
    return OpenResult::kError;
  unsigned char rest[kGcmTagSize];
  return EVP_DecryptFinal_ex(ctx.get(), rest, &written) == 1 ? OpenResult::kOk : OpenResult::kAuthFailed;
}

bool RandomBytes(unsigned char* out, size_t size) {
  return size <= INT_MAX && RAND_bytes(out, static_cast<int>(size)) == 1;
}

void Wipe(std::string& bytes) {
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}

}  // namespace va::archive::crypto
