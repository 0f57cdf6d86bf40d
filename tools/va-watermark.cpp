// va-watermark: embeds the keyed archive-ID watermark into raw frames (a pipe between two ffmpeg) and detects it
// in any video file; the integration test and bench/watermark.sh drive it.
#include <json/json.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/log.h>
}

#include "va/codec/Watermark.h"

namespace {

const char* kUsage =
    "usage: va-watermark embed-raw --width W --height H [--bit-depth 8|10] --key-hex HEX64 --id ID [--strength S]\n"
    "         reads raw yuv420p (yuv420p10le with --bit-depth 10) frames on stdin, writes them marked on stdout\n"
    "       va-watermark detect --key-hex HEX64 [--seconds 10] [--expect-id ID] [--strength S] FILE\n"
    "         prints a JSON object; exit status 0 found, 1 not found, 2 error\n"
    "ID: unsigned 64-bit, decimal or 0x-prefixed hex\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

va::codec::WatermarkKey ParseKey(const std::string& hex) {
  va::codec::WatermarkKey key{};
  if (hex.size() != 64) throw UsageError("--key-hex needs 64 hex digits (32 bytes)");
  for (size_t i = 0; i < 32; ++i) {
    unsigned v = 0;
    if (std::sscanf(hex.substr(2 * i, 2).c_str(), "%2x", &v) != 1 || !std::isxdigit(hex[2 * i]) ||
        !std::isxdigit(hex[2 * i + 1]))
      throw UsageError("--key-hex: not a hex digit in '" + hex + "'");
    key[i] = static_cast<uint8_t>(v);
  }
  return key;
}

uint64_t ParseId(const std::string& s) {
  if (s.empty() || s[0] == '-') throw UsageError("--id: not an unsigned 64-bit number: '" + s + "'");
  errno = 0;
  char* end = nullptr;
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  const unsigned long long v = std::strtoull(hex ? s.c_str() + 2 : s.c_str(), &end, hex ? 16 : 10);
  if (errno || !end || *end) throw UsageError("--id: not an unsigned 64-bit number: '" + s + "'");
  return v;
}

int ParseInt(const std::string& s, const char* what) {
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (!end || *end || v <= 0 || v > 65536) throw UsageError(std::string(what) + ": not a positive size: '" + s + "'");
  return static_cast<int>(v);
}

double ParseDouble(const std::string& s, const char* what) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (!end || *end || !std::isfinite(v) || v <= 0) throw UsageError(std::string(what) + ": not a positive number");
  return v;
}

std::string Num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016" PRIx64, v);
  return buf;
}

// A number for JSON: NaN and infinities (no detection yet) are null.
Json::Value Number(double v) {
  return std::isfinite(v) ? Json::Value(v) : Json::Value();
}

bool ReadAll(std::FILE* f, uint8_t* data, size_t size) {
  size_t got = 0;
  while (got < size) {
    const size_t n = std::fread(data + got, 1, size - got, f);
    if (n == 0) break;
    got += n;
  }
  if (got != 0 && got != size) throw std::runtime_error("stdin ended in the middle of a frame");
  return got == size;
}

