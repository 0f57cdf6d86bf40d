#include "Digest.h"

extern "C" {
#include <libavutil/md5.h>
#include <libavutil/mem.h>
#include <libavutil/sha.h>
}

#include "va/codec/CodecError.h"

namespace va::codec::detail {

void Sha256::Deleter::operator()(AVSHA* p) const {
  av_free(p);
}
void Md5::Deleter::operator()(AVMD5* p) const {
  av_free(p);
}

Sha256::Sha256() : ctx_(av_sha_alloc()) {
  if (!ctx_) throw CodecError("out of memory allocating a SHA-256 context");
  av_sha_init(ctx_.get(), 256);
}

void Sha256::Update(const uint8_t* data, size_t size) {
  av_sha_update(ctx_.get(), data, size);
}

std::array<uint8_t, 32> Sha256::Final() {
  std::array<uint8_t, 32> out{};
  av_sha_final(ctx_.get(), out.data());
  av_sha_init(ctx_.get(), 256);
  return out;
}

Md5::Md5() : ctx_(av_md5_alloc()) {
  if (!ctx_) throw CodecError("out of memory allocating an MD5 context");
  av_md5_init(ctx_.get());
}

void Md5::Update(const uint8_t* data, size_t size) {
  av_md5_update(ctx_.get(), data, size);
}

std::array<uint8_t, 16> Md5::Final() {
  std::array<uint8_t, 16> out{};
  av_md5_final(ctx_.get(), out.data());
  av_md5_init(ctx_.get());
  return out;
}

}  // namespace va::codec::detail
