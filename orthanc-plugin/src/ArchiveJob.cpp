#include "ArchiveJob.h"

#include "ArchivePipeline.h"
#include "Dispatcher.h"
#include "OrthancApi.h"

namespace va::plugin {

namespace {

struct ArchiveJob {
  std::shared_ptr<PluginState> state;
  std::string sourceId;
  std::unique_ptr<ArchivePipeline> pipeline;
  Json::Value outcome{Json::objectValue};
  std::string content;  // must outlive the pointer handed to Orthanc
  float finalProgress = 0;
  bool paused = false;  // stopped mid-run by a pause: the task is still ours and resumes from the start

  archive::Catalog& catalog() { return *state->catalog; }
};

ArchiveJob* AsJob(void* job) {
  return static_cast<ArchiveJob*>(job);
}

// The task left this job for good: the dispatcher may submit a new job when it is pending again.
void Release(ArchiveJob* j) {
  if (j->state->dispatcher) j->state->dispatcher->Forget(j->sourceId);
}

void Finalize(void* job) {
  ArchiveJob* j = AsJob(job);
  Release(j);
  delete j;
}

float GetProgress(void* job) {
  ArchiveJob* j = AsJob(job);
  return j->pipeline ? j->pipeline->Progress() : j->finalProgress;
}

const char* GetContent(void* job) {
  ArchiveJob* j = AsJob(job);
  Json::Value v = j->pipeline ? j->pipeline->Describe() : j->outcome;
  v["SourceInstance"] = j->sourceId;
  j->content = WriteJson(v, false);
  return j->content.c_str();
}

const char* GetSerialized(void*) {
  return nullptr;  // the catalog is the durable record; pending work is resubmitted at start-up
}

OrthancPluginJobStepStatus Fail(ArchiveJob* j, const std::string& reason) {
  j->outcome = j->pipeline ? j->pipeline->Describe() : Json::Value(Json::objectValue);
  j->outcome["Status"] = "failed";
  j->outcome["Error"] = reason;
  j->pipeline.reset();
  j->catalog().MarkFailed(j->sourceId, reason);
  Release(j);
  LogError("archiving instance " + j->sourceId + " failed: " + reason);
  return OrthancPluginJobStepStatus_Failure;
}

OrthancPluginJobStepStatus Step(void* job) {
  ArchiveJob* j = AsJob(job);
  try {
    if (!j->pipeline) {
      if (j->paused) {
        j->paused = false;
        j->catalog().MarkResumed(j->sourceId);
      } else if (!j->catalog().MarkRunning(j->sourceId, "")) {
        j->outcome["Status"] = "nothing to do: the task is no longer pending";
        j->finalProgress = 1;
        return OrthancPluginJobStepStatus_Success;
      }
      j->pipeline = std::make_unique<ArchivePipeline>(j->state->config, j->catalog(), j->sourceId);
    }
    if (j->pipeline->Step()) return OrthancPluginJobStepStatus_Continue;

    const std::string quality = WriteJson(j->pipeline->Quality(), false);
    j->catalog().MarkDone(j->sourceId, j->pipeline->DerivedId(), quality, j->pipeline->Summary());
    j->outcome = j->pipeline->Describe();
    j->outcome["Status"] = "done";
    j->pipeline.reset();
    j->finalProgress = 1;
    Release(j);
    return OrthancPluginJobStepStatus_Success;
  } catch (const SkipTask& e) {
    j->catalog().MarkSkipped(j->sourceId, e.what());
    j->outcome["Status"] = "skipped";
    j->outcome["Reason"] = e.what();
    j->pipeline.reset();
    j->finalProgress = 1;
    Release(j);
    return OrthancPluginJobStepStatus_Success;
  } catch (const std::exception& e) {
    return Fail(j, e.what());
  } catch (...) {
    return Fail(j, "unexpected error");
  }
}

OrthancPluginErrorCode Stop(void* job, OrthancPluginJobStopReason reason) {
  ArchiveJob* j = AsJob(job);
  try {
    if (j->pipeline) {
      j->pipeline.reset();
      if (reason == OrthancPluginJobStopReason_Canceled) {
        j->catalog().MarkFailed(j->sourceId, "canceled by a user; POST /video-archive/instances/" + j->sourceId +
                                                 "/archive to run it again");
        Release(j);
      } else if (reason == OrthancPluginJobStopReason_Paused) {
        // Paused by a user, or Orthanc is stopping: the job resumes it, or the next start-up re-arms it.
        j->catalog().MarkPaused(j->sourceId);
        j->paused = true;
      }
    }
  } catch (const std::exception& e) {
    LogError(std::string("stopping an archive job: ") + e.what());
  }
  return OrthancPluginErrorCode_Success;
}

OrthancPluginErrorCode Reset(void* job) {
  ArchiveJob* j = AsJob(job);
  try {
    j->pipeline.reset();
    j->outcome = Json::Value(Json::objectValue);
    j->finalProgress = 0;
    j->paused = false;
    j->catalog().Requeue(j->sourceId);  // a resubmitted job runs the task again
  } catch (const std::exception& e) {
    LogError(std::string("resetting an archive job: ") + e.what());
  }
  return OrthancPluginErrorCode_Success;
}

}  // namespace

std::string SubmitArchiveJob(const std::shared_ptr<PluginState>& state, const std::string& sourceId) {
  auto job = std::make_unique<ArchiveJob>();
  job->state = state;
  job->sourceId = sourceId;
  OrthancPluginJob* handle = OrthancPluginCreateJob(Context(), job.get(), Finalize, "VideoArchiveTranscode",
                                                    GetProgress, GetContent, GetSerialized, Step, Stop, Reset);
  if (handle == nullptr) throw std::runtime_error("Orthanc refused to create a job");
  static_cast<void>(job.release());  // owned by Orthanc from here: Finalize deletes it
  std::string id = TakeOrthancString(OrthancPluginSubmitJob(Context(), handle, state->config.jobPriority));
  if (id.empty()) throw std::runtime_error("Orthanc refused to submit a job");
  return id;
}

}  // namespace va::plugin
