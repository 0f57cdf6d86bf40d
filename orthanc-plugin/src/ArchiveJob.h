// The Orthanc job that runs one ArchivePipeline: type "VideoArchiveTranscode", visible with progress in /jobs.
#pragma once

#include <memory>
#include <string>

#include "PluginState.h"

namespace va::plugin {

// Creates and submits the job; returns Orthanc's job ID. Throws on failure.
std::string SubmitArchiveJob(const std::shared_ptr<PluginState>& state, const std::string& sourceId);

}  // namespace va::plugin
