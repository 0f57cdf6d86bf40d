#include "PublicKeys.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "ManifestText.h"
#include "va/archive/Sha256.h"

namespace va::archive::legal {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
struct OpensslFree {
  void operator()(unsigned char* data) const noexcept { OPENSSL_free(data); }
};

}  // namespace

std::optional<std::string> PublicKeyDer(const std::string& pem) {
  if (pem.empty() || pem.size() > kMaxPublicKeySize) return std::nullopt;
  const std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  const std::unique_ptr<EVP_PKEY, PkeyFree> key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)
                                                    : nullptr);
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    ERR_clear_error();  // leave no stale errors for the next OpenSSL caller
    return std::nullopt;
  }
  unsigned char* raw = nullptr;
  const int size = i2d_PUBKEY(key.get(), &raw);
  const std::unique_ptr<unsigned char, OpensslFree> der(raw);
  if (size <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(der.get()), static_cast<size_t>(size));
}

std::string KeyIdOfDer(const std::string& der) {
  Sha256 sha;
  sha.Update(der.data(), der.size());
  return sha.HexDigest().substr(0, 16);
}

}  // namespace va::archive::legal
