#include "PipelineJob.h"

namespace va::plugin::detail {

std::string SubmitCreatedJob(OrthancPluginJob* handle, int priority) {
  std::string id = TakeOrthancString(OrthancPluginSubmitJob(Context(), handle, priority));
  if (id.empty()) throw std::runtime_error("Orthanc refused to submit a job");
  return id;
}

}  // namespace va::plugin::detail
