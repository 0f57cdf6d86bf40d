#include "StorageRoutes.h"

#include <map>
#include <string>

#include "HttpHelpers.h"
#include "OrthancApi.h"
#include "PluginState.h"
#include "RouteCallback.h"
#include "StorageArea.h"
#include "StorageJson.h"
#include "StorageScheduler.h"
#include "va/archive/CapacityPlan.h"
#include "va/archive/KeyRing.h"

namespace va::plugin {

namespace {

template <StateHandler handler>
constexpr auto Callback = RouteCallback<handler>;

archive::ObjectStore& Store(PluginState& state) {
  if (!state.store) throw HttpError{404, "the archive's storage is disabled (VideoArchive.Storage.Enable)"};
  return *state.store;
}

// The DICOM UID (or Patient ID) of an Orthanc resource.
std::string UidOfResource(const std::string& level, const std::string& id) {
  static const std::map<std::string, std::pair<std::string, std::string>> routes = {
      {"patient", {"/patients/", "PatientID"}},
      {"study", {"/studies/", "StudyInstanceUID"}},
      {"series", {"/series/", "SeriesInstanceUID"}},
      {"instance", {"/instances/", "SOPInstanceUID"}}};
  const auto route = routes.find(level);
  if (route == routes.end()) throw HttpError{400, "\"Level\" must be patient, study, series or instance"};
  if (id.empty() || id.size() > 64 || id.find('/') != std::string::npos)
    throw HttpError{400, "\"Resource\" must be an Orthanc resource ID"};
  std::string body;
  if (!RestGetIfFound(route->second.first + id, body)) throw HttpError{404, "no " + level + " " + id + " in Orthanc"};
  return ParseJson(body)["MainDicomTags"].get(route->second.second, "").asString();
}

void GetOverview(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  Json::Value v;
  v["Configuration"] = state.config.storage.ToJson();
  v["Tiers"] = Json::arrayValue;
  for (const auto& t : Store(state).Stats()) v["Tiers"].append(TierStatsToJson(t));
  if (state.storageScheduler) v["Activity"] = state.storageScheduler->Progress();
  AnswerJson(output, v);
}

void GetTiers(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  Json::Value list(Json::arrayValue);
  for (const auto& t : Store(state).Stats()) list.append(TierStatsToJson(t));
  AnswerJson(output, list);
}

void GetActivity(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  Store(state);
  AnswerJson(output, state.storageScheduler->Progress());
}

void PostMigrate(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Post, "POST");
  Store(state);
  state.storageScheduler->RequestMigration();
  AnswerJsonStatus(output, 202, state.storageScheduler->Progress());
}

void PostScrub(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Post, "POST");
  Store(state);
  state.storageScheduler->RequestScrub();
  AnswerJsonStatus(output, 202, state.storageScheduler->Progress());
}

void GetPlan(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const int limit = GetIntArgument(request, "limit", 1000, 1, 100000);
  Json::Value list(Json::arrayValue);
  for (const auto& m : Store(state).Plan(NowSeconds(), static_cast<size_t>(limit))) list.append(PlannedMoveToJson(m));
  AnswerJson(output, list);
}

Json::Value ObjectWithEvents(archive::ObjectStore& store, const std::string& id) {
  const auto s = store.State(id, NowSeconds());
  if (!s) throw HttpError{404, "the archive holds no object " + id};
  Json::Value v = ObjectStateToJson(*s);
  v["Events"] = Json::arrayValue;
  for (const auto& e : store.Events(id, 200)) {
    Json::Value event;
    event["At"] = IsoDate(e.at);
    event["Kind"] = e.kind;
    event["Detail"] = e.detail;
    v["Events"].append(event);
  }
  return v;
}

void GetObject(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  AnswerJson(output, ObjectWithEvents(Store(state), request->groups[0]));
}

void GetInstance(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const std::string id = request->groups[0];
  const std::string uuid = DicomAttachmentUuid(id);
  if (uuid.empty()) throw HttpError{404, "no instance " + id + " in Orthanc"};
  AnswerJson(output, ObjectWithEvents(Store(state), uuid));
}

