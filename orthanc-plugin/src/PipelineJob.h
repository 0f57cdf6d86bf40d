// What the archive's Orthanc jobs share: the C callbacks Orthanc calls, progress and content taken from the running
// pipeline (or from the outcome once it ended), and submission. A job type derives from PipelineJob<Pipeline> and
// provides Step(), Stop(reason), Reset() and Release() (its work left this job for good: tell the dispatcher).
// Jobs are not serialised: the catalog / upload store is the durable record, pending work is resubmitted at start-up.
#pragma once

#include <json/json.h>
#include <orthanc/OrthancCPlugin.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "OrthancApi.h"
#include "PluginState.h"

namespace va::plugin {

template <typename Pipeline>
struct PipelineJob {
  PipelineJob(std::shared_ptr<PluginState> state_, std::string id_, const char* idField_)
      : state(std::move(state_)), id(std::move(id_)), idField(idField_) {}

  std::shared_ptr<PluginState> state;  // shared, so that a job finalised late never sees a destroyed catalog
  std::string id;                      // what the job works on (an instance ID, an upload ID)
  const char* idField;                 // its name in the job's content
  std::unique_ptr<Pipeline> pipeline;  // while running
  Json::Value outcome{Json::objectValue};
  std::string content;  // must outlive the pointer handed to Orthanc
  float finalProgress = 0;

  float Progress() const { return pipeline ? pipeline->Progress() : finalProgress; }
  Json::Value Content() const {
    Json::Value v = pipeline ? pipeline->Describe() : outcome;
    v[idField] = id;
    return v;
  }
};

namespace detail {

template <typename Job>
Job* AsJob(void* job) {
  return static_cast<Job*>(job);
}
template <typename Job>
void JobFinalize(void* job) {
  AsJob<Job>(job)->Release();
  delete AsJob<Job>(job);
}
template <typename Job>
float JobProgress(void* job) {
  return AsJob<Job>(job)->Progress();
}
template <typename Job>
const char* JobContent(void* job) {
  Job* j = AsJob<Job>(job);
  j->content = WriteJson(j->Content(), false);
  return j->content.c_str();
}
inline const char* JobSerialized(void*) {
  return nullptr;
}
template <typename Job>
OrthancPluginJobStepStatus JobStep(void* job) {
  return AsJob<Job>(job)->Step();
}
template <typename Job>
OrthancPluginErrorCode JobStop(void* job, OrthancPluginJobStopReason reason) {
  AsJob<Job>(job)->Stop(reason);
  return OrthancPluginErrorCode_Success;
}
template <typename Job>
OrthancPluginErrorCode JobReset(void* job) {
  AsJob<Job>(job)->Reset();
  return OrthancPluginErrorCode_Success;
}

// Hands a created job to Orthanc; returns its ID. Throws on failure.
std::string SubmitCreatedJob(OrthancPluginJob* handle, int priority);

}  // namespace detail

// Creates the Orthanc job of type for job and submits it; Orthanc owns it from here (Finalize deletes it).
template <typename Job>
std::string SubmitJob(std::unique_ptr<Job> job, const char* type, int priority) {
  OrthancPluginJob* handle = OrthancPluginCreateJob(
      Context(), job.get(), detail::JobFinalize<Job>, type, detail::JobProgress<Job>, detail::JobContent<Job>,
      detail::JobSerialized, detail::JobStep<Job>, detail::JobStop<Job>, detail::JobReset<Job>);
  if (handle == nullptr) throw std::runtime_error("Orthanc refused to create a job");
  static_cast<void>(job.release());
  return detail::SubmitCreatedJob(handle, priority);
}

}  // namespace va::plugin
