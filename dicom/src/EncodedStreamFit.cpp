// Which already-encoded streams each video transfer syntax carries as they are (PS3.5 8.2.5-8.2.11), so an upload
// can be wrapped without re-encoding when it fits.
#include <algorithm>
#include <string>
#include <vector>

#include "va/dicom/TransferSyntaxTable.h"

namespace va::dicom {
namespace {

enum class Views { Flat, FramePacked, StereoHigh };

struct StreamRule {
  const char* uid;
  // FFmpeg profile names. H.264 Main and Constrained Baseline streams count as fitting the High profile syntaxes:
  // H.264 A.2.4 obliges every High profile decoder to decode them (Main is a subset of High; Constrained Baseline,
  // constraint_set1_flag = 1, is the subset common to Baseline and Main), so any receiver that honours the syntax
  // plays them. Plain Baseline (FMO, ASO, redundant slices) and Extended are not decodable by High decoders, and
  // High 10 / 4:2:2 / 4:4:4 / Multiview High exceed High. Likewise MPEG-2 Simple is a subset of Main (no B
  // pictures) and HEVC Main a subset of Main 10.
  std::vector<std::string> profiles;
  int maxLevel;                  // in LevelRank units
  const char* interlaceRefusal;  // nullptr = interlaced streams allowed; else why not
  Views views;
};

constexpr const char* kLevel42Progressive =
    "interlaced video: H.264 level 4.2 is progressive only (frame_mbs_only_flag = 1, H.264 Table A-4)";
// HEVC has no interlaced coding tools: a field-coded stream (field_seq_flag) decodes to separate fields, which
// Rows, Number of Frames and Frame Time would not describe.
constexpr const char* kHevcProgressive =
    "interlaced (field-coded) HEVC: the stream decodes to fields, which the DICOM frame attributes cannot describe";

const std::vector<StreamRule>& Rules() {
  static const std::vector<std::string> avcHigh = {"High", "Main", "Constrained Baseline"};
  static const std::vector<StreamRule> rules = {
      {"1.2.840.10008.1.2.4.100", {"Main", "Simple"}, 2, nullptr, Views::Flat},
      {"1.2.840.10008.1.2.4.101", {"Main", "Simple"}, 4, nullptr, Views::Flat},
      // Level 4.1 allows field coding (1080i).
      {"1.2.840.10008.1.2.4.102", avcHigh, 41, nullptr, Views::Flat},
      {"1.2.840.10008.1.2.4.103", avcHigh, 41, nullptr, Views::Flat},
      {"1.2.840.10008.1.2.4.104", avcHigh, 42, kLevel42Progressive, Views::Flat},
      {"1.2.840.10008.1.2.4.105", avcHigh, 42, kLevel42Progressive, Views::FramePacked},
      {"1.2.840.10008.1.2.4.106", {"Stereo High"}, 42, kLevel42Progressive, Views::StereoHigh},
      {"1.2.840.10008.1.2.4.107", {"Main"}, 153, kHevcProgressive, Views::Flat},
      {"1.2.840.10008.1.2.4.108", {"Main", "Main 10"}, 153, kHevcProgressive, Views::Flat},
  };
  return rules;
}

const StreamRule* RuleFor(const std::string& uid) {
  for (const auto& rule : Rules())
    if (uid == rule.uid) return &rule;
  return nullptr;
}

const char* CodecName(VideoCodec codec) {
  switch (codec) {
    case VideoCodec::Mpeg2: return "MPEG-2";
    case VideoCodec::H264: return "H.264";
    case VideoCodec::Hevc: return "HEVC";
  }
  return "?";
}

// Levels as comparable numbers, -1 when unknown. H.264 and HEVC use FFmpeg's value as it is (H.264 level 1b,
// reported as 9, is below 1.1 = 11); MPEG-2 level codes shrink as the level grows.
int LevelRank(VideoCodec codec, int level) {
  if (level <= 0) return -1;
  if (codec != VideoCodec::Mpeg2) return level;
  switch (level) {
    case 10: return 1;  // Low
    case 8: return 2;   // Main
    case 6: return 3;   // High 1440
    case 4: return 4;   // High
    default: return -1;
  }
}

std::string LevelName(VideoCodec codec, int rank) {
  if (codec == VideoCodec::Mpeg2) {
    static const char* const kNames[] = {"Low", "Main", "High 1440", "High"};
    return rank >= 1 && rank <= 4 ? kNames[rank - 1] : "unknown";
  }
  if (codec == VideoCodec::H264 && rank == 9) return "1b";
  const int tenths = codec == VideoCodec::Hevc ? rank / 3 : rank;  // HEVC general_level_idc = 30 x level
  return std::to_string(tenths / 10) + (tenths % 10 ? "." + std::to_string(tenths % 10) : "");
}

std::string ChromaName(const std::string& format) {
  if (format.size() == 3 && std::all_of(format.begin(), format.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::string(1, format[0]) + ":" + format[1] + ":" + format[2];
  return format.empty() ? "unknown" : format;
}

bool Accepts(const StreamRule& rule, const std::string& profile) {
  return std::find(rule.profiles.begin(), rule.profiles.end(), profile) != rule.profiles.end();
}

bool ViewsMatch(const StreamRule& rule, const EncodedStreamFacts& facts) {
  if (rule.views == Views::StereoHigh) return true;  // the profile says it all
  return facts.framePacked3d == (rule.views == Views::FramePacked);
}

bool SameRate(double a, double b) {
  return a - b < 0.005 && b - a < 0.005;
}

// Blu-ray scan types of the BD-compatible formats: 1080 at 25 / 29.97 is interlaced (50i / 59.94i), 1080 at
// 24 / 23.976 and all 720 formats are progressive. Sizes and rates themselves are checked by CheckFits.
std::string BlurayScanProblem(const EncodedStreamFacts& f) {
  const bool interlacedFormat =
      f.width == 1920 && f.height == 1080 && (SameRate(f.fps, 25) || SameRate(f.fps, 30000.0 / 1001));
  if (interlacedFormat && !f.interlaced) return "BD-compatible 1920x1080 at 25 or 29.97 fps is interlaced only";
  if (!interlacedFormat && f.interlaced) return "BD-compatible video is progressive except 1920x1080 at 25 or 29.97";
  return "";
}

}  // namespace

std::string StreamFitProblem(const VideoTransferSyntax& ts, const EncodedStreamFacts& f) {
  const StreamRule* rule = RuleFor(ts.uid);
  if (rule == nullptr) return ts.uid + " is not a video transfer syntax";
  const std::string codec = CodecName(f.codec);
  if (f.codec != ts.codec) return "a " + codec + " stream cannot use a " + CodecName(ts.codec) + " transfer syntax";
  if (f.profile.empty()) return "the " + codec + " profile is unknown";
  if (!Accepts(*rule, f.profile)) {
    std::string accepted;
    for (size_t i = 0; i < rule->profiles.size(); ++i)
      accepted += (i == 0 ? "" : i + 1 == rule->profiles.size() ? " or " : ", ") + rule->profiles[i];
    return codec + " " + f.profile + " profile: this syntax carries " + accepted;
  }
  if (!ViewsMatch(*rule, f))
    return f.framePacked3d ? "frame-packed 3D video belongs in the For 3D Video syntax (1.2.840.10008.1.2.4.105)"
                           : "2D video: this syntax is for frame-packed 3D video only";
  if (f.chromaFormat != "420") return "chroma " + ChromaName(f.chromaFormat) + ": DICOM video carries 4:2:0 only";
  const int maxDepth = std::min(ts.maxBitDepth, f.profile == "Main 10" ? 10 : 8);
  if (f.bitDepth > maxDepth)
    return std::to_string(f.bitDepth) + "-bit samples: " + codec + " " + f.profile + " in this syntax carries " +
           std::to_string(maxDepth) + "-bit" + (maxDepth == 8 ? "" : " at most");
  const int rank = LevelRank(f.codec, f.level);
  if (rank < 0) return "the " + codec + " level is unknown (" + std::to_string(f.level) + ")";
  if (rank > rule->maxLevel)
    return "level " + LevelName(f.codec, rank) + " above " + LevelName(f.codec, rule->maxLevel);
  if (f.interlaced && rule->interlaceRefusal != nullptr) return rule->interlaceRefusal;
  // Size, frame rate, bit depth range and the listed formats of MP@HL / BD.
  std::string fits = CheckFits(ts, f.width, f.height, f.fps, f.bitDepth);
  if (!fits.empty() && fits.back() == '.') fits.pop_back();  // a clause here, not a sentence
  if (!fits.empty()) return fits;
  if (ts.uid == "1.2.840.10008.1.2.4.103") return BlurayScanProblem(f);
  return "";
}

std::string FindFittingTransferSyntax(const EncodedStreamFacts& facts, std::string* whyNot) {
  // Lowest level first; .103 is left out (see the header).
  static const char* const kPreference[] = {
      "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.101", "1.2.840.10008.1.2.4.102", "1.2.840.10008.1.2.4.104",
      "1.2.840.10008.1.2.4.105", "1.2.840.10008.1.2.4.106", "1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.108"};
  std::string reasons;
  for (const char* uid : kPreference) {
    const VideoTransferSyntax& ts = *FindVideoTransferSyntax(uid);
    const StreamRule& rule = *RuleFor(uid);
    // Only syntaxes meant for this kind of stream are candidates, so the reasons stay relevant.
    if (ts.codec != facts.codec || !Accepts(rule, facts.profile) || !ViewsMatch(rule, facts)) continue;
    const std::string problem = StreamFitProblem(ts, facts);
    if (problem.empty()) {
      if (whyNot != nullptr) whyNot->clear();
      return uid;
    }
    reasons += (reasons.empty() ? "does not fit " : "; nor ") + ts.name + " (" + uid + "): " + problem;
  }
  if (whyNot != nullptr) {
    const std::string codec = CodecName(facts.codec);
    if (!reasons.empty())
      *whyNot = reasons;
    else if (facts.profile.empty())
      *whyNot = "the " + codec + " profile is unknown; probe the stream again";
    else
      *whyNot = codec + " " + facts.profile + " profile" + (facts.framePacked3d ? " (frame-packed 3D)" : "") +
                " has no DICOM transfer syntax (DICOM carries MPEG-2 Main, H.264 High / Main / Constrained Baseline "
                "and Stereo High, HEVC Main and Main 10); re-encode it";
  }
  return "";
}

}  // namespace va::dicom
