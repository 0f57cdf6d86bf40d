#include "DeidentifyJob.h"

#include "DeidentifyPipeline.h"
#include "OrthancApi.h"
#include "PipelineJob.h"
#include "ProvenanceService.h"

namespace va::plugin {

namespace {

struct DeidentifyJob : PipelineJob<DeidentifyPipeline> {
  DeidentifyJob(std::shared_ptr<PluginState> s, std::string studyUid)
      : PipelineJob(std::move(s), std::move(studyUid), "StudyInstanceUID") {}

  void Release() {}

  OrthancPluginJobStepStatus Step() {
    try {
      if (!pipeline)
        pipeline = std::make_unique<DeidentifyPipeline>(state->config, *state->provenance, *state->catalog, id);
      if (pipeline->Step()) return OrthancPluginJobStepStatus_Continue;
      outcome = pipeline->Describe();
      outcome["Status"] = "done";
      pipeline.reset();
      finalProgress = 1;
      LogInfo("de-identified copy of study " + id + " done");
      return OrthancPluginJobStepStatus_Success;
    } catch (const std::exception& e) {
      outcome = pipeline ? pipeline->Describe() : Json::Value(Json::objectValue);
      outcome["Status"] = "failed";
      outcome["Error"] = e.what();
      pipeline.reset();
      LogError("de-identified copy of study " + id + " failed: " + e.what());
      return OrthancPluginJobStepStatus_Failure;
    }
  }

  void Stop(OrthancPluginJobStopReason) { pipeline.reset(); }  // a resumed job starts over: same UIDs, nothing doubled

  void Reset() {
    pipeline.reset();
    outcome = Json::Value(Json::objectValue);
    finalProgress = 0;
  }
};

}  // namespace

DeidentifySubmission SubmitDeidentifyJob(const std::shared_ptr<PluginState>& state, const std::string& studyUid) {
  if (!state->provenance) throw std::runtime_error("provenance keys are not loaded");
  DeidentifySubmission s;
  s.newStudyUid = state->provenance->Secret().PseudonymUid(studyUid);
  s.jobId =
      SubmitJob(std::make_unique<DeidentifyJob>(state, studyUid), "VideoArchiveDeidentify", state->config.jobPriority);
  return s;
}

}  // namespace va::plugin
