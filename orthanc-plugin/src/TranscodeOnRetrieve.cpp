#include "TranscodeOnRetrieve.h"

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "LargeStack.h"
#include "OrthancApi.h"
#include "Renditions.h"
#include "va/codec/H264Rendition.h"
#include "va/dicom/TransferSyntaxTable.h"
#include "va/dicom/VideoInstance.h"

namespace va::plugin {

namespace {

std::string ScratchPath(const PluginState& state, const std::string& what) {
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path dir = std::filesystem::path(state.config.workDirectory) / "scratch";
  std::filesystem::create_directories(dir);
  return (dir / ("retrieve-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + what)).string();
}

struct RemoveOnExit {
  std::string path;
  ~RemoveOnExit() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

// One encoder per rendition at a time: two receivers asking for the same instance wait for one encode.
std::mutex& EncodeMutex() {
  static std::mutex m;
  return m;
}

// WriteH264Instance on the calling thread.
std::string WriteH264InstanceHere(PluginState& state, const std::string& dicomPath, const StoredVideo& video,
                                  const std::vector<std::string>& allowedSyntaxes, bool newSopInstanceUid,
                                  const std::string& outPath) {
  const std::string rendition = state.renditions->PathFor(video.sopInstanceUid);
  {
    std::lock_guard<std::mutex> lock(EncodeMutex());
    if (!state.renditions->Ready(video.sopInstanceUid)) {
      codec::H264Options options;
      options.preset = state.config.delivery.renditionPreset;
      options.crf = state.config.delivery.renditionCrf;
      options.maxHeight = state.config.delivery.renditionMaxHeight;
      codec::RenderH264(video.bytes, rendition, options);  // kept: the next retrieve or browser reuses it
    }
  }
  const codec::StreamInfo info = codec::Probe(rendition);
  const double fps = info.fpsDen > 0 ? static_cast<double>(info.fpsNum) / info.fpsDen : 0;
  std::string syntax = PickH264Syntax(allowedSyntaxes, info.width, info.height, fps);
  if (syntax.empty())
    throw std::runtime_error("the receiver accepts no H.264 transfer syntax that a " + std::to_string(info.width) +
                             "x" + std::to_string(info.height) + " rendition fits");
  dicom::TranscodedVideoSpec spec;
  spec.bitstreamPath = rendition;
  spec.pixels.transferSyntaxUid = syntax;
  spec.pixels.rows = info.height;
  spec.pixels.columns = info.width;
  spec.pixels.numberOfFrames = info.frameCount;
  spec.pixels.frameTimeMs = fps > 0 ? 1000.0 / fps : 0;
  spec.newSopInstanceUid = newSopInstanceUid;
  spec.derivationDescription = "H.264 rendition for a receiver that does not accept " + video.transferSyntaxUid;
  const dicom::VideoInstanceReader source(dicomPath);
  dicom::WriteTranscodedInstance(source, spec, outPath);
  return syntax;
}

}  // namespace

const std::vector<std::string>& H264SyntaxesWritten() {
  static const std::vector<std::string> syntaxes = {"1.2.840.10008.1.2.4.104", "1.2.840.10008.1.2.4.102",
                                                    "1.2.840.10008.1.2.4.103"};
  return syntaxes;
}

std::string PickH264Syntax(const std::vector<std::string>& allowed, int width, int height, double fps) {
  for (const std::string& uid : H264SyntaxesWritten()) {
    bool offered = false;
    for (const std::string& a : allowed) offered = offered || a == uid;
    if (!offered) continue;
    const dicom::VideoTransferSyntax* ts = dicom::FindVideoTransferSyntax(uid);
    if (ts != nullptr && dicom::CheckFits(*ts, width, height, fps, 8).empty()) return uid;
  }
  return "";
}

std::string WriteH264Instance(PluginState& state, const std::string& dicomPath, const StoredVideo& video,
                              const std::vector<std::string>& allowedSyntaxes, bool newSopInstanceUid,
                              const std::string& outPath) {
  return OnLargeStack(
      [&] { return WriteH264InstanceHere(state, dicomPath, video, allowedSyntaxes, newSopInstanceUid, outPath); });
}

OrthancPluginErrorCode TranscodeVideoInstance(OrthancPluginMemoryBuffer* transcoded, const void* buffer, uint64_t size,
                                              const char* const* allowedSyntaxes, uint32_t countSyntaxes,
                                              uint8_t allowNewSopInstanceUid) {
  std::shared_ptr<PluginState> state = State();
  if (!state || !state->config.delivery.transcodeOnRetrieve) return OrthancPluginErrorCode_Plugin;
  StoredVideo video;
  try {
    video = OnLargeStack([&] { return VideoInBuffer(buffer, static_cast<size_t>(size)); });
  } catch (const std::exception&) {
    return OrthancPluginErrorCode_Plugin;  // not video: Orthanc's own transcoder handles images
  }
  std::vector<std::string> allowed;
  for (uint32_t i = 0; i < countSyntaxes; ++i) allowed.emplace_back(allowedSyntaxes[i]);
  if (PickH264Syntax(allowed, 1920, 1080, 30).empty() && PickH264Syntax(allowed, 1280, 720, 25).empty()) {
    LogWarning("cannot transcode " + video.sopInstanceUid + " for a receiver: it accepts no H.264 transfer syntax");
    return OrthancPluginErrorCode_Plugin;
  }
  try {
    const RemoveOnExit in{ScratchPath(*state, "in.dcm")};
    const RemoveOnExit out{ScratchPath(*state, "out.dcm")};
    {
      std::ofstream f(in.path, std::ios::binary);
      f.write(static_cast<const char*>(buffer), static_cast<std::streamsize>(size));
      if (!f) throw std::runtime_error("cannot write " + in.path + " (disk full?)");
    }
    // Lossy re-encoding makes a new image; Orthanc says whether the receiver may get a new SOP Instance UID.
    WriteH264Instance(*state, in.path, video, allowed, allowNewSopInstanceUid != 0, out.path);
    std::ifstream f(out.path, std::ios::binary | std::ios::ate);
    const auto bytes = static_cast<uint64_t>(f.tellg());
    if (bytes > 0xFFFFFFFFull) throw std::runtime_error("the H.264 instance is larger than 4 GiB");
    f.seekg(0);
    if (OrthancPluginCreateMemoryBuffer(Context(), transcoded, static_cast<uint32_t>(bytes)) !=
        OrthancPluginErrorCode_Success)
      return OrthancPluginErrorCode_NotEnoughMemory;
    f.read(static_cast<char*>(transcoded->data), static_cast<std::streamsize>(bytes));
    LogInfo("transcoded " + video.sopInstanceUid + " to H.264 for a receiver");
    return OrthancPluginErrorCode_Success;
  } catch (const std::exception& e) {
    LogError("transcoding " + video.sopInstanceUid + " to H.264 for a receiver failed: " + e.what());
    return OrthancPluginErrorCode_Plugin;
  }
}

}  // namespace va::plugin
