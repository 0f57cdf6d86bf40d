// The video transfer syntaxes of PS3.5 8.2.5-8.2.11 and the profile/level limits that decide whether a stream fits.
#include "va/dicom/TransferSyntaxTable.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace va::dicom {
namespace {

constexpr double kNtsc30 = 30000.0 / 1001.0;
constexpr double kNtsc60 = 60000.0 / 1001.0;
constexpr double kFilm24 = 24000.0 / 1001.0;

// H.264 Table A-1 limits are in macroblocks; CheckFits works in luma samples (1 MB = 256 samples).
constexpr long long kMb = 256;

VideoTransferSyntax Base(const char* uid, const char* name, VideoCodec codec, const char* profile, int w, int h,
                         double fps, long long maxLumaPs, int bitDepth) {
  VideoTransferSyntax ts{};
  ts.uid = uid;
  ts.name = name;
  ts.codec = codec;
  ts.profile = profile;
  ts.maxWidth = w;
  ts.maxHeight = h;
  ts.maxFps = fps;
  ts.maxLumaSamplesPerFrame = maxLumaPs;
  ts.maxBitDepth = bitDepth;
  ts.mp4Allowed = true;  // PS3.5 8.2.5-8.2.11 all name the MP4 container
  return ts;
}

VideoTransferSyntax Mpeg2(const char* uid, const char* name, const char* profile, int w, int h, double fps,
                          long long rate, double cap, std::vector<VideoFormat> formats) {
  VideoTransferSyntax ts = Base(uid, name, VideoCodec::Mpeg2, profile, w, h, fps, 0, 8);
  ts.maxLumaSampleRate = rate;
  ts.maxFrameRate = cap;
  ts.allowedFormats = std::move(formats);
  ts.lossyCompressionMethod = "ISO_13818_2";
  return ts;
}

VideoTransferSyntax H264(const char* uid, const char* name, const char* profile, long long maxFs, long long maxMbps,
                         double fpsAt1080, std::vector<VideoFormat> formats = {}) {
  VideoTransferSyntax ts = Base(uid, name, VideoCodec::H264, profile, 1920, 1080, fpsAt1080, maxFs * kMb, 8);
  ts.maxLumaSampleRate = maxMbps * kMb;
  ts.maxSide = static_cast<int>(std::floor(std::sqrt(8.0 * static_cast<double>(maxFs)))) * 16;
  ts.maxFrameRate = 172;  // fR = 1/172 in H.264 A.3.1
  ts.allowedFormats = std::move(formats);
  ts.lossyCompressionMethod = "ISO_14496_10";
  return ts;
}

VideoTransferSyntax Hevc(const char* uid, const char* name, const char* profile, int bitDepth) {
  constexpr long long kMaxLumaPs = 8912896;    // H.265 Annex A level 5.1: max luma picture size
  constexpr long long kMaxLumaSr = 534773760;  // and max luma sample rate (samples/s)
  VideoTransferSyntax ts = Base(uid, name, VideoCodec::Hevc, profile, 4096, 2160, 60, kMaxLumaPs, bitDepth);
  ts.maxLumaSampleRate = kMaxLumaSr;
  ts.maxSide = static_cast<int>(std::floor(std::sqrt(8.0 * static_cast<double>(kMaxLumaPs))));  // 8444
  ts.maxFrameRate = 300;    // fR = 1/300 in H.265 A.4.2
  ts.multiFragment = true;  // PS3.5 8.2.10: "may be segmented into more than one fragment"
  ts.lossyCompressionMethod = "ISO_23008_2";
  return ts;
}

std::vector<VideoTransferSyntax> BuildTable() {
  // MPEG-2 MP@HL and H.264 BD-compatible: PS3.5 lists the only permitted Rows/Columns/frame rates.
  const std::vector<VideoFormat> hlFormats = {{1920, 1080, {25, kNtsc30, 30}},
                                              {1280, 720, {25, kNtsc30, 30, 50, kNtsc60, 60}}};
  const std::vector<VideoFormat> bdFormats = {{1920, 1080, {25, kNtsc30, 24, kFilm24}},
                                              {1280, 720, {50, kNtsc60, 24, kFilm24}}};
  return {
      // MP@ML: 720 x 576 upper bounds and 10,368,000 luma samples/s (720x576 at 25, 720x480 at 30).
      Mpeg2("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", "MP@ML", 720, 576, 25, 10368000, 30, {}),
      // MP@HL: 62,668,800 luma samples/s; DICOM restricts Rows/Columns to the 1080 and 720 HD formats.
      Mpeg2("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level", "MP@HL", 1920, 1080, 30, 62668800, 60,
            hlFormats),
      H264("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1", "High", 8192, 245760, 30),
      H264("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", "High", 8192, 245760,
           30, bdFormats),
      H264("1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", "High", 8704, 522240,
           60),
      H264("1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", "High", 8704, 522240,
           60),
      H264("1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2", "Stereo High", 8704, 522240,
           60),
      Hevc("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1", "Main", 8),
      Hevc("1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1", "Main 10", 10),
  };
  // The fragmentable MPEG-2 / H.264 variants (.100.1 ...) are newer than DCMTK 3.6.7, which cannot write them.
}

bool SameRate(double a, double b) {
  return std::fabs(a - b) < 0.005;
}

std::string Fps(double fps) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", fps);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

long long RoundUp(long long v, long long to) {
  return (v + to - 1) / to * to;
}

// Coded size: level limits count whole macroblocks (H.264, MPEG-2) or minimum coding blocks (HEVC).
long long CodedSamples(const VideoTransferSyntax& ts, int width, int height) {
  const long long align = ts.codec == VideoCodec::Hevc ? 8 : 16;
  return RoundUp(width, align) * RoundUp(height, align);
}

// The reason width x height at fps does not fit (bit depth aside), or "" when it fits.
std::string SizeRateProblem(const VideoTransferSyntax& ts, int width, int height, double fps) {
  std::ostringstream why;
  const long long samples = CodedSamples(ts, width, height);
  if (!ts.allowedFormats.empty()) {
    auto format = std::find_if(ts.allowedFormats.begin(), ts.allowedFormats.end(),
                               [&](const VideoFormat& f) { return f.width == width && f.height == height; });
    if (format == ts.allowedFormats.end()) {
      why << "DICOM permits only";
      for (size_t i = 0; i < ts.allowedFormats.size(); ++i)
        why << (i ? " and " : " ") << ts.allowedFormats[i].width << "x" << ts.allowedFormats[i].height;
      why << " with this transfer syntax";
      return why.str();
    }
    if (std::none_of(format->frameRates.begin(), format->frameRates.end(),
                     [&](double r) { return SameRate(r, fps); })) {
      why << "DICOM permits only";
      for (size_t i = 0; i < format->frameRates.size(); ++i) why << (i ? ", " : " ") << Fps(format->frameRates[i]);
      why << " fps at " << width << "x" << height << " with this transfer syntax";
      return why.str();
    }
  }
  if (ts.maxLumaSamplesPerFrame == 0 && (width > ts.maxWidth || height > ts.maxHeight)) {
    why << "the picture is larger than " << ts.maxWidth << "x" << ts.maxHeight;
    return why.str();
  }
  if (ts.maxSide > 0 && (width > ts.maxSide || height > ts.maxSide)) {
    why << "width and height are limited to " << ts.maxSide << " samples";
    return why.str();
  }
  if (ts.maxLumaSamplesPerFrame > 0 && samples > ts.maxLumaSamplesPerFrame) {
    why << "the picture has " << samples << " coded luma samples, the level allows " << ts.maxLumaSamplesPerFrame;
    return why.str();
  }
  const double rateCap = ts.maxLumaSampleRate > 0 ? static_cast<double>(ts.maxLumaSampleRate) / samples : 1e9;
  const double fpsCap = std::min(rateCap, ts.maxFrameRate > 0 ? ts.maxFrameRate : 1e9);
  if (fps > fpsCap * (1 + 1e-6)) {
    why << "at " << width << "x" << height << " the level allows at most " << Fps(std::floor(fpsCap * 100) / 100)
        << " fps";
    return why.str();
  }
  return "";
}

std::string Suggestion(const VideoTransferSyntax& refused, int width, int height, double fps, int bitDepth) {
  // The archive's preference; special-purpose syntaxes (BD, 3D, stereo, MP@HL formats) are never suggested.
  static const char* const kPreferred[] = {"1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.108",
                                           "1.2.840.10008.1.2.4.104", "1.2.840.10008.1.2.4.102",
                                           "1.2.840.10008.1.2.4.100"};
  for (const char* uid : kPreferred) {
    const VideoTransferSyntax& ts = *FindVideoTransferSyntax(uid);
    if (ts.uid == refused.uid || bitDepth > ts.maxBitDepth) continue;
    if (SizeRateProblem(ts, width, height, fps).empty()) return "use " + ts.name + " (" + ts.uid + ") instead";
  }
  std::ostringstream s;
  s << "reduce the resolution or frame rate (no DICOM video transfer syntax carries " << width << "x" << height
    << " at " << Fps(fps) << " fps";
  if (bitDepth > 8) s << " in " << bitDepth << "-bit";
  s << ")";
  return s.str();
}

}  // namespace

