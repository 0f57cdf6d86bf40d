// Incremental SHA-256 on OpenSSL 3 (EVP), for checksums of uploads and stored objects.
#pragma once

#include <cstddef>
#include <string>

struct evp_md_ctx_st;

namespace va::archive {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size);
  std::string Digest();     // 32 raw bytes; the object can no longer be updated afterwards
  std::string HexDigest();  // 64 lowercase hex digits

  static std::string Hex(const std::string& raw);
  static std::string OfFile(const std::string& path);  // hex digest of a whole file, read in bounded pieces

 private:
  evp_md_ctx_st* ctx_;
  bool finished_ = false;
};

}  // namespace va::archive
