// Where to cut: segments of whole GOPs, each within the duration and byte limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "PacketIndex.h"
#include "va/codec/Segmenter.h"

namespace va::codec::detail {

struct PlannedSegment {
  size_t first = 0;  // video packets [first, end) in decode order
  size_t end = 0;
  int64_t startPts = 0;  // presentation range [startPts, endPts) in the video time base
  int64_t endPts = 0;
  int64_t videoBytes = 0;
};

// What a segment's MP4 costs besides its video: the audio (bytes per second, as it will be written) and the
// container (a fixed part plus sample tables per packet).
struct SegmentOverhead {
  double audioBytesPerSec = 0;
  double audioPacketsPerSec = 0;
};

// Throws CodecError when one GOP alone breaks a limit (naming its length and place) or the limits are unusable.
std::vector<PlannedSegment> PlanSegments(const PacketIndex& index, const SegmentLimits& limits,
                                         const SegmentOverhead& overhead, const std::string& sourceName);

// The byte estimate PlanSegments holds against maxBytes.
int64_t EstimatedSegmentBytes(int64_t videoBytes, int64_t videoPackets, double seconds,
                              const SegmentOverhead& overhead);

}  // namespace va::codec::detail