void GetStudy(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  archive::ObjectStore& store = Store(state);
  const std::string uid = UidOfResource("study", request->groups[0]);
  Json::Value v;
  v["StudyInstanceUID"] = uid;
  v["RetainUntil"] = IsoDate(store.RetentionOfStudy(uid));
  archive::ObjectFacts facts;
  facts.studyUid = uid;
  const auto hold = store.HoldCovering(facts);
  v["LegalHold"] = hold.has_value();
  if (hold) v["Hold"] = HoldToJson(*hold);
  v["Objects"] = Json::arrayValue;
  for (const auto& s : store.StatesOfStudy(uid, NowSeconds())) v["Objects"].append(ObjectStateToJson(s));
  AnswerJson(output, v);
}

void Holds(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  archive::ObjectStore& store = Store(state);
  if (request->method == OrthancPluginHttpMethod_Get) {
    Json::Value list(Json::arrayValue);
    for (const auto& h : store.Holds(GetArgument(request, "all", "false") != "true")) list.append(HoldToJson(h));
    AnswerJson(output, list);
    return;
  }
  RequireMethod(request, OrthancPluginHttpMethod_Post, "GET or POST");
  const Json::Value body = JsonBody(request);
  const std::string level = RequiredText(body, "Level");
  const std::string uid =
      body.isMember("Resource") ? UidOfResource(level, RequiredText(body, "Resource")) : RequiredText(body, "UID");
  if (level != "patient" && level != "study" && level != "series" && level != "instance")
    throw HttpError{400, "\"Level\" must be patient, study, series or instance"};
  if (uid.empty()) throw HttpError{400, "the resource has no " + level + " UID"};
  const int64_t id =
      store.SetHold(level, uid, RequiredText(body, "Reason"), RequiredText(body, "Author"), NowSeconds());
  LogWarning("storage: legal hold " + std::to_string(id) + " set on " + level + " " + uid + " by " +
             body["Author"].asString() + ": " + body["Reason"].asString());
  for (const auto& h : store.Holds(true)) {
    if (h.id == id) AnswerJsonStatus(output, 201, HoldToJson(h));
  }
}

void ReleaseHold(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Post, "POST");
  archive::ObjectStore& store = Store(state);
  int64_t id = 0;
  try {
    id = std::stoll(request->groups[0]);
  } catch (const std::exception&) {
    throw HttpError{400, "a hold ID is a number"};
  }
  const Json::Value body = JsonBody(request);
  try {
    store.ReleaseHold(id, RequiredText(body, "Reason"), RequiredText(body, "Author"), NowSeconds());
  } catch (const archive::StoreError& e) {
    throw HttpError{e.kind() == archive::StoreError::Kind::NotFound ? 404 : 409, e.what()};
  }
  LogWarning("storage: legal hold " + std::to_string(id) + " released by " + body["Author"].asString() + ": " +
             body["Reason"].asString());
  for (const auto& h : store.Holds(false)) {
    if (h.id == id) AnswerJson(output, HoldToJson(h));
  }
}

void RotateKeys(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Post, "POST");
  archive::ObjectStore& store = Store(state);
  std::shared_ptr<const archive::KeyRing> ring;
  try {
    ring = std::make_shared<const archive::KeyRing>(archive::KeyRing::FromFile(state.config.storage.keyFile));
    store.ReplaceKeyRing(ring);
  } catch (const archive::KeyError& e) {
    throw HttpError{409, std::string("the key file cannot be used: ") + e.what()};
  }
  state.storageScheduler->RequestRewrap();
  Json::Value v;
  v["CurrentKeyID"] = ring->CurrentId();
  v["Rewrap"] = "started; see /video-archive/storage/activity";
  LogWarning("storage: key ring reloaded, current key " + ring->CurrentId() + "; re-wrapping data keys");
  AnswerJsonStatus(output, 202, v);
}

