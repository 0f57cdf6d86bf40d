// The Orthanc job that makes a de-identified copy of a study (DeidentifyPipeline). Not persisted: the copy's UIDs
// are a keyed hash of the original's, so a job lost to a restart is simply requested again and changes nothing
// already stored.
#pragma once

#include <memory>
#include <string>

#include "PluginState.h"

namespace va::plugin {

struct DeidentifySubmission {
  std::string jobId;
  std::string newStudyUid;
};

DeidentifySubmission SubmitDeidentifyJob(const std::shared_ptr<PluginState>& state, const std::string& studyUid);

}  // namespace va::plugin
