// Strict base64 (RFC 4648): the standard alphabet with '=' padding (section 4), or the URL alphabet without padding
// (section 5). Strict because a text that only decodes with guesswork (missing padding, stray characters, non-zero
// bits under the padding) is a client bug worth reporting, and because two different texts must never decode to the
// same bytes (tus checksums, password hashes, token secrets, signatures).
#pragma once

#include <optional>
#include <string>

namespace va::archive {

std::string EncodeBase64(const std::string& bytes, bool url = false);

// The decoded bytes, or nullopt when text is not the canonical encoding of some bytes. "" decodes to "".
std::optional<std::string> DecodeBase64(const std::string& text, bool url = false);

}  // namespace va::archive
