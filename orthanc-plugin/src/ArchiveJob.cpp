#include "ArchiveJob.h"

#include "ArchivePipeline.h"
#include "Dispatcher.h"
#include "OrthancApi.h"
#include "PipelineJob.h"
#include "Renditions.h"

namespace va::plugin {

namespace {

struct ArchiveJob : PipelineJob<ArchivePipeline> {
  ArchiveJob(std::shared_ptr<PluginState> s, std::string sourceId)
      : PipelineJob(std::move(s), std::move(sourceId), "SourceInstance") {}

  bool paused = false;  // stopped mid-run by a pause: the task is still ours and resumes from the start

  archive::Catalog& catalog() { return *state->catalog; }

  // The task left this job for good: the dispatcher may submit a new job when it is pending again.
  void Release() {
    if (state->dispatcher) state->dispatcher->Forget(id);
  }

  OrthancPluginJobStepStatus Fail(const std::string& reason) {
    outcome = pipeline ? pipeline->Describe() : Json::Value(Json::objectValue);
    outcome["Status"] = "failed";
    outcome["Error"] = reason;
    pipeline.reset();
    catalog().MarkFailed(id, reason);
    Release();
    LogError("archiving instance " + id + " failed: " + reason);
    return OrthancPluginJobStepStatus_Failure;
  }

  OrthancPluginJobStepStatus Step() {
    try {
      if (!pipeline) {
        if (paused) {
          paused = false;
          catalog().MarkResumed(id);
        } else if (!catalog().MarkRunning(id, "")) {
          outcome["Status"] = "nothing to do: the task is no longer pending";
          finalProgress = 1;
          return OrthancPluginJobStepStatus_Success;
        }
        pipeline = std::make_unique<ArchivePipeline>(state->config, catalog(), id);
      }
      if (pipeline->Step()) return OrthancPluginJobStepStatus_Continue;

      const std::string quality = WriteJson(pipeline->Quality(), false);
      const std::string derivedId = pipeline->DerivedId();
      catalog().MarkDone(id, derivedId, quality, pipeline->Summary());
      if (!derivedId.empty()) RequestRenditionAfterArchive(state, derivedId);
      outcome = pipeline->Describe();
      outcome["Status"] = "done";
      pipeline.reset();
      finalProgress = 1;
      Release();
      return OrthancPluginJobStepStatus_Success;
    } catch (const SkipTask& e) {
      catalog().MarkSkipped(id, e.what());
      outcome["Status"] = "skipped";
      outcome["Reason"] = e.what();
      pipeline.reset();
      finalProgress = 1;
      Release();
      return OrthancPluginJobStepStatus_Success;
    } catch (const std::exception& e) {
      return Fail(e.what());
    } catch (...) {
      return Fail("unexpected error");
    }
  }

  void Stop(OrthancPluginJobStopReason reason) {
    try {
      if (pipeline) {
        pipeline.reset();
        if (reason == OrthancPluginJobStopReason_Canceled) {
          catalog().MarkFailed(id,
                               "canceled by a user; POST /video-archive/instances/" + id + "/archive to run it again");
          Release();
        } else if (reason == OrthancPluginJobStopReason_Paused) {
          // Paused by a user, or Orthanc is stopping: the job resumes it, or the next start-up re-arms it.
          catalog().MarkPaused(id);
          paused = true;
        }
      }
    } catch (const std::exception& e) {
      LogError(std::string("stopping an archive job: ") + e.what());
    }
  }

  void Reset() {
    try {
      pipeline.reset();
      outcome = Json::Value(Json::objectValue);
      finalProgress = 0;
      paused = false;
      catalog().Requeue(id);  // a resubmitted job runs the task again
    } catch (const std::exception& e) {
      LogError(std::string("resetting an archive job: ") + e.what());
    }
  }
};

}  // namespace

std::string SubmitArchiveJob(const std::shared_ptr<PluginState>& state, const std::string& sourceId) {
  return SubmitJob(std::make_unique<ArchiveJob>(state, sourceId), "VideoArchiveTranscode", state->config.jobPriority);
}

}  // namespace va::plugin
