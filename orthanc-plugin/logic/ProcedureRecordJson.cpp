#include "ProcedureRecordJson.h"

#include <utility>

namespace va::plugin {

namespace {

// One table for both directions, so a field can never be written and then forgotten when read.
template <typename Record, typename F>
void ForEachText(Record& r, F&& f) {
  f("patientId", r.patientId);
  f("patientName", r.patientName);
  f("patientBirthDate", r.patientBirthDate);
  f("patientSex", r.patientSex);
  f("accessionNumber", r.accessionNumber);
  f("studyDescription", r.studyDescription);
  f("studyInstanceUid", r.studyInstanceUid);
  f("procedureCodeValue", r.procedureCodeValue);
  f("procedureCodeScheme", r.procedureCodeScheme);
  f("procedureCodeMeaning", r.procedureCodeMeaning);
  f("operator", r.operatorName);
  f("organisation", r.organisation);
  f("manufacturer", r.manufacturer);
  f("model", r.modelName);
  f("serialNumber", r.deviceSerialNumber);
  f("recordingStart", r.recordingStartUtc);
  f("sha256", r.sha256);
}

}  // namespace

Json::Value RecordToJson(const ProcedureRecord& record) {
  Json::Value v(Json::objectValue);
  ForEachText(record, [&v](const char* key, const std::string& value) {
    if (!value.empty()) v[key] = value;
  });
  v["videoKind"] = ToString(record.videoKind);
  v["stereo"] = ToString(record.stereo);
  return v;
}

ProcedureRecord RecordFromJson(const Json::Value& json) {
  ProcedureRecord r;
  ForEachText(r, [&json](const char* key, std::string& value) {
    if (json.isMember(key) && json[key].isString()) value = json[key].asString();
  });
  const std::string kind = json.get("videoKind", "").asString();
  for (VideoKind k : {VideoKind::Endoscopic, VideoKind::Microscopic, VideoKind::Photographic}) {
    if (kind == ToString(k)) r.videoKind = k;
  }
  const std::string stereo = json.get("stereo", "").asString();
  for (StereoLayout s : {StereoLayout::None, StereoLayout::SideBySide, StereoLayout::TopBottom}) {
    if (stereo == ToString(s)) r.stereo = s;
  }
  return r;
}

}  // namespace va::plugin
