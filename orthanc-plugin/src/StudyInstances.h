// The instances of a study named by its Study Instance UID, through Orthanc's REST API.
#pragma once

#include <string>
#include <vector>

namespace va::plugin {

struct StudyInstance {
  std::string orthancId;
  std::string sopInstanceUid;
  std::string seriesInstanceUid;
};

// Orthanc's study ID of a Study Instance UID, "" when the study is not stored.
std::string OrthancStudyId(const std::string& studyUid);
// Every instance of the study (empty when the study is not stored).
std::vector<StudyInstance> InstancesOfStudy(const std::string& studyUid);

}  // namespace va::plugin
