// Random bytes for token identifiers, token secrets and password salts. Private to the archive library.
#pragma once

#include <cstddef>
#include <string>

namespace va::archive::encoding {

// size random bytes from OpenSSL's CSPRNG; throws std::runtime_error when it fails.
std::string RandomBytes(size_t size);

}  // namespace va::archive::encoding
