#include "HlsPlaylist.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace va::plugin {

std::string BuildHlsMediaPlaylist(const std::vector<PlaylistSegment>& segments) {
  if (segments.empty()) throw std::invalid_argument("a playlist needs at least one segment");
  double longest = 0;
  for (const PlaylistSegment& s : segments) {
    if (!(s.durationSec > 0)) throw std::invalid_argument("segment " + s.uri + " has no duration");
    longest = std::max(longest, s.durationSec);
  }
  std::string out = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  // EXTINF rounded to milliseconds must still not exceed the target duration once rounded to an integer.
  out += "#EXT-X-TARGETDURATION:" + std::to_string(static_cast<long>(std::ceil(longest - 1e-6))) + "\n";
  out += "#EXT-X-MEDIA-SEQUENCE:0\n";
  char line[64];
  for (const PlaylistSegment& s : segments) {
    std::snprintf(line, sizeof line, "#EXTINF:%.3f,\n", s.durationSec);
    out += line;
    out += s.uri + "\n";
  }
  out += "#EXT-X-ENDLIST\n";
  return out;
}

}  // namespace va::plugin
