// Strict base64 (RFC 4648 section 4, standard alphabet, padded) for the tus headers. Strict because a header that
// only decodes with guesswork (missing padding, stray characters, non-zero pad bits) is a client bug worth reporting,
// and because two different texts must never decode to the same checksum.
#pragma once

#include <optional>
#include <string>

namespace va::plugin {

// The decoded bytes, or nullopt when text is not canonical padded base64. "" decodes to "".
std::optional<std::string> DecodeBase64(const std::string& text);

std::string EncodeBase64(const std::string& bytes);

}  // namespace va::plugin
