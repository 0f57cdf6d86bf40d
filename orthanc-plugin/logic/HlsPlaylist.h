// HLS media playlists (RFC 8216) for archived recordings: one VOD playlist over the keyframe-cut segments of one
// instance or of every instance of a series, in recording order.
#pragma once

#include <string>
#include <vector>

namespace va::plugin {

struct PlaylistSegment {
  std::string uri;  // relative to the playlist
  double durationSec = 0;
};

// A complete VOD playlist (EXT-X-PLAYLIST-TYPE:VOD, EXT-X-ENDLIST). Target duration is the longest segment rounded
// up, as RFC 8216 4.3.3.1 requires. Throws std::invalid_argument for an empty list or a non-positive duration.
std::string BuildHlsMediaPlaylist(const std::vector<PlaylistSegment>& segments);

}  // namespace va::plugin
