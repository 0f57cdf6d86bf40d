// The DICOM video transfer syntaxes (PS3.5 8.2.5-8.2.11) and their constraints.
#pragma once

#include <string>
#include <vector>

namespace va::dicom {

enum class VideoCodec { Mpeg2, H264, Hevc };

struct VideoTransferSyntax {
  std::string uid;
  std::string name;       // e.g. "HEVC/H.265 Main Profile / Level 5.1"
  VideoCodec codec;
  std::string profile;    // e.g. "Main", "Main 10", "High", "MP@ML"
  int maxWidth;           // frame width limit implied by profile/level
  int maxHeight;          // frame height limit
  double maxFps;          // frame rate limit at maxWidth x maxHeight
  long long maxLumaSamplesPerFrame;  // 0 = no separate limit
  int maxBitDepth;        // 8 or 10
  bool mp4Allowed;        // H.264 / HEVC: MP4 or MPEG-2 TS; MPEG-2: PS/TS only
};

// Every video transfer syntax that Orthanc is configured to accept by our defaults.
const std::vector<VideoTransferSyntax>& AllVideoTransferSyntaxes();

// nullptr when uid is not a video transfer syntax.
const VideoTransferSyntax* FindVideoTransferSyntax(const std::string& uid);

// The three VL video SOP classes (Endoscopic, Microscopic, Photographic).
bool IsVideoSopClass(const std::string& sopClassUid);
const std::vector<std::string>& VideoSopClasses();

// Empty when a width x height stream at fps fits the syntax; otherwise a sentence a user can act on.
std::string CheckFits(const VideoTransferSyntax& ts, int width, int height, double fps, int bitDepth);

// HEVC Main / Main 10 Level 5.1 (1.2.840.10008.1.2.4.107 / .108).
constexpr const char* kHevcMainUid = "1.2.840.10008.1.2.4.107";
constexpr const char* kHevcMain10Uid = "1.2.840.10008.1.2.4.108";

}  // namespace va::dicom
