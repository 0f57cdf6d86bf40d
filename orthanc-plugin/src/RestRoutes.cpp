#include "RestRoutes.h"

#include <string>

#include "Dispatcher.h"
#include "HttpHelpers.h"
#include "OrthancApi.h"
#include "PluginState.h"
#include "RouteCallback.h"
#include "SystemReport.h"

namespace va::plugin {

namespace {

Json::Value TaskToJson(const archive::Task& t) {
  Json::Value v;
  v["SourceInstance"] = t.sourceId;
  v["SourceSOPInstanceUID"] = t.sourceSopUid;
  v["State"] = archive::ToString(t.state);
  v["Attempts"] = t.attempts;
  v["Reason"] = t.reason;
  v["JobID"] = t.jobId;
  if (!t.derivedId.empty()) v["DerivedInstance"] = t.derivedId;
  if (!t.qualityJson.empty()) v["Quality"] = ParseJson(t.qualityJson);
  v["CreatedAt"] = static_cast<Json::Int64>(t.createdAt);
  v["UpdatedAt"] = static_cast<Json::Int64>(t.updatedAt);
  return v;
}

template <StateHandler handler>
constexpr auto Callback = RouteCallback<handler>;

void GetSystem(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const Json::Value orthancConfiguration = ParseJson(TakeOrthancString(OrthancPluginGetConfiguration(Context())));
  AnswerJson(output, BuildSystemReport(state, orthancConfiguration));
}

void ListTasks(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const std::string filter = GetArgument(request, "state", "");
  if (!filter.empty()) {
    try {
      archive::TaskStateFromString(filter);
    } catch (const std::exception&) {
      throw HttpError{400, "query parameter 'state' must be pending, running, done, failed or skipped"};
    }
  }
  const int limit = GetIntArgument(request, "limit", 100, 1, 10000);
  const int offset = GetIntArgument(request, "offset", 0, 0, 1 << 30);
  Json::Value list(Json::arrayValue);
  for (const auto& t : state.catalog->List(filter, limit, offset)) list.append(TaskToJson(t));
  AnswerJson(output, list);
}

void GetTask(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const auto task = state.catalog->Get(request->groups[0]);
  if (!task) throw HttpError{404, std::string("no archive task for instance ") + request->groups[0]};
  AnswerJson(output, TaskToJson(*task));
}

void ArchiveInstance(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Post, "POST");
  const std::string id = request->groups[0];
  std::string body;
  if (!RestGetIfFound("/instances/" + id, body)) throw HttpError{404, "no instance " + id + " in Orthanc"};
  const Json::Value instance = ParseJson(body);
  const std::string sop = instance["MainDicomTags"].get("SOPInstanceUID", "").asString();
  if (!state.catalog->Enqueue(id, sop) && !state.catalog->Requeue(id)) {
    throw HttpError{409, "instance " + id + " is already queued or being archived"};
  }
  state.dispatcher->Wake();
  AnswerJson(output, TaskToJson(*state.catalog->Get(id)));
}

void GetQuality(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const std::string id = request->groups[0];
  auto link = state.catalog->FindDerivedById(id);
  if (!link) link = state.catalog->FindDerivedBySource(id);
  if (!link) throw HttpError{404, "instance " + id + " is neither an archival copy nor the source of one"};
  Json::Value v = ParseJson(link->qualityJson);
  v["DerivedInstance"] = link->derivedId;
  v["SourceInstance"] = link->sourceId;
  v["SourceDeleted"] = link->sourceDeleted;
  AnswerJson(output, v);
}

}  // namespace

void RegisterRestRoutes() {
  OrthancPluginRegisterRestCallbackNoLock(Context(), "/video-archive/system", Callback<GetSystem>);
  OrthancPluginRegisterRestCallbackNoLock(Context(), "/video-archive/tasks", Callback<ListTasks>);
  OrthancPluginRegisterRestCallbackNoLock(Context(), "/video-archive/tasks/([^/]+)", Callback<GetTask>);
  OrthancPluginRegisterRestCallbackNoLock(Context(), "/video-archive/instances/([^/]+)/archive",
                                          Callback<ArchiveInstance>);
  OrthancPluginRegisterRestCallbackNoLock(Context(), "/video-archive/instances/([^/]+)/quality", Callback<GetQuality>);
}

}  // namespace va::plugin
