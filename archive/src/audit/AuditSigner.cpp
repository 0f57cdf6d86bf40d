#include <fcntl.h>
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
#include <filesystem>
#include <memory>
#include <string>

#include "../access/Encoding.h"
#include "../crypto/ScopedSecrets.h"
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

using crypto::FileDescriptor;
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

// Writes a new key next to path and links it into place, so a crash never leaves a half-written key file and two
// processes starting together end up with the same key (link fails when the other one won).
void CreateKeyFile(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
  }
  std::string pem = PrivatePem(NewKey().get());
  const WipeOnExit wipe(pem);
  const std::string temporary = path + ".new-" + std::to_string(::getpid());
  {
    const FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) throw AuditError("audit signing key " + path + ": cannot create (" + Errno() + ")");
    size_t written = 0;
    ssize_t n = 0;
    while (written < pem.size()) {
      n = ::write(fd.get(), pem.data() + written, pem.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
    if (written < pem.size()) {
      const std::string reason = n == 0 ? "no space written" : Errno();
      ::unlink(temporary.c_str());
      throw AuditError("audit signing key " + path + ": cannot write (" + reason + ")");
    }
    if (::fsync(fd.get()) != 0) {
      const std::string reason = Errno();
      ::unlink(temporary.c_str());
      throw AuditError("audit signing key " + path + ": cannot sync (" + reason + ")");
    }
  }
  const int linked = ::link(temporary.c_str(), path.c_str());
  const int linkErrno = errno;
  ::unlink(temporary.c_str());
  if (linked != 0 && linkErrno != EEXIST)
    throw AuditError("audit signing key " + path + ": cannot create (" + std::strerror(linkErrno) + ")");
}

std::string ReadKeyFile(const std::string& path) {
  const std::string what = "audit signing key " + path;
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) throw AuditError(what + ": cannot open (" + Errno() + ")");
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) throw AuditError(what + ": cannot stat (" + Errno() + ")");
  if (!S_ISREG(info.st_mode)) throw AuditError(what + ": not a regular file");
  if ((info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(info.st_mode & 07777));
    throw AuditError(what + " is accessible by group or others (mode " + mode +
                     "); it must be 0600 or 0400: run chmod 600 " + path);
  }
  if (static_cast<uint64_t>(info.st_size) > kMaxPemSize) throw AuditError(what + ": too large for a PEM key");
  std::string text;
  text.reserve(kMaxPemSize + 1);  // never reallocated, so no unwiped copy is left behind
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0 || text.size() + static_cast<size_t>(got) > kMaxPemSize) {
      OPENSSL_cleanse(buffer, sizeof(buffer));
      if (got == 0) break;
      OPENSSL_cleanse(text.data(), text.size());
      throw AuditError(what + (got < 0 ? ": read error (" + Errno() + ")" : std::string(": too large for a PEM key")));
    }
    text.append(buffer, static_cast<size_t>(got));
  }
  return text;
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
