// va-transcode: archival HEVC transcode of one file, result as JSON on stdout (the benchmarks parse it).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

extern "C" {
#include <libavutil/log.h>
}

#include "va/codec/Transcoder.h"

namespace {

const char* kUsage =
    "usage: va-transcode IN OUT.mp4 [--preset P] [--crf N] [--bit-depth 8|10] [--no-audio] [--threads N]\n"
    "                    [--no-quality] [--x265-params k=v:k=v] [--lenient] [--progress]\n";

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (const unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string Num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string ToJson(const va::codec::StreamInfo& in, const va::codec::TranscodeResult& r) {
  std::ostringstream j;
  j << "{\n"
    << "  \"framesIn\": " << r.framesIn << ",\n"
    << "  \"framesOut\": " << r.framesOut << ",\n"
    << "  \"width\": " << r.width << ",\n"
    << "  \"height\": " << r.height << ",\n"
    << "  \"fpsNum\": " << r.fpsNum << ",\n"
    << "  \"fpsDen\": " << r.fpsDen << ",\n"
    << "  \"durationSec\": " << Num(r.durationSec) << ",\n"
    << "  \"bitDepth\": " << r.bitDepth << ",\n"
    << "  \"psnrY\": " << Num(r.psnrY) << ",\n"
    << "  \"minPsnrY\": " << Num(r.minPsnrY) << ",\n"
    << "  \"psnrGlobal\": " << Num(r.psnrGlobal) << ",\n"
    << "  \"ssim\": " << Num(r.ssim) << ",\n"
    << "  \"ssimDb\": " << Num(r.ssimDb) << ",\n"
    << "  \"outputBytes\": " << r.outputBytes << ",\n"
    << "  \"inputBytes\": " << r.inputBytes << ",\n"
    << "  \"audioTracks\": " << r.audioTracks << ",\n"
    << "  \"audioNote\": " << Quote(r.audioNote) << ",\n"
    << "  \"videoNote\": " << Quote(r.videoNote) << ",\n"
    << "  \"encodeFps\": " << Num(r.encodeFps) << ",\n"
    << "  \"encoderSettings\": " << Quote(r.encoderSettings) << ",\n"
    << "  \"input\": {\"container\": " << Quote(in.container) << ", \"codec\": " << Quote(in.codecName)
    << ", \"profile\": " << Quote(in.profile) << ", \"width\": " << in.width << ", \"height\": " << in.height
    << ", \"frames\": " << in.frameCount << ", \"durationSec\": " << Num(in.durationSec)
    << ", \"pixelFormat\": " << Quote(in.pixelFormat) << ", \"audioCodec\": " << Quote(in.audioCodec) << "}\n"
    << "}\n";
  return j.str();
}

bool ParseInt(const char* s, int* out) {
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  if (!*s || *end) return false;
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  av_log_set_level(AV_LOG_ERROR);  // FFmpeg's warnings would garble the JSON consumers read from stdout/stderr
  std::string input, output;
  va::codec::TranscodeOptions options;
  bool progress = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n" << kUsage;
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--preset") {
      options.preset = value();
    } else if (a == "--crf") {
      const char* v = value();
      char* end = nullptr;
      options.crf = std::strtod(v, &end);
      if (*end || options.crf < 0 || options.crf > 51) {
        std::cerr << "bad --crf " << v << "\n";
        return 2;
      }
    } else if (a == "--bit-depth") {
      if (!ParseInt(value(), &options.bitDepth) || (options.bitDepth != 8 && options.bitDepth != 10)) {
        std::cerr << "--bit-depth must be 8 or 10\n";
        return 2;
      }
    } else if (a == "--threads") {
      if (!ParseInt(value(), &options.threads) || options.threads < 0) {
        std::cerr << "bad --threads\n";
        return 2;
      }
    } else if (a == "--no-audio") {
      options.keepAudio = false;
    } else if (a == "--no-quality") {
      options.measureQuality = false;
    } else if (a == "--x265-params") {
      options.x265Params = value();
    } else if (a == "--lenient") {
      options.strictDecode = false;
    } else if (a == "--progress") {
      progress = true;
    } else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "unknown option " << a << "\n" << kUsage;
      return 2;
    } else if (input.empty()) {
      input = a;
    } else if (output.empty()) {
      output = a;
    } else {
      std::cerr << kUsage;
      return 2;
    }
  }
  if (input.empty() || output.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  try {
    va::codec::Transcoder t(input, output, options);
    while (t.Step(32)) {
      if (progress) std::fprintf(stderr, "\r%5.1f %%", 100 * t.Progress());
    }
    if (progress) std::fprintf(stderr, "\r100.0 %%\n");
    std::cout << ToJson(t.input(), t.Result());
    return 0;
  } catch (const va::codec::CodecError& e) {
    std::cerr << "va-transcode: " << e.what() << "\n";
    std::cout << "{\"error\": " << Quote(e.what()) << "}\n";
    return 1;
  }
}
