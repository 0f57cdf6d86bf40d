#include "DeletionGuard.h"

#include "DeletionRequest.h"
#include "HttpHelpers.h"
#include "OrthancApi.h"
#include "StorageArea.h"

namespace va::plugin {

namespace {

std::string Plural(const std::string& level) {
  if (level == "study") return "studies";
  if (level == "series") return "series";
  return level + "s";
}

int32_t Filter(OrthancPluginHttpMethod method, const char* uri, const char* ip, uint32_t, const char* const*,
               const char* const*, uint32_t, const char* const*, const char* const*) {
  try {
    const auto target = DeletionTargetOf(MethodName(method), uri);
    if (!target) return 1;
    auto state = State();
    if (!state || !state->store) return 1;
    if (target->bulk) {
      // Its body (the resources) is not visible to filters in Orthanc 1.10; with WORM or any hold, refuse it.
      if (!state->config.storage.worm && state->store->Holds(true).empty()) return 1;
      LogWarning(std::string("storage: refused POST /tools/bulk-delete from ") + ip +
                 ": with WORM mode or legal holds, delete resources one by one so each can be checked");
      return 0;
    }
    const std::string blocker = DeletionBlocker(*state, target->level, target->id);
    if (blocker.empty()) return 1;
    LogWarning(std::string("storage: refused DELETE ") + uri + " from " + ip + ": " + blocker);
    return 0;
  } catch (const std::exception& e) {
    // When in doubt about a deletion, keep the data.
    LogError(std::string("storage: refused ") + uri + " because its protection could not be checked: " + e.what());
    return 0;
  }
}

}  // namespace

std::string DeletionBlocker(PluginState& state, const std::string& level, const std::string& orthancId) {
  if (!state.store) return "";
  std::string body;
  std::vector<std::string> instances;
  if (level == "instance") {
    instances.push_back(orthancId);
  } else {
    if (!RestGetIfFound("/" + Plural(level) + "/" + orthancId + "/instances", body)) return "";
    for (const auto& i : ParseJson(body)) instances.push_back(i.get("ID", "").asString());
  }
  const int64_t now = NowSeconds();
  for (const auto& instance : instances) {
    const std::string uuid = DicomAttachmentUuid(instance);
    if (uuid.empty()) continue;
    const std::string why = state.store->RemovalBlocker(uuid, now);
    if (!why.empty()) {
      std::string reason = level;
      reason += " ";
      reason += orthancId;
      reason += ": ";
      reason += why;
      return reason;
    }
  }
  return "";
}

void RegisterDeletionGuard(OrthancPluginContext* context) {
  OrthancPluginRegisterIncomingHttpRequestFilter2(context, Filter);
}

}  // namespace va::plugin
