#include "StudyInstances.h"

#include "OrthancApi.h"

namespace va::plugin {

std::string OrthancStudyId(const std::string& studyUid) {
  const Json::Value found = ParseJson(RestPost("/tools/lookup", studyUid.data(), studyUid.size()));
  for (const Json::Value& item : found)
    if (item.get("Type", "").asString() == "Study") return item.get("ID", "").asString();
  return "";
}

std::vector<StudyInstance> InstancesOfStudy(const std::string& studyUid) {
  std::vector<StudyInstance> out;
  const std::string id = OrthancStudyId(studyUid);
  std::string body;
  if (id.empty() || !RestGetIfFound("/studies/" + id + "/instances?expand", body)) return out;
  for (const Json::Value& instance : ParseJson(body)) {
    StudyInstance i;
    i.orthancId = instance.get("ID", "").asString();
    i.sopInstanceUid = instance["MainDicomTags"].get("SOPInstanceUID", "").asString();
    std::string series;
    if (RestGetIfFound("/series/" + instance.get("ParentSeries", "").asString(), series))
      i.seriesInstanceUid = ParseJson(series)["MainDicomTags"].get("SeriesInstanceUID", "").asString();
    out.push_back(i);
  }
  return out;
}

}  // namespace va::plugin
