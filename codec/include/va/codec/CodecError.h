#pragma once

#include <stdexcept>
#include <string>

namespace va::codec {

// Thrown for unreadable, corrupt or unsupported media and for encoder failures; what() says what and where.
class CodecError : public std::runtime_error {
 public:
  explicit CodecError(const std::string& reason) : std::runtime_error(reason) {}
};

}  // namespace va::codec