int EmbedRaw(const std::vector<std::string>& args) {
  int width = 0, height = 0, depth = 8;
  std::string keyHex, id;
  va::codec::WatermarkParams params;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      return args[++i];
    };
    if (a == "--width")
      width = ParseInt(value(), "--width");
    else if (a == "--height")
      height = ParseInt(value(), "--height");
    else if (a == "--bit-depth")
      depth = ParseInt(value(), "--bit-depth");
    else if (a == "--key-hex")
      keyHex = value();
    else if (a == "--id")
      id = value();
    else if (a == "--strength")
      params.strength = ParseDouble(value(), "--strength");
    else
      throw UsageError("unknown option " + a);
  }
  if (!width || !height || keyHex.empty() || id.empty())
    throw UsageError("embed-raw needs --width, --height, --key-hex and --id");
  if (depth != 8 && depth != 10) throw UsageError("--bit-depth must be 8 or 10");
  const size_t bytes = depth > 8 ? 2 : 1;
  const size_t lumaSize = static_cast<size_t>(width) * height * bytes;
  const size_t chromaSize = static_cast<size_t>((width + 1) / 2) * ((height + 1) / 2) * bytes * 2;
  std::vector<uint8_t> frame(lumaSize + chromaSize);
  va::codec::WatermarkEmbedder embedder(ParseKey(keyHex), ParseId(id), params);
  int64_t frames = 0;
  const auto start = std::chrono::steady_clock::now();
  double embedSec = 0;
  while (ReadAll(stdin, frame.data(), frame.size())) {
    va::codec::LumaPlane luma{frame.data(), static_cast<int>(width * bytes), width, height, depth};
    const auto t0 = std::chrono::steady_clock::now();
    embedder.Embed(luma);
    embedSec += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (std::fwrite(frame.data(), 1, frame.size(), stdout) != frame.size())
      throw std::runtime_error("cannot write to stdout");
    ++frames;
  }
  std::fflush(stdout);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // On stderr, for the benchmark: the marking alone and the whole pipe stage.
  std::fprintf(stderr, "{\"frames\": %lld, \"embedSec\": %s, \"embedFps\": %s, \"wallSec\": %s}\n",
               static_cast<long long>(frames), Num(embedSec).c_str(), Num(embedSec > 0 ? frames / embedSec : 0).c_str(),
               Num(wall).c_str());
  return 0;
}

int Detect(const std::vector<std::string>& args) {
  std::string keyHex, path, expect;
  double seconds = 10;
  va::codec::WatermarkParams params;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      return args[++i];
    };
    if (a == "--key-hex")
      keyHex = value();
    else if (a == "--seconds")
      seconds = ParseDouble(value(), "--seconds");
    else if (a == "--expect-id")
      expect = value();
    else if (a == "--strength")
      params.strength = ParseDouble(value(), "--strength");
    else if (!a.empty() && a[0] == '-')
      throw UsageError("unknown option " + a);
    else if (path.empty())
      path = a;
    else
      throw UsageError("detect takes one FILE");
  }
  if (keyHex.empty() || path.empty()) throw UsageError("detect needs --key-hex and FILE");
  va::codec::WatermarkDetector detector(ParseKey(keyHex), params);
  if (!expect.empty()) detector.ExpectId(ParseId(expect));
  const auto t0 = std::chrono::steady_clock::now();
  const va::codec::WatermarkDetection d = va::codec::DetectWatermark(path, detector, seconds);
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Json::Value v(Json::objectValue);
  v["found"] = d.found;
  v["archiveId"] = d.found ? Json::Value(std::to_string(d.archiveId)) : Json::Value();  // a string: 64 bits exactly
  v["archiveIdHex"] = d.found ? Json::Value(Hex(d.archiveId)) : Json::Value();
  v["confidence"] = Number(d.confidence);
  v["falsePositiveLog2"] = Number(d.falsePositiveLog2);
  v["framesUsed"] = d.framesUsed;
  v["meanAbsSoft"] = Number(d.meanAbsSoft);
  v["codedBitsSeen"] = d.codedBitsSeen;
  v["codedBitsAgreeing"] = d.codedBitsAgreeing;
  if (!expect.empty()) {
    v["rawBitErrorRate"] = Number(d.rawBitErrorRate);
    v["codedBitErrorRate"] = Number(d.codedBitErrorRate);
  }
  v["detectSec"] = Number(sec);
  v["detectFps"] = Number(sec > 0 ? d.framesUsed / sec : 0);
  v["reason"] = d.reason;
  Json::StreamWriterBuilder w;
  w["indentation"] = "  ";
  std::printf("%s\n", Json::writeString(w, v).c_str());
  return d.found ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  av_log_set_level(AV_LOG_ERROR);
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "embed-raw") return EmbedRaw(args);
    if (command == "detect") return Detect(args);
    throw UsageError("unknown command " + command);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "va-watermark: %s\n%s", e.what(), kUsage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "va-watermark: %s\n", e.what());
    return 2;
  }
}