// Removes expired objects: only by this explicit, logged run. Each expired object is removed with its whole
// instance through Orthanc (so the index and the storage stay consistent); the storage area checks retention and
// holds again.
void Disposition(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Post, "POST");
  archive::ObjectStore& store = Store(state);
  const Json::Value body = JsonBody(request);
  const bool dryRun = !body.isMember("DryRun") || body["DryRun"].asBool();
  const std::string author = RequiredText(body, "Author");
  const std::string reason = RequiredText(body, "Reason");
  const int limit = body.get("Limit", 1000).asInt();
  const int64_t now = NowSeconds();
  Json::Value v;
  v["DryRun"] = dryRun;
  v["Instances"] = Json::arrayValue;
  v["Errors"] = Json::arrayValue;
  for (const auto& objectId : store.Expired(now, static_cast<size_t>(std::max(1, limit)))) {
    const auto s = store.State(objectId, now);
    if (!s) continue;
    Json::Value item;
    item["Object"] = objectId;
    item["SOPInstanceUID"] = s->facts.sopInstanceUid;
    item["RetainUntil"] = IsoDate(s->retainUntil);
    std::string instanceId;
    if (!s->facts.sopInstanceUid.empty()) {
      const std::string lookup =
          RestPost("/tools/lookup", s->facts.sopInstanceUid.data(), s->facts.sopInstanceUid.size());
      for (const auto& hit : ParseJson(lookup)) {
        if (hit.get("Type", "").asString() == "Instance") instanceId = hit.get("ID", "").asString();
      }
    }
    item["Instance"] = instanceId;
    if (!dryRun) {
      try {
        std::string detail = "by " + author;
        detail += ": ";
        detail += reason;
        store.LogEvent(objectId, "disposed", detail, now);
        if (!instanceId.empty()) {
          RestDelete("/instances/" + instanceId);
        } else {
          store.Remove(objectId, now);
        }
        std::string line = "storage: disposition by " + author;
        line += " removed ";
        line += instanceId.empty() ? "object " + objectId : "instance " + instanceId;
        line += " (retained until " + IsoDate(s->retainUntil);
        line += "): ";
        line += reason;
        LogWarning(line);
      } catch (const std::exception& e) {
        v["Errors"].append(objectId + ": " + e.what());
        continue;
      }
    }
    v["Instances"].append(item);
  }
  AnswerJson(output, v);
}

