#include "IngestJob.h"

#include "Dispatcher.h"
#include "IngestPipeline.h"
#include "OrthancApi.h"

namespace va::plugin {

namespace {

struct IngestJob {
  std::shared_ptr<PluginState> state;
  std::string uploadId;
  std::unique_ptr<IngestPipeline> pipeline;
  Json::Value outcome{Json::objectValue};
  std::string content;  // must outlive the pointer handed to Orthanc
  float finalProgress = 0;
  bool started = false;  // MarkIngesting done: the upload is ours until it ends

  archive::UploadStore& uploads() { return *state->uploads; }
};

IngestJob* AsJob(void* job) {
  return static_cast<IngestJob*>(job);
}

void Release(IngestJob* j) {
  if (j->state->dispatcher) j->state->dispatcher->Forget(IngestKey(j->uploadId));
}

void Finalize(void* job) {
  IngestJob* j = AsJob(job);
  Release(j);
  delete j;
}

float GetProgress(void* job) {
  IngestJob* j = AsJob(job);
  return j->pipeline ? j->pipeline->Progress() : j->finalProgress;
}

const char* GetContent(void* job) {
  IngestJob* j = AsJob(job);
  Json::Value v = j->pipeline ? j->pipeline->Describe() : j->outcome;
  v["Upload"] = j->uploadId;
  j->content = WriteJson(v, false);
  return j->content.c_str();
}

const char* GetSerialized(void*) {
  return nullptr;  // the upload store is the durable record
}

OrthancPluginJobStepStatus Fail(IngestJob* j, const std::string& reason) {
  j->outcome = j->pipeline ? j->pipeline->Describe() : Json::Value(Json::objectValue);
  j->outcome["Status"] = "failed";
  j->outcome["Error"] = reason;
  j->pipeline.reset();
  try {
    j->uploads().MarkFailed(j->uploadId, reason);
  } catch (const std::exception& e) {
    LogError(std::string("cannot record a failed ingest: ") + e.what());
  }
  Release(j);
  LogError("ingesting upload " + j->uploadId + " failed: " + reason);
  return OrthancPluginJobStepStatus_Failure;
}

OrthancPluginJobStepStatus Step(void* job) {
  IngestJob* j = AsJob(job);
  try {
    if (!j->pipeline) {
      if (!j->started) {
        if (!j->uploads().MarkIngesting(j->uploadId, "")) {
          j->outcome["Status"] = "nothing to do: the upload is no longer waiting";
          j->finalProgress = 1;
          Release(j);
          return OrthancPluginJobStepStatus_Success;
        }
        j->started = true;
      }
      j->pipeline = std::make_unique<IngestPipeline>(j->state->config, j->uploads(), j->uploadId);
    }
    if (j->pipeline->Step()) return OrthancPluginJobStepStatus_Continue;
    j->outcome = j->pipeline->Result();
    j->outcome["Status"] = "done";
    j->uploads().MarkIngested(j->uploadId, WriteJson(j->pipeline->Result(), false));
    j->pipeline.reset();
    j->finalProgress = 1;
    Release(j);
    LogInfo("upload " + j->uploadId + " ingested");
    return OrthancPluginJobStepStatus_Success;
  } catch (const std::exception& e) {
    return Fail(j, e.what());
  } catch (...) {
    return Fail(j, "unexpected error");
  }
}

OrthancPluginErrorCode Stop(void* job, OrthancPluginJobStopReason reason) {
  IngestJob* j = AsJob(job);
  try {
    j->pipeline.reset();  // a resumed job starts the upload over (same UIDs: nothing is duplicated)
    if (reason == OrthancPluginJobStopReason_Canceled && j->started) {
      j->uploads().MarkFailed(
          j->uploadId, "canceled by a user; POST /video-archive/uploads/" + j->uploadId + "/retry to run it again");
      j->started = false;
      Release(j);
    }
  } catch (const std::exception& e) {
    LogError(std::string("stopping an ingest job: ") + e.what());
  }
  return OrthancPluginErrorCode_Success;
}

OrthancPluginErrorCode Reset(void* job) {
  IngestJob* j = AsJob(job);
  try {
    j->pipeline.reset();
    j->outcome = Json::Value(Json::objectValue);
    j->finalProgress = 0;
    j->started = false;
    j->uploads().Requeue(j->uploadId);  // a resubmitted job runs the upload again
  } catch (const std::exception& e) {
    LogError(std::string("resetting an ingest job: ") + e.what());
  }
  return OrthancPluginErrorCode_Success;
}

}  // namespace

std::string IngestKey(const std::string& uploadId) {
  return "upload:" + uploadId;
}

std::string SubmitIngestJob(const std::shared_ptr<PluginState>& state, const std::string& uploadId) {
  auto job = std::make_unique<IngestJob>();
  job->state = state;
  job->uploadId = uploadId;
  OrthancPluginJob* handle = OrthancPluginCreateJob(Context(), job.get(), Finalize, "VideoArchiveIngest", GetProgress,
                                                    GetContent, GetSerialized, Step, Stop, Reset);
  if (handle == nullptr) throw std::runtime_error("Orthanc refused to create a job");
  static_cast<void>(job.release());  // owned by Orthanc from here: Finalize deletes it
  std::string id = TakeOrthancString(OrthancPluginSubmitJob(Context(), handle, state->config.jobPriority));
  if (id.empty()) throw std::runtime_error("Orthanc refused to submit a job");
  return id;
}

}  // namespace va::plugin
