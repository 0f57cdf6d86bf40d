#include "va/archive/Sha256.h"

#include <openssl/evp.h>

#include <fstream>
#include <stdexcept>
#include <vector>

namespace va::archive {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx_);
    throw std::runtime_error("SHA-256: OpenSSL cannot initialise a digest context");
  }
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_);
}

void Sha256::Update(const void* data, size_t size) {
  if (finished_) throw std::logic_error("SHA-256: update after the digest was taken");
  if (size > 0 && EVP_DigestUpdate(ctx_, data, size) != 1) throw std::runtime_error("SHA-256: update failed");
}

std::string Sha256::Digest() {
  if (finished_) throw std::logic_error("SHA-256: digest taken twice");
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(ctx_, out, &size) != 1) throw std::runtime_error("SHA-256: final failed");
  finished_ = true;
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string Sha256::HexDigest() {
  return Hex(Digest());
}

std::string Sha256::Hex(const std::string& raw) {
  static const char* kDigits = "0123456789abcdef";
  std::string hex;
  hex.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 15]);
  }
  return hex;
}

std::string Sha256::OfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("SHA-256: cannot open " + path);
  Sha256 sha;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    sha.Update(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw std::runtime_error("SHA-256: read error in " + path);
  return sha.HexDigest();
}

}  // namespace va::archive
