#include "IngestJob.h"

#include "Dispatcher.h"
#include "IngestPipeline.h"
#include "OrthancApi.h"
#include "PipelineJob.h"

namespace va::plugin {

namespace {

struct IngestJob : PipelineJob<IngestPipeline> {
  IngestJob(std::shared_ptr<PluginState> s, std::string uploadId)
      : PipelineJob(std::move(s), std::move(uploadId), "Upload") {}

  bool started = false;  // MarkIngesting done: the upload is ours until it ends

  archive::UploadStore& uploads() { return *state->uploads; }

  void Release() {
    if (state->dispatcher) state->dispatcher->Forget(IngestKey(id));
  }

  OrthancPluginJobStepStatus Fail(const std::string& reason) {
    outcome = pipeline ? pipeline->Describe() : Json::Value(Json::objectValue);
    outcome["Status"] = "failed";
    outcome["Error"] = reason;
    pipeline.reset();
    try {
      uploads().MarkFailed(id, reason);
    } catch (const std::exception& e) {
      LogError(std::string("cannot record a failed ingest: ") + e.what());
    }
    Release();
    LogError("ingesting upload " + id + " failed: " + reason);
    return OrthancPluginJobStepStatus_Failure;
  }

  OrthancPluginJobStepStatus Step() {
    try {
      if (!pipeline) {
        if (!started) {
          if (!uploads().MarkIngesting(id, "")) {
            outcome["Status"] = "nothing to do: the upload is no longer waiting";
            finalProgress = 1;
            Release();
            return OrthancPluginJobStepStatus_Success;
          }
          started = true;
        }
        pipeline = std::make_unique<IngestPipeline>(state->config, uploads(), id);
      }
      if (pipeline->Step()) return OrthancPluginJobStepStatus_Continue;
      outcome = pipeline->Result();
      outcome["Status"] = "done";
      uploads().MarkIngested(id, WriteJson(pipeline->Result(), false));
      pipeline.reset();
      finalProgress = 1;
      Release();
      LogInfo("upload " + id + " ingested");
      return OrthancPluginJobStepStatus_Success;
    } catch (const std::exception& e) {
      return Fail(e.what());
    } catch (...) {
      return Fail("unexpected error");
    }
  }

  void Stop(OrthancPluginJobStopReason reason) {
    try {
      pipeline.reset();  // a resumed job starts the upload over (same UIDs: nothing is duplicated)
      if (reason == OrthancPluginJobStopReason_Canceled && started) {
        uploads().MarkFailed(id, "canceled by a user; POST /video-archive/uploads/" + id + "/retry to run it again");
        started = false;
        Release();
      }
    } catch (const std::exception& e) {
      LogError(std::string("stopping an ingest job: ") + e.what());
    }
  }

  void Reset() {
    try {
      pipeline.reset();
      outcome = Json::Value(Json::objectValue);
      finalProgress = 0;
      started = false;
      uploads().Requeue(id);  // a resubmitted job runs the upload again
    } catch (const std::exception& e) {
      LogError(std::string("resetting an ingest job: ") + e.what());
    }
  }
};

}  // namespace

std::string IngestKey(const std::string& uploadId) {
  return "upload:" + uploadId;
}

std::string SubmitIngestJob(const std::shared_ptr<PluginState>& state, const std::string& uploadId) {
  return SubmitJob(std::make_unique<IngestJob>(state, uploadId), "VideoArchiveIngest", state->config.jobPriority);
}

}  // namespace va::plugin
