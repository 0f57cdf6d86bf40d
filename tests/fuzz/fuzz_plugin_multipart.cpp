// libFuzzer target: MultipartReader. The first line of the input is the Content-Type, the rest the body, read once
// in one piece and once in chunks of pseudo-random sizes (derived from the input, so runs are reproducible). Both
// readings must give the same events and the same error, and the reader must never hold more than the part headers
// plus a partial boundary. Only MultipartError is caught; anything else escaping is a bug. Seeds in
// tests/fuzz/corpus/plugin/ (multipart_*.txt).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "MultipartReader.h"

using namespace va::plugin;

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

// The events as text, consecutive data merged.
struct Recorder : MultipartHandler {
  std::string log;
  bool inData = false;
  bool open = false;
  void OnPartBegin(const std::map<std::string, std::string>& headers) override {
    Require(!open);
    open = true;
    log += "B";
    for (const auto& [name, value] : headers) log += name + ":" + value + "\n";
    inData = false;
  }
  void OnPartData(const char* data, size_t size) override {
    Require(open && size > 0);
    if (!inData) log += "D";
    inData = true;
    log.append(data, size);
  }
  void OnPartEnd() override {
    Require(open);
    open = false;
    log += "E";
    inData = false;
  }
};

std::string Read(const std::string& contentType, const std::string& body, uint64_t seed) {
  Recorder recorder;
  try {
    MultipartReader reader(contentType, recorder);
    const size_t bound = MultipartReader::kMaxPartHeaderBytes + 4 + reader.boundary().size();
    uint64_t state = seed;
    for (size_t pos = 0; pos < body.size();) {
      size_t n = body.size() - pos;
      if (seed != 0) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        n = std::min<size_t>(n, 1 + (state >> 33) % 64);
      }
      reader.Feed(body.data() + pos, n);
      pos += n;
      Require(reader.bufferedBytes() <= bound);
    }
    reader.Finish();
  } catch (const MultipartError& e) {
    return recorder.log + "\nERROR " + e.what();
  }
  return recorder.log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t eol = input.find('\n');
  const std::string contentType = input.substr(0, eol);
  const std::string body = eol == std::string::npos ? "" : input.substr(eol + 1);
  uint64_t seed = 1469598103934665603ull;
  for (const char c : input) seed = (seed ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  Require(Read(contentType, body, 0) == Read(contentType, body, seed | 1));
  return 0;
}
