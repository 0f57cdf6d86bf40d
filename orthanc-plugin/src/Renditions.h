// H.264 renditions of HEVC / MPEG-2 recordings, for browsers and receivers that cannot decode the original: made
// once (on demand, or by policy after archiving) by an Orthanc job "VideoArchiveRendition", then kept as MP4 files
// in <WorkDirectory>/renditions, named by SOP Instance UID, and served like the original.
#pragma once

#include <json/json.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace va::plugin {

struct PluginState;

class RenditionRegistry {
 public:
  explicit RenditionRegistry(std::string folder);

  // Where the finished rendition of this instance lives (it may not exist yet).
  std::string PathFor(const std::string& sopInstanceUid) const;
  bool Ready(const std::string& sopInstanceUid) const;

  // Starts the job that makes it unless it is ready or already being made; returns the job ID ("" when ready).
  std::string Request(const std::shared_ptr<PluginState>& state, const std::string& instanceId,
                      const std::string& sopInstanceUid);
  // {"State": "ready" | "running" | "failed" | "absent", "JobID", "Error", "Bytes"}
  Json::Value Status(const std::string& sopInstanceUid) const;

  // Called by the job.
  void Finished(const std::string& sopInstanceUid, const std::string& error);

 private:
  std::string folder_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> running_;  // SOP Instance UID -> job ID
  std::map<std::string, std::string> failed_;   // SOP Instance UID -> reason of the last failure
};

// Delivery.Renditions = AtArchive: called once an instance is archived; makes its rendition unless the stored video
// already plays in browsers (H.264 in MP4). Logs instead of throwing: archiving itself succeeded.
void RequestRenditionAfterArchive(const std::shared_ptr<PluginState>& state, const std::string& instanceId);

}  // namespace va::plugin
