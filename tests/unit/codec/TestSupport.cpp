#include "TestSupport.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

// Sanitizer builds: x265 3.5 itself leaks a parameter block and some frame-filter buffers in every
// x265_encoder_open (reproduced with a plain C program: once per encoder, not per frame). Suppress exactly those;
// a full malloc unwind is needed because libx265 has no frame pointers.
#if defined(__SANITIZE_ADDRESS__)
#define VA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VA_ASAN 1
#endif
#endif
#ifdef VA_ASAN
extern "C" const char* __lsan_default_suppressions() {
  return "leak:x265_encoder_open\n";
}
extern "C" const char* __asan_default_options() {
  return "fast_unwind_on_malloc=0";
}
#endif

namespace va::codec::test {

namespace fs = std::filesystem;

std::string Clip(const std::string& name) {
  return std::string(VA_TESTDATA) + "/clips/" + name;
}

namespace {
struct ScratchDir {
  fs::path path = fs::temp_directory_path() / ("va_codec_test_" + std::to_string(getpid()));
  ScratchDir() { fs::create_directories(path); }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};
}  // namespace

std::string Scratch(const std::string& name) {
  static ScratchDir dir;
  return (dir.path / name).string();
}

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::vector<std::string> TopLevelBoxes(const std::string& path) {
  const std::vector<uint8_t> d = ReadFile(path);
  std::vector<std::string> boxes;
  uint64_t pos = 0;
  auto be = [&](uint64_t at, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | d[at + i];
    return v;
  };
  while (pos + 8 <= d.size()) {
    uint64_t size = be(pos, 4);
    boxes.emplace_back(reinterpret_cast<const char*>(&d[pos + 4]), 4);
    if (size == 1) {  // 64-bit largesize follows the type
      if (pos + 16 > d.size()) break;
      size = be(pos + 8, 8);
    } else if (size == 0) {  // box runs to the end of the file
      size = d.size() - pos;
    }
    if (size < 8) break;
    pos += size;
  }
  return boxes;
}

bool HaveFfmpeg() {
  return Run("ffmpeg -version") == 0;
}

int Run(const std::string& command, std::string* output) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::array<char, 4096> buf{};
  std::string all;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) all.append(buf.data(), n);
  const int status = pclose(p);
  if (output) *output = all;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string MakeWithFfmpeg(const std::string& name, const std::string& args) {
  const std::string path = Scratch(name);
  std::string log;
  if (Run("ffmpeg -nostdin -v error -y " + args + " '" + path + "'", &log) != 0)
    throw std::runtime_error("ffmpeg could not make " + name + ": " + log);
  return path;
}

}  // namespace va::codec::test
