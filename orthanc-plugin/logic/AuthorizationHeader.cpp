// ParseAuthorization (declared in AccessPolicy.h): the Authorization header of every request, before any check.
#include <algorithm>
#include <cctype>

#include "AccessPolicy.h"
#include "va/archive/Base64.h"

namespace va::plugin {

namespace {

constexpr size_t kMaxHeader = 4096;
constexpr size_t kMaxBasicDecoded = 1024;
constexpr size_t kMaxToken = 512;

Credentials Invalid(std::string reason) {
  Credentials c;
  c.scheme = Credentials::Scheme::Invalid;
  c.reason = std::move(reason);
  return c;
}

bool IsBlank(char c) {
  return c == ' ' || c == '\t';
}

bool EqualsNoCase(const std::string& a, const char* b) {
  const std::string other(b);
  return a.size() == other.size() && std::equal(a.begin(), a.end(), other.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool IsB64Token(const std::string& token) {
  const size_t end = token.find_last_not_of('=');
  if (end == std::string::npos) return false;  // empty, or only padding
  return std::all_of(token.begin(), token.begin() + static_cast<std::ptrdiff_t>(end) + 1, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' || c == '~' ||
           c == '+' || c == '/';
  });
}

Credentials ParseBasic(const std::string& encoded) {
  // A bound before decoding as well as after: 1024 bytes take at most 1368 base64 characters.
  if (encoded.size() > (kMaxBasicDecoded + 2) / 3 * 4) return Invalid("Basic credentials longer than 1024 bytes");
  const auto decoded = archive::DecodeBase64(encoded);
  if (!decoded) return Invalid("Basic credentials are not base64");
  if (decoded->size() > kMaxBasicDecoded) return Invalid("Basic credentials longer than 1024 bytes");
  for (const char c : *decoded) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return Invalid("Basic credentials contain a control character");
  }
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return Invalid("Basic credentials without ':' between user and password");
  if (colon == 0) return Invalid("Basic credentials with an empty user name");
  Credentials c;
  c.scheme = Credentials::Scheme::Basic;
  c.user = decoded->substr(0, colon);
  c.password = decoded->substr(colon + 1);
  return c;
}

}  // namespace

Credentials ParseAuthorization(const std::string& headerValue) {
  if (headerValue.size() > kMaxHeader) return Invalid("Authorization header longer than 4096 bytes");
  const auto first = std::find_if_not(headerValue.begin(), headerValue.end(), IsBlank);
  const auto last = std::find_if_not(headerValue.rbegin(), headerValue.rend(), IsBlank).base();
  if (first >= last) return Credentials{};  // no credentials at all: anonymous, not malformed
  const std::string value(first, last);
  const size_t space = value.find(' ');
  const std::string scheme = value.substr(0, space);
  const bool basic = EqualsNoCase(scheme, "Basic");
  if (!basic && !EqualsNoCase(scheme, "Bearer"))
    return Invalid("unknown authorization scheme (only Basic and Bearer are accepted)");
  if (space == std::string::npos) return Invalid(scheme + " without credentials");
  const std::string rest = value.substr(space + 1);
  if (rest.empty() || IsBlank(rest.front())) return Invalid(scheme + " must be followed by exactly one space");
  if (basic) return ParseBasic(rest);
  if (rest.size() > kMaxToken) return Invalid("bearer token longer than 512 characters");
  if (!IsB64Token(rest)) return Invalid("bearer token with characters outside RFC 6750's b64token");
  Credentials c;
  c.scheme = Credentials::Scheme::Bearer;
  c.token = rest;
  return c;
}

}  // namespace va::plugin
