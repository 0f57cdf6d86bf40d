// The Orthanc job that runs one IngestPipeline: type "VideoArchiveIngest", visible with progress in /jobs.
// The upload store is the durable record: a job lost to a crash is submitted again at the next start.
#pragma once

#include <memory>
#include <string>

#include "PluginState.h"

namespace va::plugin {

// The dispatcher's key for an upload's job (kept apart from archive tasks, which are keyed by Orthanc IDs).
std::string IngestKey(const std::string& uploadId);

// Creates and submits the job; returns Orthanc's job ID. Throws on failure.
std::string SubmitIngestJob(const std::shared_ptr<PluginState>& state, const std::string& uploadId);

}  // namespace va::plugin
