#include "MultipartReader.h"

#include <cstring>
#include <vector>

namespace va::plugin {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t';
}

// RFC 7230 tchar.
bool IsTokenChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// RFC 2046 bcharsnospace (a boundary may also hold spaces, but not end with one).
bool IsBoundaryChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::strchr("'()+_,-./:=?", c) != nullptr;
}

std::string Lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text;
}

std::string ReadToken(const std::string& text, size_t& pos) {
  const size_t begin = pos;
  while (pos < text.size() && IsTokenChar(text[pos])) ++pos;
  return text.substr(begin, pos - begin);
}

void SkipSpaces(const std::string& text, size_t& pos) {
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
}

std::string ReadParameterValue(const std::string& text, size_t& pos) {
  std::string value;
  if (pos < text.size() && text[pos] == '"') {
    for (++pos;; ++pos) {
      if (pos >= text.size()) throw MultipartError("Content-Type has an unterminated quoted parameter value");
      const char c = text[pos];
      if (c == '"') break;
      if (c == '\\') {
        if (++pos >= text.size()) throw MultipartError("Content-Type has an unterminated quoted parameter value");
      } else if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F) {
        throw MultipartError("Content-Type has a control character in a quoted parameter value");
      }
      value.push_back(text[pos]);
    }
    ++pos;
    return value;
  }
  while (pos < text.size() && text[pos] > 0x20 && text[pos] < 0x7F && text[pos] != ';' && text[pos] != '"') {
    value.push_back(text[pos++]);
  }
  if (value.empty()) throw MultipartError("Content-Type has a parameter without a value");
  return value;
}

std::string PartHeaderError(size_t part, const std::string& what) {
  return "part " + std::to_string(part) + ": " + what;
}

}  // namespace

MediaType ParseMediaType(const std::string& contentType) {
  MediaType media;
  size_t pos = 0;
  SkipSpaces(contentType, pos);
  const std::string type = ReadToken(contentType, pos);
  if (type.empty() || pos >= contentType.size() || contentType[pos] != '/') {
    throw MultipartError("Content-Type must be a media type \"type/subtype\", e.g. multipart/related");
  }
  ++pos;
  const std::string subtype = ReadToken(contentType, pos);
  if (subtype.empty()) throw MultipartError("Content-Type must be a media type \"type/subtype\"");
  media.type = Lowercase(type + "/" + subtype);
  for (;;) {
    SkipSpaces(contentType, pos);
    if (pos >= contentType.size()) break;
    if (contentType[pos] != ';') throw MultipartError("Content-Type: parameters must be separated by ';'");
    ++pos;
    SkipSpaces(contentType, pos);
    if (pos >= contentType.size() || contentType[pos] == ';') continue;  // tolerate an empty parameter
    const std::string name = Lowercase(ReadToken(contentType, pos));
    if (name.empty() || pos >= contentType.size() || contentType[pos] != '=') {
      throw MultipartError("Content-Type: a parameter must be name=value");
    }
    ++pos;
    std::string value = ReadParameterValue(contentType, pos);
    if (!media.parameters.emplace(name, std::move(value)).second) {
      throw MultipartError("Content-Type: parameter \"" + name + "\" is given twice");
    }
  }
  return media;
}

MultipartReader::MultipartReader(const std::string& contentType, MultipartHandler& handler) : handler_(handler) {
  const MediaType media = ParseMediaType(contentType);
  if (media.type != "multipart/related") {
    throw MultipartError("Content-Type must be multipart/related (STOW-RS, RFC 2387), not " + media.type);
  }
  const auto boundary = media.parameters.find("boundary");
  if (boundary == media.parameters.end()) throw MultipartError("Content-Type multipart/related lacks a boundary");
  boundary_ = boundary->second;
  bool valid = !boundary_.empty() && boundary_.size() <= 70 && boundary_.back() != ' ';
  for (const char c : boundary_) valid = valid && (IsBoundaryChar(c) || c == ' ');
  if (!valid) {
    throw MultipartError(
        "Content-Type boundary must be 1 to 70 characters: letters, digits, spaces (not last) and "
        "'()+_,-./:=? (RFC 2046)");
  }
  if (media.parameters.count("type")) type_ = Lowercase(media.parameters.at("type"));
  if (media.parameters.count("start")) start_ = media.parameters.at("start");
  delimiter_ = "\r\n--" + boundary_;
  // The first boundary may open the body without a CRLF before it: behave as if the body began with one.
  matched_ = 2;
}

void MultipartReader::Fail(const std::string& reason) {
  state_ = State::Failed;
  error_ = reason;
  throw MultipartError(reason);
}

void MultipartReader::Feed(const char* data, size_t size) {
  if (state_ == State::Failed) throw MultipartError(error_);
  try {
    Consume(data, data + size);
  } catch (const std::exception& e) {
    // Our own errors went through Fail(); anything else came from the handler.
    if (state_ != State::Failed) {
      state_ = State::Failed;
      error_ = std::string("the part handler failed: ") + e.what();
    }
    throw;
  } catch (...) {
    state_ = State::Failed;
    error_ = "the part handler failed";
    throw;
  }
}

