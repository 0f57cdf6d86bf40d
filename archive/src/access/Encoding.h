// Strict base64 / base64url and random identifiers for tokens, password hashes and audit signatures. Private to the
// archive library.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace va::archive::encoding {

// Standard alphabet with '=' padding, or the URL alphabet ('-', '_') without padding.
std::string Base64(const std::string& bytes, bool url = false);

// The inverse; nullopt for any character outside the alphabet, bad padding, or non-zero trailing bits, so one byte
// string has exactly one accepted encoding.
std::optional<std::string> FromBase64(const std::string& text, bool url = false);

// size random bytes from OpenSSL's CSPRNG; throws std::runtime_error when it fails.
std::string RandomBytes(size_t size);

}  // namespace va::archive::encoding
