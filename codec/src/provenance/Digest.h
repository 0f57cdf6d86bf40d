// SHA-256 and MD5 through libavutil (the codec library has no OpenSSL), each context owned by its object.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

struct AVSHA;
struct AVMD5;

namespace va::codec::detail {

class Sha256 {
 public:
  Sha256();  // throws CodecError when out of memory
  void Update(const uint8_t* data, size_t size);
  std::array<uint8_t, 32> Final();  // the object is reset afterwards and can hash again

 private:
  struct Deleter {
    void operator()(AVSHA* p) const;
  };
  std::unique_ptr<AVSHA, Deleter> ctx_;
};

class Md5 {
 public:
  Md5();
  void Update(const uint8_t* data, size_t size);
  std::array<uint8_t, 16> Final();  // resets too

 private:
  struct Deleter {
    void operator()(AVMD5* p) const;
  };
  std::unique_ptr<AVMD5, Deleter> ctx_;
};

}  // namespace va::codec::detail
