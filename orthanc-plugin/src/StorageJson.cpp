#include "StorageJson.h"

#include "CivilTime.h"

namespace va::plugin {

std::string IsoDate(int64_t t) {
  if (t == 0) return "";
  const int64_t days = FloorDiv(t, 86400);
  const int64_t rest = t - days * 86400;
  const CivilDate d = CivilFromDays(days);
  char text[40];
  std::snprintf(text, sizeof text, "%04lld-%02d-%02dT%02lld:%02lld:%02lldZ", static_cast<long long>(d.year), d.month,
                d.day, static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60),
                static_cast<long long>(rest % 60));
  return text;
}

Json::Value HoldToJson(const archive::HoldRecord& h) {
  Json::Value v;
  v["ID"] = static_cast<Json::Int64>(h.id);
  v["Level"] = h.level;
  v["UID"] = h.uid;
  v["Reason"] = h.reason;
  v["Author"] = h.author;
  v["SetAt"] = IsoDate(h.setAt);
  v["Active"] = h.releasedAt == 0;
  if (h.releasedAt != 0) {
    v["ReleasedAt"] = IsoDate(h.releasedAt);
    v["ReleaseReason"] = h.releaseReason;
    v["ReleasedBy"] = h.releasedBy;
  }
  return v;
}

Json::Value ObjectStateToJson(const archive::ObjectState& s) {
  Json::Value v;
  v["ID"] = s.id;
  v["ContentType"] = s.contentType;
  v["Size"] = static_cast<Json::UInt64>(s.size);
  v["StoredSize"] = static_cast<Json::UInt64>(s.storedSize);
  v["SHA256"] = s.sha256;
  v["StoredSHA256"] = s.storedSha256;
  v["KeyID"] = s.keyId;
  v["CreatedAt"] = IsoDate(s.createdAt);
  v["LastAccessAt"] = IsoDate(s.lastAccessAt);
  v["RetainUntil"] = IsoDate(s.retainUntil);
  v["LegalHold"] = !s.holds.empty();
  v["Holds"] = Json::arrayValue;
  for (const auto& h : s.holds) v["Holds"].append(HoldToJson(h));
  v["SOPClassUID"] = s.facts.sopClassUid;
  v["SOPInstanceUID"] = s.facts.sopInstanceUid;
  v["SeriesInstanceUID"] = s.facts.seriesUid;
  v["StudyInstanceUID"] = s.facts.studyUid;
  v["Organisation"] = s.facts.organisation;
  v["CopyKind"] = s.facts.copyKind;
  v["Copies"] = Json::arrayValue;
  for (const auto& c : s.copies) {
    Json::Value copy;
    copy["Tier"] = c.tier;
    copy["State"] = c.state;
    copy["VerifiedAt"] = IsoDate(c.verifiedAt);
    copy["CheckedAt"] = IsoDate(c.checkedAt);
    copy["Failures"] = c.failures;
    if (!c.lastError.empty()) copy["LastError"] = c.lastError;
    v["Copies"].append(copy);
  }
  return v;
}

Json::Value TierStatsToJson(const archive::TierStats& t) {
  Json::Value v;
  v["Name"] = t.tier;
  v["Kind"] = t.kind;
  v["Country"] = t.country;
  v["Objects"] = static_cast<Json::Int64>(t.objects);
  v["Bytes"] = static_cast<Json::Int64>(t.bytes);
  v["Pending"] = static_cast<Json::Int64>(t.pending);
  v["Corrupt"] = static_cast<Json::Int64>(t.corrupt);
  return v;
}

Json::Value PlannedMoveToJson(const archive::PlannedMove& m) {
  Json::Value v;
  v["Object"] = m.objectId;
  v["From"] = Json::arrayValue;
  for (const auto& t : m.from) v["From"].append(t);
  v["To"] = Json::arrayValue;
  for (const auto& t : m.to) v["To"].append(t);
  v["Rule"] = m.rule;
  if (!m.note.empty()) v["Note"] = m.note;
  return v;
}

}  // namespace va::plugin
