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

// What a probe tells about an already-encoded stream, to decide whether it can be wrapped as it is.
struct EncodedStreamFacts {
  VideoCodec codec = VideoCodec::H264;
  std::string profile;  // FFmpeg profile name: "High", "Main", "Constrained Baseline", "Main 10", "Stereo High", ...
  int level = 0;        // FFmpeg level: H.264 level x 10 (41 = 4.1); HEVC general_level_idc = level x 30 (153 =
                        //   5.1); MPEG-2 4 High, 6 High 1440, 8 Main, 10 Low; <= 0 = unknown (never fits)
  int width = 0, height = 0;
  double fps = 0;            // frames (not fields) per second
  int bitDepth = 8;          // luma bit depth
  std::string chromaFormat;  // "420", "422", "444", "400"
  bool interlaced = false;   // field or MBAFF coded (FFmpeg field_order other than progressive)
  // Added by the dicom/ library: both views packed into each picture (frame packing arrangement SEI,
  // side-by-side / top-bottom). Only the H.264 ".105 For 3D Video" syntax carries such a stream.
  bool framePacked3d = false;
};

// Empty when the stream, as it is, conforms to ts (profile, level, chroma format, bit depth, interlacing, picture
// size and rate); otherwise the reason, e.g. "level 5.2 above 4.1".
std::string StreamFitProblem(const VideoTransferSyntax& ts, const EncodedStreamFacts& facts);

// The UID of the first syntax the stream already conforms to, in the archive's preference order: the lowest
// level first (.102 before .104; .107 before .108), stereo syntaxes only for stereo streams (.105 for frame-packed,
// .106 for Stereo High), never .103 (a stream that fits it also fits .102, and BD conformance is more than these
// facts show). "" when none fits, with *whyNot (when given) saying what does not fit for each candidate, e.g.
// "H.264 High 4:2:2 profile has no DICOM transfer syntax".
std::string FindFittingTransferSyntax(const EncodedStreamFacts& facts, std::string* whyNot);

// HEVC Main / Main 10 Level 5.1 (1.2.840.10008.1.2.4.107 / .108).
constexpr const char* kAvc3dUid = "1.2.840.10008.1.2.4.105";          // frame-packed 3D, Level 4.2
constexpr const char* kAvcStereoHighUid = "1.2.840.10008.1.2.4.106";  // Stereo High (MVC), Level 4.2
constexpr const char* kHevcMainUid = "1.2.840.10008.1.2.4.107";
constexpr const char* kHevcMain10Uid = "1.2.840.10008.1.2.4.108";

}  // namespace va::dicom
