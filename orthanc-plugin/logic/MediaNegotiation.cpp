#include "MediaNegotiation.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace va::plugin {

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string Unquote(std::string s) {
  s = Trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

struct MediaRange {
  std::string type;  // lower case, e.g. "video/mp4", "video/*", "*/*"
  std::string codecs;
  std::string transferSyntax;
  double q = 1;
};

// Splits on commas outside quotes (a codecs list "avc1.64001f, mp4a.40.2" holds commas).
std::vector<std::string> SplitOutsideQuotes(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : s) {
    if (c == '"') quoted = !quoted;
    if (c == sep && !quoted) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::vector<MediaRange> ParseAccept(const std::string& header) {
  std::vector<MediaRange> ranges;
  if (header.size() > 8192) throw NegotiationError(400, "the Accept header is longer than 8192 bytes");
  for (const std::string& item : SplitOutsideQuotes(header, ',')) {
    const std::vector<std::string> parts = SplitOutsideQuotes(item, ';');
    MediaRange r;
    r.type = Lower(Trim(parts[0]));
    if (r.type.empty()) continue;
    for (size_t i = 1; i < parts.size(); ++i) {
      const size_t eq = parts[i].find('=');
      if (eq == std::string::npos) continue;
      const std::string key = Lower(Trim(parts[i].substr(0, eq)));
      const std::string value = Unquote(parts[i].substr(eq + 1));
      if (key == "q") {
        try {
          r.q = std::stod(value);
        } catch (const std::exception&) {
          r.q = 0;  // a malformed weight is not an acceptance
        }
      } else if (key == "codecs") {
        r.codecs = Lower(value);
      } else if (key == "transfer-syntax") {
        r.transferSyntax = value;
      }
    }
    if (r.q > 0) ranges.push_back(r);
  }
  return ranges;
}

bool IsHevcSyntax(const std::string& ts) {
  return ts == "1.2.840.10008.1.2.4.107" || ts == "1.2.840.10008.1.2.4.108";
}
bool IsH264Syntax(const std::string& ts) {
  return ts.rfind("1.2.840.10008.1.2.4.10", 0) == 0 && ts.size() == 23 && ts[22] >= '2' && ts[22] <= '6';
}
bool IsMpeg2Syntax(const std::string& ts) {
  return ts.rfind("1.2.840.10008.1.2.4.100", 0) == 0 || ts.rfind("1.2.840.10008.1.2.4.101", 0) == 0;
}

bool Contains(const std::string& s, const char* what) {
  return s.find(what) != std::string::npos;
}

}  // namespace

MediaChoice ChooseMedia(const std::string& storedCodec, const std::string& storedContainer,
                        const std::string& renditionParam, const std::string& acceptHeader) {
  const std::string param = Lower(renditionParam);
  if (!param.empty() && param != "auto" && param != "original" && param != "h264")
    throw NegotiationError(400, "query parameter 'rendition' must be auto, original or h264");
  const bool storedH264 = storedCodec == "h264";
  const std::string originalType = storedContainer == "mpegts" ? "video/mp2t"
                                   : storedContainer == "mpeg" ? "video/mpeg"
                                                               : "video/mp4";

  const std::vector<MediaRange> accept = ParseAccept(acceptHeader.empty() ? "*/*" : acceptHeader);
  // What the client admits for each version.
  bool originalNamed = false;  // explicitly asks for the stored codec
  std::string originalNamedType;
  bool mp4Admitted = false;  // takes an H.264 MP4
  bool anyAdmitted = false;  // takes any video (wildcards)
  for (const MediaRange& r : accept) {
    if (r.type == "*/*" || r.type == "video/*") {
      anyAdmitted = true;
      mp4Admitted = true;
      continue;
    }
    if (r.type == "video/h265" && storedCodec == "hevc") {
      originalNamed = true;
      originalNamedType = "video/H265";
    } else if (r.type == "video/mpeg" && storedCodec == "mpeg2video") {
      originalNamed = true;
      originalNamedType = "video/mpeg";
    } else if (r.type == "video/mp4") {
      const bool saysHevc = Contains(r.codecs, "hvc1") || Contains(r.codecs, "hev1") || IsHevcSyntax(r.transferSyntax);
      const bool saysH264 = Contains(r.codecs, "avc1") || Contains(r.codecs, "avc3") || IsH264Syntax(r.transferSyntax);
      if (saysHevc && storedCodec == "hevc" && storedContainer == "mp4") {
        originalNamed = true;
        originalNamedType = "video/mp4";
      }
      if (saysH264 || (!saysHevc && r.codecs.empty() && r.transferSyntax.empty())) mp4Admitted = true;
    } else if (r.type == "video/mp2t" && storedContainer == "mpegts") {
      originalNamed = true;
      originalNamedType = "video/mp2t";
    }
    if (IsMpeg2Syntax(r.transferSyntax) && storedCodec == "mpeg2video") {
      originalNamed = true;
      originalNamedType = originalType;
    }
  }

  // An H.264 MP4 already plays everywhere: it is its own rendition.
  const bool originalPlaysInBrowsers = storedH264 && storedContainer == "mp4";
  if (param == "original") {
    if (originalNamed) return {Rendition::Original, originalNamedType};
    if (anyAdmitted || (originalPlaysInBrowsers && mp4Admitted)) return {Rendition::Original, originalType};
    throw NegotiationError(
        406, "the stored video is " + storedCodec + " in " + originalType + ", which the Accept header does not admit");
  }
  if (originalPlaysInBrowsers) {
    if (mp4Admitted || anyAdmitted || originalNamed) return {Rendition::Original, originalType};
    throw NegotiationError(406, "the stored video is H.264 in video/mp4, which the Accept header does not admit");
  }
  if (param == "h264") {
    if (mp4Admitted) return {Rendition::H264, "video/mp4"};
    throw NegotiationError(406, "the H.264 rendition is video/mp4, which the Accept header does not admit");
  }
  // auto
  if (originalNamed) return {Rendition::Original, originalNamedType};
  if (mp4Admitted) return {Rendition::H264, "video/mp4"};
  throw NegotiationError(
      406, "the Accept header admits neither the stored " + storedCodec + " video nor its H.264 rendition (video/mp4)");
}

std::string RequestedTransferSyntax(const std::string& acceptHeader) {
  for (const MediaRange& r : ParseAccept(acceptHeader)) {
    if (!r.transferSyntax.empty()) return r.transferSyntax;
  }
  return "";
}

}  // namespace va::plugin
