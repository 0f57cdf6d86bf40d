// The DICOM video transfer syntaxes (PS3.5 8.2.5-8.2.11) and their constraints.
#pragma once

#include <string>
#include <vector>

namespace va::dicom {

enum class VideoCodec { Mpeg2, H264, Hevc };

// One exact Rows x Columns format and the frame rates DICOM permits for it (PS3.5 tables for MPEG-2 MP@HL and
// H.264 BD-compatible, which allow only listed HD formats).
struct VideoFormat {
  int width;
  int height;
  std::vector<double> frameRates;  // nominal rates; 29.97 is written 30000/1001
};

struct VideoTransferSyntax {
  std::string uid;
  std::string name;  // e.g. "HEVC/H.265 Main Profile / Level 5.1"
  VideoCodec codec;
  std::string profile;               // e.g. "Main", "Main 10", "High", "MP@ML"
  int maxWidth;                      // headline format of the profile/level (used in messages); a hard limit only when
  int maxHeight;                     //   maxLumaSamplesPerFrame is 0 (MPEG-2), otherwise see maxSide
  double maxFps;                     // frame rate limit at maxWidth x maxHeight
  long long maxLumaSamplesPerFrame;  // 0 = no separate limit (MaxFS * 256 for H.264, MaxLumaPs for HEVC)
  int maxBitDepth;                   // 8 or 10
  bool mp4Allowed;                   // MP4 container permitted (PS3.5 allows MP4 for all of them; MPEG-2 also PS/TS/ES)

  // Added by the dicom/ library (0 / empty = no such limit).
  long long maxLumaSampleRate = 0;  // luma samples per second (MaxMBPS * 256 for H.264, MaxLumaSr for HEVC)
  int maxSide = 0;                  // max width or height in luma samples (sqrt(8 * MaxFS) / sqrt(8 * MaxLumaPs))
  double maxFrameRate = 0;          // frame-rate cap at any picture size
  std::vector<VideoFormat> allowedFormats;  // non-empty: only these formats are permitted
  bool multiFragment = false;          // Pixel Data may be split into several fragments (HEVC); otherwise the whole
                                       //   stream must fit one fragment (<= 0xFFFFFFFE bytes)
  std::string lossyCompressionMethod;  // (0028,2114) term: ISO_13818_2, ISO_14496_10 or ISO_23008_2
};

// Every video transfer syntax that Orthanc is configured to accept by our defaults.
const std::vector<VideoTransferSyntax>& AllVideoTransferSyntaxes();

// nullptr when uid is not a video transfer syntax.
const VideoTransferSyntax* FindVideoTransferSyntax(const std::string& uid);

// The three VL video SOP classes (Endoscopic, Microscopic, Photographic).
bool IsVideoSopClass(const std::string& sopClassUid);
const std::vector<std::string>& VideoSopClasses();

// Empty when a width x height stream at fps fits the syntax; otherwise a sentence a user can act on, naming a
// syntax that would fit when there is one. Sizes are rounded up to whole macroblocks (16) for MPEG-2 / H.264 and
// to the minimum coding block (8) for HEVC, as the level limits count coded samples.
std::string CheckFits(const VideoTransferSyntax& ts, int width, int height, double fps, int bitDepth);

// HEVC Main / Main 10 Level 5.1 (1.2.840.10008.1.2.4.107 / .108).
constexpr const char* kHevcMainUid = "1.2.840.10008.1.2.4.107";
constexpr const char* kHevcMain10Uid = "1.2.840.10008.1.2.4.108";

}  // namespace va::dicom
