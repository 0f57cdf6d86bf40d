// Splits a long recording into bounded, independently playable MP4 files without re-encoding the video: each
// segment becomes one DICOM video instance of a series (Orthanc parses a whole instance in memory).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "va/codec/CodecError.h"

namespace va::codec {

struct SegmentLimits {
  double maxDurationSec = 1200;
  int64_t maxBytes = 1LL << 30;  // whole MP4 file, container included
};

struct SegmentInfo {
  std::string path;        // outputDir/baseName-0001.mp4, -0002.mp4, ...
  int index = 0;           // 1-based, as in the file name
  double startSec = 0;     // where the segment starts on the source's timeline (first picture = 0)
  double durationSec = 0;  // of its pictures; consecutive segments abut
  int64_t frames = 0;
  int64_t bytes = 0;  // file size
  int audioTracks = 0;
  std::string audioNote;  // "copied aac", "re-encoded mp2 -> aac", "none in source", "skipped ... (reason)"
};

// Input: any container FFmpeg reads with an H.264 or HEVC video stream. Output: MP4 files with the moov box first,
// 'avc1' / 'hvc1' sample entries, the video stream copied, each starting at time 0. Cuts only at keyframes that
// nothing before depends on, each at the last one that keeps the segment within both limits; one segment when the
// whole file fits (the remux of an H.264 MPEG-TS or MKV into MP4). The first audio track follows the pictures
// (copied AAC, anything else re-encoded to AAC), each packet into the segment whose time range holds it. Files are
// written as NAME.tmp and renamed when complete; on failure no output of this call is left behind.
// Throws CodecError: another video codec ("needs transcoding"), a GOP longer than a limit, unreadable input.
std::vector<SegmentInfo> SplitIntoSegments(const std::string& inputPath, const std::string& outputDir,
                                           const std::string& baseName, const SegmentLimits& limits);

}  // namespace va::codec
