// The segmenter's first pass: where every video packet lies in time, how big it is, whether it is a keyframe;
// read from the container without decoding.
#pragma once

#include <cstdint>
#include <vector>

#include "InputFile.h"

namespace va::codec::detail {

struct VideoPacketEntry {
  int64_t pts = 0;  // presentation time (the decode time where the container has none)
  int32_t size = 0;
  bool key = false;
};

struct PacketIndex {
  AVRational timeBase{1, 1};            // the video stream's
  std::vector<VideoPacketEntry> video;  // in decode order
  int64_t endPts = 0;                   // end of the last picture shown
  int64_t frameDuration = 1;            // nominal, for packets that state none
  // The audio track that goes along (-1: none), in totals: enough to budget its share of a segment.
  int audioStream = -1;
  int64_t audioPackets = 0;
  int64_t audioBytes = 0;
  double audioSeconds = 0;
};

// Reads `in` to its end. Throws CodecError on a read error, a truncated file or a video packet without timestamps.
PacketIndex ReadPacketIndex(const InputFile& in, int audioStream);

// A packet's duration, or the nominal frame duration where the container gives none.
int64_t PacketDuration(const AVPacket* packet, int64_t nominal);

}  // namespace va::codec::detail
