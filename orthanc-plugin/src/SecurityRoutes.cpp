#include "SecurityRoutes.h"

#include <cmath>

#include "DeidentifyJob.h"
#include "HttpHelpers.h"
#include "OrthancApi.h"
#include "RouteCallback.h"
#include "SecurityFilter.h"
#include "SecurityService.h"
#include "StorageJson.h"

namespace va::plugin {

namespace {

SecurityService& Security(PluginState& state) {
  if (!state.security) throw HttpError{404, "security is disabled (VideoArchive.Security.Enable)"};
  return *state.security;
}

Principal Caller(const OrthancPluginHttpRequest* request) {
  const auto who = RequestPrincipal(request);
  if (!who) throw HttpError{403, "not authenticated"};
  return *who;
}

// Changes made through these routes get their own audit record, with what was changed.
void AuditChange(SecurityService& security, const Principal& who, const std::string& action,
                 const std::string& resource, const std::string& studyUid, const std::string& detail) {
  archive::AuditEvent event;
  event.actor = who.name;
  event.role = RoleName(who.role);
  event.organisation = who.organisation;
  event.action = action;
  event.resource = resource;
  event.studyUid = studyUid;
  event.outcome = "success";
  event.detail = detail;
  security.Audit(event);
}

int64_t ExpiryFromDays(const Json::Value& body, double fallbackDays, double maxDays) {
  double days = fallbackDays;
  if (body.isMember("ExpiresInDays")) {
    if (!body["ExpiresInDays"].isNumeric()) throw HttpError{400, "\"ExpiresInDays\" must be a number"};
    days = body["ExpiresInDays"].asDouble();
  }
  if (!(days > 0) || days > maxDays)
    throw HttpError{400, "\"ExpiresInDays\" must be more than 0 and at most " + std::to_string(maxDays) +
                             " (VideoArchive.Security.MaxTokenDays)"};
  return SecurityService::Now() + static_cast<int64_t>(std::llround(days * 86400));
}

std::string OptionalText(const Json::Value& body, const char* key) {
  if (!body.isMember(key)) return "";
  if (!body[key].isString() || body[key].asString().size() > 256)
    throw HttpError{400, std::string("\"") + key + "\" must be a string of at most 256 characters"};
  return body[key].asString();
}

Json::Value TokenToJson(const archive::TokenInfo& t) {
  Json::Value v;
  v["ID"] = t.id;
  v["Label"] = t.label;
  v["Role"] = t.role;
  v["Organisation"] = t.organisation;
  v["Subject"] = t.subject;
  v["CreatedAt"] = IsoDate(t.createdAt);
  v["CreatedBy"] = t.createdBy;
  v["ExpiresAt"] = IsoDate(t.expiresAt);
  v["Expired"] = t.expiresAt <= SecurityService::Now();
  v["Revoked"] = t.revokedAt != 0;
  if (t.revokedAt != 0) {
    v["RevokedAt"] = IsoDate(t.revokedAt);
    v["RevokedBy"] = t.revokedBy;
  }
  return v;
}

Json::Value StudyToJson(const archive::StudyAccess& s) {
  Json::Value v;
  v["StudyInstanceUID"] = s.studyUid;
  v["OrthancID"] = s.orthancStudyId;
  v["Organisation"] = s.organisation;
  v["Origin"] = s.origin;
  v["Public"] = s.isPublic;
  v["Deidentified"] = s.deidentified;
  v["SharedWith"] = Json::arrayValue;
  for (const auto& o : s.sharedWith) v["SharedWith"].append(o);
  return v;
}

Json::Value GrantToJson(const archive::Grant& g) {
  Json::Value v;
  v["ID"] = static_cast<Json::Int64>(g.id);
  v["StudyInstanceUID"] = g.studyUid;
  v["Grantee"] = g.grantee;
  v["CreatedAt"] = IsoDate(g.createdAt);
  v["CreatedBy"] = g.createdBy;
  v["ExpiresAt"] = IsoDate(g.expiresAt);
  v["Reason"] = g.reason;
  v["Active"] = g.revokedAt == 0 && g.expiresAt > SecurityService::Now();
  if (g.revokedAt != 0) v["RevokedAt"] = IsoDate(g.revokedAt);
  return v;
}

void WhoAmI(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  Security(state);
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const Principal who = Caller(request);
  Json::Value v;
  v["Name"] = who.name;
  v["Role"] = RoleName(who.role);
  v["Organisation"] = who.organisation;
  AnswerJson(output, v);
}

void Tokens(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  SecurityService& security = Security(state);
  if (request->method == OrthancPluginHttpMethod_Get) {
    Json::Value list(Json::arrayValue);
    for (const auto& t : security.Access().ListTokens()) list.append(TokenToJson(t));
    AnswerJson(output, list);
    return;
  }
  RequireMethod(request, OrthancPluginHttpMethod_Post, "GET or POST");
  const Principal who = Caller(request);
  const Json::Value body = JsonBody(request);
  const std::string role = RequiredText(body, "Role");
  if (!ParseRole(role))
    throw HttpError{400, "\"Role\" must be admin, clinician, researcher, legal, recorder or auditor"};
  const int64_t expires = ExpiryFromDays(body, security.Settings().defaultTokenDays, security.Settings().maxTokenDays);
  archive::IssuedToken issued;
  try {
    issued = security.Access().IssueToken(RequiredText(body, "Label"), role, OptionalText(body, "Organisation"),
                                          OptionalText(body, "Subject"), expires, who.name, SecurityService::Now());
  } catch (const archive::AccessError& e) {
    throw HttpError{400, e.what()};
  }
  AuditChange(security, who, "token.issue", "/video-archive/security/tokens/" + issued.info.id, "",
              "role " + role + ", expires " + IsoDate(expires));
  Json::Value v = TokenToJson(issued.info);
  v["Secret"] = issued.secret;  // shown once: only its hash is stored
  AnswerJsonStatus(output, 201, v);
}

void Token(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  SecurityService& security = Security(state);
  const std::string id = request->groups[0];
  if (request->method == OrthancPluginHttpMethod_Get) {
    const auto token = security.Access().FindToken(id);
    if (!token) throw HttpError{404, "no token " + id};
    AnswerJson(output, TokenToJson(*token));
    return;
  }
  RequireMethod(request, OrthancPluginHttpMethod_Delete, "GET or DELETE");
  const Principal who = Caller(request);
  if (!security.Access().RevokeToken(id, who.name, SecurityService::Now())) throw HttpError{404, "no token " + id};
  AuditChange(security, who, "token.revoke", "/video-archive/security/tokens/" + id, "", "");
  AnswerJson(output, TokenToJson(*security.Access().FindToken(id)));
}

// What the caller may see: their organisation's and shared studies, research studies, or granted ones.
void Studies(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  SecurityService& security = Security(state);
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const Principal who = Caller(request);
  std::vector<archive::StudyAccess> studies;
  switch (who.role) {
    case Role::Admin: throw HttpError{400, "admins see every study: use /studies or QIDO-RS /dicom-web/studies"};
    case Role::Clinician:
      if (!who.organisation.empty()) studies = security.Access().StudiesOfOrganisation(who.organisation);
      break;
    case Role::Researcher: studies = security.Access().ResearchStudies(); break;
    case Role::Legal:
      for (const auto& g : security.Access().ListGrants(who.name)) {
        if (!security.Access().HasGrant(who.name, g.studyUid, SecurityService::Now())) continue;
        if (auto s = security.Access().StudyByUid(g.studyUid)) studies.push_back(*s);
      }
      break;
    default: break;
  }
  Json::Value list(Json::arrayValue);
  for (const auto& s : studies) list.append(StudyToJson(s));
  AnswerJson(output, list);
}

std::vector<std::string> TextList(const Json::Value& body, const char* key) {
  std::vector<std::string> out;
  if (!body.isMember(key)) return out;
  if (!body[key].isArray()) throw HttpError{400, std::string("\"") + key + "\" must be a list of organisations"};
  for (const auto& item : body[key]) {
    if (!item.isString() || item.asString().empty() || item.asString().size() > 256)
      throw HttpError{400, std::string("\"") + key + "\" must be a list of organisations"};
    out.push_back(item.asString());
  }
  return out;
}

void Study(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  SecurityService& security = Security(state);
  const std::string uid = request->groups[0];
  Json::Value deidentification;  // the job a study made public started
  if (request->method != OrthancPluginHttpMethod_Get) {
    RequireMethod(request, OrthancPluginHttpMethod_Post, "GET or POST");
    const Principal who = Caller(request);
    const Json::Value body = JsonBody(request);
    const auto existing = security.Access().StudyByUid(uid);
    if (body.isMember("Organisation")) {
      const std::string organisation = OptionalText(body, "Organisation");
      security.Access().RecordStudy(uid, existing ? existing->orthancStudyId : "", organisation, "admin",
                                    existing && existing->deidentified, true);
      AuditChange(security, who, "study.organisation", request->groups[0], uid, "organisation " + organisation);
    } else if (!existing) {
      throw HttpError{404, "study " + uid + " has no access record: give its \"Organisation\" first"};
    }
    if (body.isMember("Public")) {
      if (!body["Public"].isBool()) throw HttpError{400, "\"Public\" must be true or false"};
      const bool makePublic = body["Public"].asBool();
      // Policy: a study made public is published as a de-identified copy (a separate study researchers may read);
      // the original stays as restricted as it was.
      if (makePublic && state.config.provenance.deidentifyPublicStudies && !(existing && existing->deidentified)) {
        const DeidentifySubmission job = SubmitDeidentifyJob(State(), uid);
        AuditChange(security, who, "study.deidentify", uid, uid,
                    "published as the de-identified copy " + job.newStudyUid + "; the original stays restricted");
        deidentification["Job"] = job.jobId;
        deidentification["DeidentifiedStudyInstanceUID"] = job.newStudyUid;
        deidentification["Note"] = "Provenance.DeidentifyPublicStudies: the de-identified copy is what is published";
      } else {
        security.Access().SetPublic(uid, makePublic);
        AuditChange(security, who, "study.public", uid, uid, makePublic ? "public" : "not public");
      }
    }
    for (const auto& o : TextList(body, "Share")) {
      security.Access().Share(uid, o);
      AuditChange(security, who, "study.share", uid, uid, "shared with " + o);
    }
    for (const auto& o : TextList(body, "Unshare")) {
      security.Access().Unshare(uid, o);
      AuditChange(security, who, "study.unshare", uid, uid, "no longer shared with " + o);
    }
  }
  const auto study = security.Access().StudyByUid(uid);
  if (!study) throw HttpError{404, "study " + uid + " has no access record"};
  Json::Value answer = StudyToJson(*study);
  if (!deidentification.isNull()) answer["Deidentification"] = deidentification;
  AnswerJson(output, answer);
}

void Grants(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  SecurityService& security = Security(state);
  if (request->method == OrthancPluginHttpMethod_Get) {
    Json::Value list(Json::arrayValue);
    for (const auto& g : security.Access().ListGrants(GetArgument(request, "grantee", ""))) list.append(GrantToJson(g));
    AnswerJson(output, list);
    return;
  }
  RequireMethod(request, OrthancPluginHttpMethod_Post, "GET or POST");
  const Principal who = Caller(request);
  const Json::Value body = JsonBody(request);
  if (!body.isMember("ExpiresInDays")) throw HttpError{400, "\"ExpiresInDays\" is required: every grant expires"};
  const int64_t expires = ExpiryFromDays(body, 0, security.Settings().maxTokenDays);
  const std::string study = RequiredText(body, "StudyInstanceUID");
  const archive::Grant grant = security.Access().AddGrant(study, RequiredText(body, "Grantee"), expires, who.name,
                                                          RequiredText(body, "Reason"), SecurityService::Now());
  AuditChange(security, who, "grant.add", "/video-archive/security/grants/" + std::to_string(grant.id), study,
              "to " + grant.grantee + " until " + IsoDate(expires) + ": " + grant.reason);
  AnswerJsonStatus(output, 201, GrantToJson(grant));
}

void GrantRoute(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  SecurityService& security = Security(state);
  RequireMethod(request, OrthancPluginHttpMethod_Delete, "DELETE");
  const Principal who = Caller(request);
  int64_t id = 0;
  try {
    id = std::stoll(request->groups[0]);
  } catch (const std::exception&) {
    throw HttpError{400, "a grant ID is a number"};
  }
  if (!security.Access().RevokeGrant(id, SecurityService::Now()))
    throw HttpError{404, "no active grant " + std::to_string(id)};
  AuditChange(security, who, "grant.revoke", "/video-archive/security/grants/" + std::to_string(id), "", "");
  Json::Value v;
  v["ID"] = static_cast<Json::Int64>(id);
  v["Revoked"] = true;
  AnswerJson(output, v);
}

}  // namespace

void RegisterSecurityRoutes() {
  OrthancPluginContext* c = Context();
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/security/whoami", RouteCallback<WhoAmI>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/security/tokens", RouteCallback<Tokens>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/security/tokens/([^/]+)", RouteCallback<Token>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/security/studies", RouteCallback<Studies>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/security/studies/([^/]+)", RouteCallback<Study>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/security/grants", RouteCallback<Grants>);
  OrthancPluginRegisterRestCallbackNoLock(c, "/video-archive/security/grants/([^/]+)", RouteCallback<GrantRoute>);
  RegisterAuditRoutes();
}

}  // namespace va::plugin
