#include "Encoding.h"

#include <openssl/rand.h>

#include <climits>
#include <stdexcept>

namespace va::archive::encoding {
std::string RandomBytes(size_t size) {
  std::string bytes(size, '\0');
  if (size > INT_MAX || RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(size)) != 1)
    throw std::runtime_error("OpenSSL's random generator failed");
  return bytes;
}

}  // namespace va::archive::encoding