double NumberArgument(const OrthancPluginHttpRequest* request, const char* key, double fallback) {
  const std::string text = GetArgument(request, key, "");
  if (text.empty()) return fallback;
  try {
    size_t used = 0;
    const double value = std::stod(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
    return value;
  } catch (const std::exception&) {
    throw HttpError{400, std::string("query parameter '") + key + "' must be a number"};
  }
}

Json::Value CapacityYearToJson(const archive::CapacityYear& y) {
  Json::Value v;
  v["Year"] = y.year;
  v["Recordings"] = y.recordings;
  v["OriginalBytes"] = y.originalBytes;
  v["ArchivalBytes"] = y.archivalBytes;
  v["ExpiringBytes"] = y.expiringBytes;
  v["HeldBytes"] = y.heldBytes;
  v["HeldBytesWithoutArchival"] = y.heldBytesWithoutArchival;
  v["Held"] = archive::FormatBytes(y.heldBytes);
  v["HeldWithoutArchival"] = archive::FormatBytes(y.heldBytesWithoutArchival);
  return v;
}

// The capacity planner: no storage needed, pure arithmetic (archive/CapacityPlan.h); defaults = the seed model.
void GetCapacity(PluginState&, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  archive::CapacityInputs in;
  in.hospitals = NumberArgument(request, "hospitals", in.hospitals);
  in.roomsPerHospital = NumberArgument(request, "rooms", in.roomsPerHospital);
  in.proceduresPerRoomPerDay = NumberArgument(request, "proceduresPerDay", in.proceduresPerRoomPerDay);
  in.minutesPerProcedure = NumberArgument(request, "minutes", in.minutesPerProcedure);
  in.sourceMbps = NumberArgument(request, "mbps", in.sourceMbps);
  in.daysPerYear = NumberArgument(request, "daysPerYear", in.daysPerYear);
  in.retentionYears = static_cast<int>(NumberArgument(request, "retentionYears", in.retentionYears));
  in.years = static_cast<int>(NumberArgument(request, "years", in.years));
  in.yearlyGrowth = NumberArgument(request, "growth", in.yearlyGrowth);
  in.archivalRatio = NumberArgument(request, "archivalRatio", in.archivalRatio);
  in.copies = static_cast<int>(NumberArgument(request, "copies", in.copies));
  in.keepOriginals = GetArgument(request, "keepOriginals", "false") == "true";
  const auto problems = archive::CheckCapacityInputs(in);
  if (!problems.empty()) throw HttpError{400, problems.front()};
  const archive::CapacityPlan plan = archive::ComputeCapacityPlan(in);
  Json::Value v;
  v["Inputs"]["Hospitals"] = in.hospitals;
  v["Inputs"]["RoomsPerHospital"] = in.roomsPerHospital;
  v["Inputs"]["ProceduresPerRoomPerDay"] = in.proceduresPerRoomPerDay;
  v["Inputs"]["MinutesPerProcedure"] = in.minutesPerProcedure;
  v["Inputs"]["SourceMbps"] = in.sourceMbps;
  v["Inputs"]["DaysPerYear"] = in.daysPerYear;
  v["Inputs"]["RetentionYears"] = in.retentionYears;
  v["Inputs"]["Years"] = in.years;
  v["Inputs"]["YearlyGrowth"] = in.yearlyGrowth;
  v["Inputs"]["ArchivalRatio"] = in.archivalRatio;
  v["Inputs"]["Copies"] = in.copies;
  v["Inputs"]["KeepOriginals"] = in.keepOriginals;
  v["BytesPerHospitalPerDay"] = plan.bytesPerHospitalPerDay;
  v["BytesPerHospitalYear"] = plan.bytesPerHospitalYear;
  v["PerHospitalPerDay"] = archive::FormatBytes(plan.bytesPerHospitalPerDay);
  v["PerHospitalYear"] = archive::FormatBytes(plan.bytesPerHospitalYear);
  v["PeakHeldBytes"] = plan.peakHeldBytes;
  v["PeakHeldBytesWithoutArchival"] = plan.peakHeldBytesWithoutArchival;
  v["PeakHeld"] = archive::FormatBytes(plan.peakHeldBytes);
  v["PeakHeldWithoutArchival"] = archive::FormatBytes(plan.peakHeldBytesWithoutArchival);
  v["Saving"] = plan.peakHeldBytesWithoutArchival > 0 ? 1 - plan.peakHeldBytes / plan.peakHeldBytesWithoutArchival : 0;
  v["Years"] = Json::arrayValue;
  for (const auto& y : plan.years) v["Years"].append(CapacityYearToJson(y));
  v["Table"] = archive::FormatCapacityTable(in, plan);
  AnswerJson(output, v);
}

}  // namespace

void RegisterStorageRoutes() {
  OrthancPluginContext* c = Context();
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/storage", Callback<GetOverview>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/storage/tiers", Callback<GetTiers>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/storage/activity", Callback<GetActivity>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/storage/migrate", Callback<PostMigrate>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/storage/scrub", Callback<PostScrub>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/storage/plan", Callback<GetPlan>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/storage/objects/([^/]+)", Callback<GetObject>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/storage/instances/([^/]+)", Callback<GetInstance>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/storage/studies/([^/]+)", Callback<GetStudy>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/storage/holds", Callback<Holds>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/storage/holds/([0-9]+)/release", Callback<ReleaseHold>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/storage/keys/rotate", Callback<RotateKeys>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/storage/disposition", Callback<Disposition>);
}

void RegisterCapacityRoute() {
  OrthancPluginRegisterRestCallbackNoLock(Context(), "/video-archive/storage/capacity", Callback<GetCapacity>);
}

}  // namespace va::plugin
