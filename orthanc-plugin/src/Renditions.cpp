#include "Renditions.h"

#include <filesystem>

#include "LargeStack.h"
#include "OrthancApi.h"
#include "PipelineJob.h"
#include "PluginState.h"
#include "StoredVideo.h"
#include "va/codec/H264Rendition.h"

namespace va::plugin {

namespace {

// Adapts the stepwise encoder to what PipelineJob expects.
class RenditionPipeline {
 public:
  RenditionPipeline(const PluginState& state, const std::string& instanceId, const std::string& outPath)
      : video_(OpenStoredVideo(state, instanceId)) {
    codec::H264Options options;
    options.preset = state.config.delivery.renditionPreset;
    options.crf = state.config.delivery.renditionCrf;
    options.maxHeight = state.config.delivery.renditionMaxHeight;
    options.keyframeIntervalSec = 2;  // HLS segments are cut at keyframes
    renderer_ = OnLargeStack([&] { return std::make_unique<codec::H264Renderer>(video_->bytes, outPath, options); });
  }
  // Orthanc's job threads may have small stacks too (see LargeStack.h).
  bool Step() {
    return OnLargeStack([&] { return renderer_->Step(50); });
  }
  float Progress() const { return static_cast<float>(renderer_->Progress()); }
  Json::Value Describe() const {
    Json::Value v;
    v["SOPInstanceUID"] = video_->sopInstanceUid;
    v["Progress"] = renderer_->Progress();
    return v;
  }
  const codec::H264Result& Result() const { return renderer_->Result(); }

 private:
  std::shared_ptr<const StoredVideo> video_;
  std::unique_ptr<codec::H264Renderer> renderer_;
};

struct RenditionJob : PipelineJob<RenditionPipeline> {
  RenditionJob(std::shared_ptr<PluginState> s, std::string instanceId, std::string sop)
      : PipelineJob(std::move(s), std::move(instanceId), "Instance"), sopInstanceUid(std::move(sop)) {}

  std::string sopInstanceUid;
  bool released = false;

  void Release() {
    if (released) return;
    released = true;
    if (state->renditions) state->renditions->Finished(sopInstanceUid, outcome.get("Error", "").asString());
  }

  OrthancPluginJobStepStatus Step() {
    try {
      if (!pipeline) {
        pipeline = std::make_unique<RenditionPipeline>(*state, id, state->renditions->PathFor(sopInstanceUid));
      }
      if (pipeline->Step()) return OrthancPluginJobStepStatus_Continue;
      const codec::H264Result& r = pipeline->Result();
      outcome = pipeline->Describe();
      outcome["Status"] = "done";
      outcome["Width"] = r.width;
      outcome["Height"] = r.height;
      outcome["Frames"] = static_cast<Json::Int64>(r.framesOut);
      outcome["Bytes"] = static_cast<Json::Int64>(r.outputBytes);
      outcome["Encoder"] = r.encoderSettings;
      pipeline.reset();
      finalProgress = 1;
      Release();
      return OrthancPluginJobStepStatus_Success;
    } catch (const std::exception& e) {
      outcome["Status"] = "failed";
      outcome["Error"] = e.what();
      pipeline.reset();
      Release();
      LogError("H.264 rendition of instance " + id + " failed: " + e.what());
      return OrthancPluginJobStepStatus_Failure;
    }
  }
  void Stop(OrthancPluginJobStopReason reason) {
    pipeline.reset();  // the encoder removes its partial output; a later request starts again
    if (reason == OrthancPluginJobStopReason_Canceled) {
      outcome["Error"] = "canceled";
      Release();
    }
  }
  void Reset() {
    pipeline.reset();
    outcome = Json::Value(Json::objectValue);
    finalProgress = 0;
  }
};

}  // namespace

RenditionRegistry::RenditionRegistry(std::string folder) : folder_(std::move(folder)) {
  std::filesystem::create_directories(folder_);
  // No job runs yet: a .tmp left here is an encode a crash interrupted; it is made again when next asked for.
  for (const auto& entry : std::filesystem::directory_iterator(folder_)) {
    if (entry.path().extension() == ".tmp") {
      std::error_code ec;
      std::filesystem::remove(entry.path(), ec);
    }
  }
}

std::string RenditionRegistry::PathFor(const std::string& sopInstanceUid) const {
  return folder_ + "/" + sopInstanceUid + ".h264.mp4";  // a UID holds only digits and dots
}

bool RenditionRegistry::Ready(const std::string& sopInstanceUid) const {
  std::error_code ec;
  return std::filesystem::is_regular_file(PathFor(sopInstanceUid), ec);
}

std::string RenditionRegistry::Request(const std::shared_ptr<PluginState>& state, const std::string& instanceId,
                                       const std::string& sopInstanceUid) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (Ready(sopInstanceUid)) return "";
  auto it = running_.find(sopInstanceUid);
  if (it != running_.end()) return it->second;
  failed_.erase(sopInstanceUid);
  std::string jobId = SubmitJob(std::make_unique<RenditionJob>(state, instanceId, sopInstanceUid),
                                "VideoArchiveRendition", state->config.jobPriority);
  running_[sopInstanceUid] = jobId;
  return jobId;
}

Json::Value RenditionRegistry::Status(const std::string& sopInstanceUid) const {
  Json::Value v;
  std::lock_guard<std::mutex> lock(mutex_);
  if (Ready(sopInstanceUid)) {
    v["State"] = "ready";
    std::error_code ec;
    v["Bytes"] = static_cast<Json::Int64>(std::filesystem::file_size(PathFor(sopInstanceUid), ec));
  } else if (auto it = running_.find(sopInstanceUid); it != running_.end()) {
    v["State"] = "running";
    v["JobID"] = it->second;
  } else if (auto f = failed_.find(sopInstanceUid); f != failed_.end()) {
    v["State"] = "failed";
    v["Error"] = f->second;
  } else {
    v["State"] = "absent";
  }
  return v;
}

void RenditionRegistry::Finished(const std::string& sopInstanceUid, const std::string& error) {
  std::lock_guard<std::mutex> lock(mutex_);
  running_.erase(sopInstanceUid);
  if (!error.empty()) failed_[sopInstanceUid] = error;
}

void RequestRenditionAfterArchive(const std::shared_ptr<PluginState>& state, const std::string& instanceId) {
  if (!state || !state->renditions || state->config.delivery.renditions != "AtArchive") return;
  try {
    const auto video = OpenStoredVideo(*state, instanceId);
    if (video->codec == "h264" && video->container == "mp4") return;
    state->renditions->Request(state, instanceId, video->sopInstanceUid);
  } catch (const std::exception& e) {
    LogWarning("no H.264 rendition for instance " + instanceId + ": " + e.what());
  }
}

}  // namespace va::plugin
