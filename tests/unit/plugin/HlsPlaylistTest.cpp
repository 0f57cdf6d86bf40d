#include <gtest/gtest.h>

#include <stdexcept>

#include "HlsPlaylist.h"

using va::plugin::BuildHlsMediaPlaylist;

TEST(HlsPlaylist, VodPlaylistWithTargetDurationRoundedUp) {
  const std::string text = BuildHlsMediaPlaylist({{"a/0.ts", 6.0}, {"a/1.ts", 6.24}, {"b/0.ts", 2.5}});
  EXPECT_EQ(text,
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-TARGETDURATION:7\n#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXTINF:6.000,\na/0.ts\n#EXTINF:6.240,\na/1.ts\n#EXTINF:2.500,\nb/0.ts\n#EXT-X-ENDLIST\n");
}

TEST(HlsPlaylist, RefusesEmptyOrZeroLength) {
  EXPECT_THROW(BuildHlsMediaPlaylist({}), std::invalid_argument);
  EXPECT_THROW(BuildHlsMediaPlaylist({{"x.ts", 0}}), std::invalid_argument);
}