void MultipartReader::Consume(const char* p, const char* end) {
  while (p < end) {
    switch (state_) {
      case State::Preamble:
      case State::Data: p = ScanData(p, end); break;
      case State::Headers: p = ScanHeaders(p, end); break;
      case State::Epilogue:  // ignored (RFC 2046)
      case State::Failed: return;
      case State::AfterBoundary: {
        const char c = *p++;
        if (c == '-') {
          state_ = State::ClosingDash;
        } else if (IsSpace(c)) {
          state_ = State::Padding;
        } else if (c == '\r') {
          state_ = State::BoundaryLf;
        } else {
          Fail("a line starts with \"--" + boundary_ +
               "\" but is not a boundary line (one must end there, or with \"--\" to close the body); choose a "
               "boundary that does not occur inside the parts");
        }
        break;
      }
      case State::ClosingDash:
        if (*p++ != '-')
          Fail("a boundary line \"--" + boundary_ + "-\" is malformed; the closing one is \"--" + boundary_ + "--\"");
        state_ = State::Epilogue;
        break;
      case State::Padding: {
        const char c = *p++;
        if (c == '\r') {
          state_ = State::BoundaryLf;
        } else if (!IsSpace(c)) {
          Fail("a boundary line has text after the boundary; only spaces may follow it before CRLF");
        }
        break;
      }
      case State::BoundaryLf:
        if (*p++ != '\n') Fail("a boundary line must end with CRLF");
        state_ = State::Headers;
        headers_.clear();
        break;
    }
  }
}

const char* MultipartReader::ScanData(const char* p, const char* end) {
  // Hands on everything except a possible start of the delimiter at the end of the input. The delimiter holds its
  // only CR at its first byte, so after a mismatch all held-back bytes are data and only the current byte can
  // start a new match: no backtracking, and the held-back bytes are a prefix of delimiter_, so nothing is copied.
  const auto emit = [this](const char* data, size_t size) {
    if (state_ == State::Data && size > 0) handler_.OnPartData(data, size);
  };
  while (p < end) {
    if (matched_ > 0) {
      while (p < end && matched_ < delimiter_.size() && *p == delimiter_[matched_]) ++p, ++matched_;
      if (matched_ == delimiter_.size()) {
        matched_ = 0;
        if (state_ == State::Data) handler_.OnPartEnd();
        state_ = State::AfterBoundary;
        return p;
      }
      if (p == end) return p;
      emit(delimiter_.data(), matched_);
      matched_ = 0;
    }
    const char* cr = static_cast<const char*>(std::memchr(p, '\r', static_cast<size_t>(end - p)));
    if (cr == nullptr) {
      emit(p, static_cast<size_t>(end - p));
      return end;
    }
    emit(p, static_cast<size_t>(cr - p));
    p = cr + 1;
    matched_ = 1;
  }
  return p;
}

const char* MultipartReader::ScanHeaders(const char* p, const char* end) {
  while (p < end) {
    const char* lf = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const size_t n = static_cast<size_t>((lf ? lf + 1 : end) - p);
    if (headers_.size() + n > kMaxPartHeaderBytes) {
      Fail(PartHeaderError(parts_ + 1, "the part headers exceed 16 KiB (or the blank line that ends them is missing)"));
    }
    headers_.append(p, n);
    p += n;
    if (lf == nullptr) break;
    if (headers_.size() < 2 || headers_[headers_.size() - 2] != '\r')
      Fail(PartHeaderError(parts_ + 1, "part header lines must end with CRLF"));
    if (headers_.size() == 2 || (headers_.size() >= 4 && headers_.compare(headers_.size() - 4, 4, "\r\n\r\n") == 0)) {
      BeginPart();
      break;
    }
  }
  return p;
}

void MultipartReader::BeginPart() {
  const size_t part = parts_ + 1;
  std::map<std::string, std::string> headers;
  std::string lastName;
  // Lines end with CRLF (checked as they came); the last line is the empty one.
  const std::string block = headers_.substr(0, headers_.size() - 2);
  for (size_t begin = 0; begin < block.size();) {
    const size_t eol = block.find("\r\n", begin);
    const std::string line = block.substr(begin, eol - begin);
    begin = eol + 2;
    for (const char c : line) {
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F)
        Fail(PartHeaderError(part, "a part header holds a control character"));
    }
    if (IsSpace(line[0])) {
      // Obsolete line folding (RFC 5322 / RFC 7230 obs-fold): continues the previous header's value.
      if (lastName.empty()) Fail(PartHeaderError(part, "the part headers begin with a continuation line"));
      size_t pos = 0;
      SkipSpaces(line, pos);
      std::string& value = headers[lastName];
      value += (value.empty() ? "" : " ") + line.substr(pos);
      while (!value.empty() && IsSpace(value.back())) value.pop_back();
      continue;
    }
    size_t pos = 0;
    const std::string name = Lowercase(ReadToken(line, pos));
    if (name.empty() || pos >= line.size() || line[pos] != ':')
      Fail(PartHeaderError(part, "a part header line is not \"Name: value\""));
    ++pos;
    SkipSpaces(line, pos);
    std::string value = line.substr(pos);
    while (!value.empty() && IsSpace(value.back())) value.pop_back();
    if (!headers.emplace(name, std::move(value)).second)
      Fail(PartHeaderError(part, "the part header \"" + name + "\" is given twice"));
    lastName = name;
  }
  headers_.clear();
  headers_.shrink_to_fit();  // the 16 KiB are needed again only for the next part's headers
  ++parts_;
  state_ = State::Data;
  handler_.OnPartBegin(headers);
}

void MultipartReader::Finish() {
  switch (state_) {
    case State::Epilogue: return;
    case State::Failed: throw MultipartError(error_);
    case State::Preamble:
      Fail("the body holds no boundary line \"--" + boundary_ + "\"; check the boundary in Content-Type");
    case State::Headers: Fail(PartHeaderError(parts_ + 1, "the body ended inside the part headers"));
    case State::Data:
      Fail(PartHeaderError(parts_,
                           "the body ended inside the part, before the closing boundary \"--" + boundary_ + "--\""));
    default: Fail("the body ended on a boundary line, before the closing boundary \"--" + boundary_ + "--\"");
  }
}

}  // namespace va::plugin