const std::vector<VideoTransferSyntax>& AllVideoTransferSyntaxes() {
  static const std::vector<VideoTransferSyntax> table = BuildTable();
  return table;
}

const VideoTransferSyntax* FindVideoTransferSyntax(const std::string& uid) {
  for (const auto& ts : AllVideoTransferSyntaxes())
    if (ts.uid == uid) return &ts;
  return nullptr;
}

const std::vector<std::string>& VideoSopClasses() {
  static const std::vector<std::string> classes = {
      "1.2.840.10008.5.1.4.1.1.77.1.1.1",  // Video Endoscopic Image Storage
      "1.2.840.10008.5.1.4.1.1.77.1.2.1",  // Video Microscopic Image Storage
      "1.2.840.10008.5.1.4.1.1.77.1.4.1",  // Video Photographic Image Storage
  };
  return classes;
}

bool IsVideoSopClass(const std::string& sopClassUid) {
  const auto& c = VideoSopClasses();
  return std::find(c.begin(), c.end(), sopClassUid) != c.end();
}

std::string CheckFits(const VideoTransferSyntax& ts, int width, int height, double fps, int bitDepth) {
  std::ostringstream msg;
  if (width <= 0 || height <= 0 || !(fps > 0) || !std::isfinite(fps) || width > 65535 || height > 65535) {
    msg << "Invalid video parameters " << width << "x" << height << " at " << fps
        << " fps: width and height must be 1..65535 and the frame rate a positive number.";
    return msg.str();
  }
  if (bitDepth < 8 || bitDepth > 16) {
    msg << "Invalid bit depth " << bitDepth << ": video transfer syntaxes carry 8-bit or 10-bit samples.";
    return msg.str();
  }
  const std::string head = [&] {
    std::ostringstream h;
    h << width << "x" << height << " at " << Fps(fps) << " fps";
    if (bitDepth > 8) h << " " << bitDepth << "-bit";
    h << " exceeds " << ts.name << " (max " << ts.maxWidth << "x" << ts.maxHeight << " at " << Fps(ts.maxFps)
      << " fps, " << ts.maxBitDepth << "-bit)";
    return h.str();
  }();
  if (bitDepth > ts.maxBitDepth) {
    msg << head << ": it carries only " << ts.maxBitDepth << "-bit samples; "
        << Suggestion(ts, width, height, fps, bitDepth) << ".";
    return msg.str();
  }
  const std::string problem = SizeRateProblem(ts, width, height, fps);
  if (problem.empty()) return "";
  msg << head << ": " << problem << "; " << Suggestion(ts, width, height, fps, bitDepth) << ".";
  return msg.str();
}

}  // namespace va::dicom
