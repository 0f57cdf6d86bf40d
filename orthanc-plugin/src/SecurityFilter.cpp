#include "SecurityFilter.h"

#include <mutex>
#include <unordered_map>

#include "HttpHelpers.h"
#include "OrthancApi.h"
#include "PluginState.h"
#include "SecurityService.h"

namespace va::plugin {

namespace {

std::mutex parentMutex;
std::unordered_map<std::string, std::string> parentCache;  // series or instance ID -> study ID (IDs never move)

std::string Parent(const std::string& uri, const char* field) {
  std::string body;
  if (!RestGetIfFound(uri, body)) return "";
  const Json::Value json = ParseJson(body);
  return json.isMember(field) && json[field].isString() ? json[field].asString() : "";
}

// The access record of an Orthanc study. Records are made from the DICOM header when instances arrive, before
// Orthanc has an ID to give; the first lookup by ID reads the study's UID from Orthanc and remembers the ID.
std::optional<archive::StudyAccess> StudyOfOrthancId(SecurityService& security, const std::string& studyId) {
  auto study = security.Access().StudyByOrthancId(studyId);
  if (study) return study;
  std::string body;
  if (!RestGetIfFound("/studies/" + studyId, body)) return std::nullopt;
  const Json::Value json = ParseJson(body);
  const std::string uid = json["MainDicomTags"]["StudyInstanceUID"].asString();
  if (uid.empty()) return std::nullopt;
  study = security.Access().StudyByUid(uid);
  if (study && study->orthancStudyId.empty()) {
    security.Access().RecordStudy(uid, studyId, study->organisation, study->origin, study->deidentified, false);
    study->orthancStudyId = studyId;
  }
  return study;
}

// What the access catalog says of the study a route touches; known = false when it says nothing.
StudyFacts FactsOf(SecurityService& security, const Principal& who, const RouteClass& route, std::string& studyUid) {
  StudyFacts facts;
  std::optional<archive::StudyAccess> study;
  switch (route.kind) {
    case ResourceKind::StudyUid: study = security.Access().StudyByUid(route.id); break;
    case ResourceKind::OrthancStudy: study = StudyOfOrthancId(security, route.id); break;
    case ResourceKind::OrthancSeries:
    case ResourceKind::OrthancInstance: {
      const std::string studyId = ParentStudyOf(route.kind, route.id);
      if (!studyId.empty()) study = StudyOfOrthancId(security, studyId);
      break;
    }
    default: break;
  }
  if (route.kind == ResourceKind::StudyUid) studyUid = route.id;
  if (!study) return facts;
  studyUid = study->studyUid;
  facts.known = true;
  facts.organisation = study->organisation;
  facts.sharedWith = study->sharedWith;
  facts.isPublic = study->isPublic;
  facts.deidentified = study->deidentified;
  if (who.role == Role::Legal)
    facts.grantedToCaller = security.Access().HasGrant(who.name, study->studyUid, SecurityService::Now());
  return facts;
}

int32_t Filter(OrthancPluginHttpMethod method, const char* uri, const char* ip, uint32_t headersCount,
               const char* const* headersKeys, const char* const* headersValues, uint32_t argumentsCount,
               const char* const* argumentsKeys, const char* const* argumentsValues) {
  std::shared_ptr<PluginState> state = State();
  if (!state || !state->security) return 0;  // security was configured but is not running: refuse, never open
  SecurityService& security = *state->security;
  try {
    std::string authorization;
    for (uint32_t i = 0; i < headersCount; i++) {
      if (std::string(headersKeys[i]) == "authorization") authorization = headersValues[i];
    }
    QueryArguments arguments;
    arguments.reserve(argumentsCount);
    for (uint32_t i = 0; i < argumentsCount; i++) arguments.emplace_back(argumentsKeys[i], argumentsValues[i]);

    const std::string methodName = MethodName(method);
    const RouteClass route = ClassifyRoute(methodName, uri, arguments);
    archive::AuditEvent event;
    event.sourceAddress = ip;
    event.action = methodName + " " + FamilyName(route.family);
    event.resource = uri;

    const Authentication auth = security.Authenticate(authorization);
    event.actor = auth.actor;
    bool allowed = false;
    if (!auth.principal) {
      event.outcome = "refused";
      event.detail = "not authenticated: " + auth.reason;
    } else {
      const Principal& who = *auth.principal;
      event.actor = who.name;
      event.role = RoleName(who.role);
      event.organisation = who.organisation;
      Decision decision;
      if (route.family == RouteFamily::Invalid) {
        decision = Decide(who, route, nullptr);
      } else {
        const bool touchesStudy = route.kind != ResourceKind::None && route.kind != ResourceKind::Upload &&
                                  route.kind != ResourceKind::Patient;
        StudyFacts facts;
        if (touchesStudy) facts = FactsOf(security, who, route, event.studyUid);
        decision = Decide(who, route, touchesStudy ? &facts : nullptr);
      }
      allowed = decision.allowed;
      event.outcome = allowed ? "allowed" : "refused";
      event.detail = decision.reason;
    }
    if (route.family == RouteFamily::Invalid && event.detail.empty()) event.detail = route.reason;
    security.Audit(event);  // no access without its record: a failure to write it refuses (catch below)
    if (!allowed) LogWarning("refused " + methodName + " " + uri + " from " + ip + ": " + event.detail);
    return allowed ? 1 : 0;
  } catch (const std::exception& e) {
    LogError(std::string("security filter refused ") + uri + " because it failed: " + e.what());
    return 0;
  }
}

}  // namespace

std::string ParentStudyOf(ResourceKind kind, const std::string& orthancId) {
  {
    std::lock_guard<std::mutex> lock(parentMutex);
    const auto found = parentCache.find(orthancId);
    if (found != parentCache.end()) return found->second;
  }
  std::string study;
  if (kind == ResourceKind::OrthancSeries) {
    study = Parent("/series/" + orthancId, "ParentStudy");
  } else if (kind == ResourceKind::OrthancInstance) {
    const std::string series = Parent("/instances/" + orthancId, "ParentSeries");
    if (!series.empty()) study = Parent("/series/" + series, "ParentStudy");
  }
  if (!study.empty()) {
    std::lock_guard<std::mutex> lock(parentMutex);
    if (parentCache.size() > 100000) parentCache.clear();
    parentCache[orthancId] = study;
  }
  return study;
}

void RegisterSecurityFilter(OrthancPluginContext* context) {
  OrthancPluginRegisterIncomingHttpRequestFilter2(context, Filter);
}

std::optional<Principal> RequestPrincipal(const OrthancPluginHttpRequest* request) {
  std::shared_ptr<PluginState> state = State();
  if (!state || !state->security) return std::nullopt;
  return state->security->Authenticate(GetHeader(request, "authorization")).principal;
}

}  // namespace va::plugin
