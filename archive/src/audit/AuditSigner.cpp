#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "../access/Encoding.h"
#include "../crypto/ScopedSecrets.h"
#include "../crypto/SecretFile.h"
#include "va/archive/AuditTrail.h"
#include "va/archive/Base64.h"
#include "va/archive/Sha256.h"

namespace va::archive {
namespace {

constexpr size_t kMaxPemSize = 64 * 1024;
constexpr size_t kSignatureSize = 64;  // Ed25519
constexpr size_t kMaxSignatureText = 256;
constexpr size_t kMaxMessageSize = 1 << 20;

struct PkeyFree {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const noexcept { EVP_PKEY_CTX_free(ctx); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

using crypto::WipeOnExit;

std::string Errno() {
  return std::strerror(errno);
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

Pkey NewKey() {
  const PkeyCtx ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1)
    throw AuditError("audit signer: OpenSSL cannot generate an Ed25519 key");
  return Pkey(raw);
}

std::string PrivatePem(EVP_PKEY* key) {
  const Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw AuditError("audit signer: OpenSSL cannot write the private key as PEM");
  return BioText(bio.get());
}

Pkey ParsePrivate(const std::string& pem, const std::string& what) {
  if (pem.size() > kMaxPemSize) throw AuditError(what + ": larger than a PEM key can be");
  const Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    ERR_clear_error();  // the reason is ours to give; leave no stale errors for the next OpenSSL caller
    throw AuditError(what + ": not a PEM private key");
  }
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) throw AuditError(what + ": not an Ed25519 key");
  return key;
}

Pkey ParsePublic(const std::string& pem) {
  if (pem.size() > kMaxPemSize) return nullptr;
  const Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) ERR_clear_error();
  if (key && EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) return nullptr;
  return key;
}

// Writes a new key file (see crypto/SecretFile.h for how a crash or a concurrent start is handled).
void CreateKeyFile(const std::string& path) {
  std::string pem = PrivatePem(NewKey().get());
  const WipeOnExit wipe(pem);
  try {
    crypto::CreateSecretFile(path, pem, "audit signing key " + path);
  } catch (const crypto::SecretFileError& e) {
    throw AuditError(e.what());
  }
}

std::string ReadKeyFile(const std::string& path) {
  try {
    return crypto::ReadSecretFile(path, "audit signing key " + path, kMaxPemSize);
  } catch (const crypto::SecretFileError& e) {
    throw AuditError(e.what());
  }
}

}  // namespace

struct AuditSigner::Impl {
  Pkey key;
  std::string publicPem;
  std::string keyId;
};

AuditSigner::~AuditSigner() = default;
AuditSigner::AuditSigner(AuditSigner&&) noexcept = default;
AuditSigner& AuditSigner::operator=(AuditSigner&&) noexcept = default;

AuditSigner AuditSigner::FromPrivateKeyPem(const std::string& pem) {
  AuditSigner signer;
  signer.impl_ = std::make_unique<Impl>();
  signer.impl_->key = ParsePrivate(pem, "audit signing key");
  const Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), signer.impl_->key.get()) != 1)
    throw AuditError("audit signer: OpenSSL cannot write the public key");
  signer.impl_->publicPem = BioText(bio.get());
  // The key ID anyone can recompute: sha256 of the DER SubjectPublicKeyInfo (openssl pkey -pubout -outform DER).
  unsigned char* der = nullptr;
  const int size = i2d_PUBKEY(signer.impl_->key.get(), &der);
  if (size <= 0) throw AuditError("audit signer: OpenSSL cannot encode the public key");
  Sha256 sha;
  sha.Update(der, static_cast<size_t>(size));
  OPENSSL_free(der);
  signer.impl_->keyId = sha.HexDigest().substr(0, 16);
  return signer;
}

AuditSigner AuditSigner::LoadOrCreate(const std::string& privateKeyPemPath) {
  struct stat info {};
  if (::lstat(privateKeyPemPath.c_str(), &info) != 0) {
    if (errno != ENOENT) throw AuditError("audit signing key " + privateKeyPemPath + ": cannot stat (" + Errno() + ")");
    CreateKeyFile(privateKeyPemPath);
  }
  std::string pem = ReadKeyFile(privateKeyPemPath);
  const WipeOnExit wipe(pem);
  try {
    return FromPrivateKeyPem(pem);
  } catch (const AuditError& e) {
    throw AuditError("audit signing key " + privateKeyPemPath + ": " + e.what());
  }
}

std::string AuditSigner::Sign(const std::string& message) const {
  const MdCtx ctx(EVP_MD_CTX_new());
  std::string signature(kSignatureSize, '\0');
  size_t size = signature.size();
  // Ed25519 hashes internally: no message digest, one-shot EVP_DigestSign.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      size != kSignatureSize)
    throw AuditError("audit signer: OpenSSL failed to sign a checkpoint");
  return EncodeBase64(signature);
}

std::string AuditSigner::PublicKeyPem() const {
  return impl_->publicPem;
}

std::string AuditSigner::KeyId() const {
  return impl_->keyId;
}

bool VerifyAuditSignature(const std::string& publicKeyPem, const std::string& message, const std::string& signature) {
  if (signature.size() > kMaxSignatureText || message.size() > kMaxMessageSize) return false;
  const auto raw = DecodeBase64(signature);
  if (!raw || raw->size() != kSignatureSize) return false;
  const Pkey key = ParsePublic(publicKeyPem);
  if (!key) return false;
  const MdCtx ctx(EVP_MD_CTX_new());
  const bool valid = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
                     EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(raw->data()), raw->size(),
                                      reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  if (!valid) ERR_clear_error();
  return valid;
}

std::string CheckpointMessage(int64_t sequence, const std::string& hash, int64_t timeMicros) {
  return "va-audit-checkpoint\n" + std::to_string(sequence) + "\n" + hash + "\n" + std::to_string(timeMicros);
}

}  // namespace va::archive
