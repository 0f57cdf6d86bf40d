#include "AccessPolicy.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace va::plugin {

namespace {

constexpr size_t kMaxUri = 2048;
constexpr size_t kMaxArgument = 4096;
constexpr size_t kMaxArguments = 100;
constexpr size_t kMaxUid = 64;

RouteClass Route(RouteFamily family, ResourceKind kind = ResourceKind::None, std::string id = {}) {
  RouteClass r;
  r.family = family;
  r.kind = kind;
  r.id = std::move(id);
  return r;
}

RouteClass Refuse(std::string reason) {
  RouteClass r;
  r.reason = std::move(reason);
  return r;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Why the URI is refused outright, or "" when it is well-formed. Orthanc decodes the path before routing,
// so an escaped separator or dot could reach a route other than the one classified here.
std::string UriProblem(const std::string& uri) {
  if (uri.empty() || uri.front() != '/') return "the URI does not start with '/'";
  if (uri.size() > kMaxUri) return "the URI is longer than " + std::to_string(kMaxUri) + " bytes";
  for (const char c : uri) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return "the URI contains a control character";
  }
  if (uri.find("..") != std::string::npos) return "the URI contains \"..\"";
  if (uri.find("//") != std::string::npos) return "the URI contains an empty path segment (\"//\")";
  if (uri.find('\\') != std::string::npos) return "the URI contains a backslash";
  const std::string lower = Lower(uri);
  for (const char* escape : {"%2f", "%5c", "%2e", "%00"}) {
    if (lower.find(escape) != std::string::npos)
      return std::string("the URI contains the escape ") + escape + " (an encoded separator, dot or NUL)";
  }
  return "";
}

std::string ArgumentsProblem(const QueryArguments& arguments) {
  if (arguments.size() > kMaxArguments) return "more than " + std::to_string(kMaxArguments) + " GET arguments";
  for (const auto& [key, value] : arguments) {
    for (const std::string* text : {&key, &value}) {
      if (text->size() > kMaxArgument)
        return "a GET argument is longer than " + std::to_string(kMaxArgument) + " bytes";
      if (text->find_first_of(std::string("\r\n\0", 3)) != std::string::npos)
        return "a GET argument contains CR, LF or NUL";
    }
  }
  return "";
}

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Only plain UIDs scope a query: a wildcard, a list ("a,b" or "a\b") or a range would widen it to other studies.
bool IsPlainUid(const std::string& value) {
  if (value.empty() || value.size() > kMaxUid) return false;
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_'; });
}

enum class UidArgument { Absent, One, Ambiguous };

// The one value of the arguments whose normalised key is in names. Several different values, or one that is not a
// plain UID, are ambiguous: the filter cannot know which one the route will honour.
UidArgument FindUidArgument(const QueryArguments& arguments, const std::set<std::string>& names, std::string& uid) {
  std::set<std::string> values;
  for (const auto& [key, value] : arguments) {
    std::string normalised;
    for (const char c : Lower(key)) {
      if (c != ',' && c != '(' && c != ')' && c != ' ') normalised += c;  // "(0020,000D)" is also a tag
    }
    if (names.count(normalised) != 0) values.insert(value);
  }
  if (values.empty()) return UidArgument::Absent;
  if (values.size() != 1 || !IsPlainUid(*values.begin())) return UidArgument::Ambiguous;
  uid = *values.begin();
  return UidArgument::One;
}

bool IsQidoLevel(const std::string& segment) {
  return segment == "studies" || segment == "series" || segment == "instances";
}

// The routes under a DICOMweb root (/dicom-web/ or /video-archive/dicom-web/); rest excludes the root.
RouteClass ClassifyDicomWeb(const std::string& method, const std::vector<std::string>& rest,
                            const QueryArguments& arguments) {
  if (rest.empty()) return Route(RouteFamily::Administration);
  const std::string& head = rest[0];
  if (rest.size() == 1 && IsQidoLevel(head)) {
    if (method == "GET") {
      std::string uid;
      if (FindUidArgument(arguments, {"studyinstanceuid", "0020000d"}, uid) == UidArgument::One)
        return Route(RouteFamily::StudyList, ResourceKind::StudyUid, uid);
      return Route(RouteFamily::StudyList);
    }
    if (method == "POST" && head == "studies") return Route(RouteFamily::Upload);
    return Route(RouteFamily::Administration);
  }
  if (head == "studies") {
    if (method == "GET") return Route(RouteFamily::StudyRead, ResourceKind::StudyUid, rest[1]);
    if (method == "POST" && rest.size() == 2) return Route(RouteFamily::Upload, ResourceKind::StudyUid, rest[1]);
    if (method == "DELETE") return Route(RouteFamily::StudyWrite, ResourceKind::StudyUid, rest[1]);
    return Route(RouteFamily::Administration);
  }
  if (head == "info" && rest.size() == 1 && method == "GET") return Route(RouteFamily::SystemInfo);
  return Route(RouteFamily::Administration);  // servers/... and anything unknown
}

bool IsSegmentFile(const std::string& name) {  // "N.ts"
  const size_t dot = name.find('.');
  return dot != std::string::npos && dot > 0 && name.substr(dot) == ".ts" &&
         std::all_of(name.begin(), name.begin() + static_cast<std::ptrdiff_t>(dot),
                     [](char c) { return c >= '0' && c <= '9'; });
}

RouteClass ClassifyOurs(const std::string& method, const std::vector<std::string>& rest,
                        const QueryArguments& arguments) {
  if (rest.empty()) return Route(RouteFamily::Administration);
  const std::string& head = rest[0];
  const bool get = method == "GET";
  if (head == "dicom-web") return ClassifyDicomWeb(method, {rest.begin() + 1, rest.end()}, arguments);
  if (head == "instances" && rest.size() >= 3) {
    static const std::set<std::string> reads = {"video",         "video.mp4",  "renditions", "hls.m3u8", "thumbnail",
                                                "thumbnail.jpg", "sprite.jpg", "sprite.vtt", "quality",  "provenance"};
    const bool read = (rest.size() == 3 && reads.count(rest[2]) != 0) ||
                      (rest.size() == 4 && rest[2] == "hls" && IsSegmentFile(rest[3]));
    if (get && read) return Route(RouteFamily::StudyRead, ResourceKind::OrthancInstance, rest[1]);
    if (method == "POST" && rest.size() == 3 && rest[2] == "archive")
      return Route(RouteFamily::StudyWrite, ResourceKind::OrthancInstance, rest[1]);
    return Route(RouteFamily::Administration);
  }
  if (head == "studies" && rest.size() == 3) {
    // A legal export only reads the study; a de-identified copy is a new study made from it.
    if (get && rest[2] == "legal-export") return Route(RouteFamily::StudyRead, ResourceKind::StudyUid, rest[1]);
    if (method == "POST" && rest[2] == "deidentify")
      return Route(RouteFamily::StudyWrite, ResourceKind::StudyUid, rest[1]);
    return Route(RouteFamily::Administration);
  }
  if (head == "studies" && rest.size() == 4 && get && rest[2] == "legal-export")
    return Route(RouteFamily::StudyRead, ResourceKind::StudyUid, rest[1]);
  if (head == "provenance" && get && rest.size() == 2 && rest[1] == "public-key") return Route(RouteFamily::SystemInfo);
  if (head == "series" && rest.size() == 3 && rest[2] == "hls.m3u8" && get)
    return Route(RouteFamily::StudyRead, ResourceKind::OrthancSeries, rest[1]);
  if (head == "uploads") return Route(RouteFamily::Upload, ResourceKind::Upload, rest.size() >= 2 ? rest[1] : "");
  if (get && ((head == "player" && rest.size() == 1) || (head == "assets" && rest.size() >= 2) ||
              (head == "system" && rest.size() == 1)))
    return Route(RouteFamily::SystemInfo);
  if (head == "security") {
    // whoami and the caller's own study list answer only about the caller.
    if (get && rest.size() == 2 && (rest[1] == "whoami" || rest[1] == "studies")) return Route(RouteFamily::Self);
    return Route(RouteFamily::Security);
  }
  if (head == "audit") return Route(RouteFamily::Audit);
  return Route(RouteFamily::Administration);  // tasks, storage, modalities/{name}/store, anything unknown
}

ResourceKind OrthancKind(const std::string& level) {
  if (level == "patients") return ResourceKind::Patient;
  if (level == "studies") return ResourceKind::OrthancStudy;
  if (level == "series") return ResourceKind::OrthancSeries;
  if (level == "instances") return ResourceKind::OrthancInstance;
  return ResourceKind::None;
}

RouteClass ClassifyPath(const std::string& method, const std::vector<std::string>& s, const QueryArguments& arguments) {
  if (s.empty()) return Route(RouteFamily::Explorer);  // "/"
  const std::string& head = s[0];
  const bool get = method == "GET";
  const ResourceKind kind = OrthancKind(head);
  if (kind != ResourceKind::None) {
    if (s.size() == 1) {
      if (get) return Route(RouteFamily::StudyList);
      if (method == "POST" && head == "instances") return Route(RouteFamily::Upload);
      return Route(RouteFamily::Administration);
    }
    if (get) return Route(RouteFamily::StudyRead, kind, s[1]);
    // Zip downloads are POSTed but only read the resource.
    if (method == "POST" && s.size() == 3 && (s[2] == "archive" || s[2] == "media"))
      return Route(RouteFamily::StudyRead, kind, s[1]);
    if (method == "POST" || method == "PUT" || method == "DELETE") return Route(RouteFamily::StudyWrite, kind, s[1]);
    return Route(RouteFamily::Administration);
  }
  if (head == "tools") {
    if (method == "POST" && s.size() == 2 && (s[1] == "find" || s[1] == "lookup")) return Route(RouteFamily::StudyList);
    return Route(RouteFamily::Administration);
  }
  if (head == "system" && s.size() == 1 && get) return Route(RouteFamily::SystemInfo);
  if (head == "app" || head == "ui" || (head == "favicon.ico" && s.size() == 1)) return Route(RouteFamily::Explorer);
  if (head == "dicom-web") return ClassifyDicomWeb(method, {s.begin() + 1, s.end()}, arguments);
  if (head == "wado" && s.size() == 1) {
    if (!get) return Route(RouteFamily::Administration);
    std::string uid;
    switch (FindUidArgument(arguments, {"studyuid"}, uid)) {
      case UidArgument::One: return Route(RouteFamily::StudyRead, ResourceKind::StudyUid, uid);
      case UidArgument::Absent: return Refuse("WADO-URI without a studyUID argument cannot be scoped to a study");
      case UidArgument::Ambiguous: return Refuse("WADO-URI with several or malformed studyUID arguments");
    }
  }
  if (head == "video-archive") return ClassifyOurs(method, {s.begin() + 1, s.end()}, arguments);
  // modalities, peers, jobs, changes, exports, plugins, statistics, queries, storage-commitment, the rest of
  // /system and anything unknown: server-wide, so admins only.
  return Route(RouteFamily::Administration);
}

bool SameOrganisation(const std::string& a, const std::string& b) {
  return !a.empty() && a == b;
}

std::string OrganisationText(const std::string& organisation) {
  return organisation.empty() ? "no organisation" : organisation;
}

Decision Allow(std::string reason) {
  return Decision{true, std::move(reason)};
}
Decision Deny(std::string reason) {
  return Decision{false, std::move(reason)};
}

std::string StudyText(const RouteClass& route) {
  return route.id.empty() ? "the study" : "study " + route.id;
}

Decision DecideRead(const Principal& who, const RouteClass& route, const StudyFacts* study) {
  const std::string role = RoleName(who.role);
  if (study == nullptr) return Deny(StudyText(route) + " could not be resolved: only admins may read it");
  if (!study->known) return Deny(StudyText(route) + " is not in the access catalog: only admins may read it");
  switch (who.role) {
    case Role::Clinician: {
      const std::string mine = OrganisationText(who.organisation);
      const std::string theirs = OrganisationText(study->organisation);
      if (SameOrganisation(study->organisation, who.organisation))
        return Allow("clinician of " + mine + " may read a study of " + theirs);
      for (const std::string& shared : study->sharedWith) {
        if (SameOrganisation(shared, who.organisation))
          return Allow(std::string("clinician of ")
                           .append(mine)
                           .append(" may read a study of ")
                           .append(theirs)
                           .append(" shared with ")
                           .append(mine));
      }
      return Deny("clinician of " + mine + " may not read a study of " + theirs);
    }
    case Role::Researcher:
      if (study->isPublic) return Allow("researchers may read public studies");
      if (study->deidentified) return Allow("researchers may read de-identified studies");
      return Deny("researchers may only read public or de-identified studies");
    case Role::Legal:
      if (!route.isGet) return Deny("legal holders may only read with GET");
      if (study->grantedToCaller) return Allow("legal holder with an active grant on " + StudyText(route));
      return Deny("legal holder without an active grant on " + StudyText(route));
    default: return Deny(role + "s may not read studies");
  }
}

Decision DecideUpload(const Principal& who, const StudyFacts* study) {
  const std::string role = RoleName(who.role);
  if (who.role != Role::Clinician && who.role != Role::Recorder)
    return Deny(role + "s may not upload (only admins, clinicians and recorders)");
  // Adding to an existing study is writing to it: only into one's own organisation's.
  if (study != nullptr && study->known && !SameOrganisation(study->organisation, who.organisation))
    return Deny(role + " of " + OrganisationText(who.organisation) + " may not upload into a study of " +
                OrganisationText(study->organisation));
  return Allow(role + "s may upload");
}

}  // namespace

std::optional<Role> ParseRole(const std::string& name) {
  for (const Role role : {Role::Admin, Role::Clinician, Role::Researcher, Role::Legal, Role::Recorder, Role::Auditor}) {
    if (name == RoleName(role)) return role;
  }
  return std::nullopt;
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::Admin: return "admin";
    case Role::Clinician: return "clinician";
    case Role::Researcher: return "researcher";
    case Role::Legal: return "legal";
    case Role::Recorder: return "recorder";
    case Role::Auditor: return "auditor";
  }
  return "unknown";
}

const char* FamilyName(RouteFamily family) {
  switch (family) {
    case RouteFamily::Invalid: return "Invalid";
    case RouteFamily::Explorer: return "Explorer";
    case RouteFamily::Administration: return "Administration";
    case RouteFamily::SystemInfo: return "SystemInfo";
    case RouteFamily::StudyList: return "StudyList";
    case RouteFamily::StudyRead: return "StudyRead";
    case RouteFamily::StudyWrite: return "StudyWrite";
    case RouteFamily::Upload: return "Upload";
    case RouteFamily::Security: return "Security";
    case RouteFamily::Audit: return "Audit";
    case RouteFamily::Self: return "Self";
  }
  return "Unknown";
}

RouteClass ClassifyRoute(const std::string& method, const std::string& uri, const QueryArguments& arguments) {
  std::string problem = UriProblem(uri);
  if (problem.empty()) problem = ArgumentsProblem(arguments);
  RouteClass route;
  if (!problem.empty()) {
    route = Refuse(problem);
  } else {
    std::string path = uri;
    if (path.size() > 1 && path.back() == '/') path.pop_back();  // "/studies/" is "/studies"
    route = ClassifyPath(method, Segments(path), arguments);
  }
  route.isGet = method == "GET";
  return route;
}

Decision Decide(const Principal& who, const RouteClass& route, const StudyFacts* study) {
  if (route.family == RouteFamily::Invalid)
    return Deny("invalid request: " + (route.reason.empty() ? std::string("malformed URI") : route.reason));
  if (who.role == Role::Admin) return Allow("admins may use every route");
  const std::string role = RoleName(who.role);
  switch (route.family) {
    case RouteFamily::SystemInfo: return Allow("every authenticated caller may read the server's identity");
    case RouteFamily::Self: return Allow("every authenticated caller may ask about themselves");
    default: break;
  }
  if (who.role == Role::Recorder && route.family != RouteFamily::Upload) return Deny("recorders may only upload");
  if (who.role == Role::Auditor) {
    if (route.family == RouteFamily::Audit) return Allow("auditors may read the audit trail");
    return Deny("auditors may only read the audit trail");
  }
  if (route.kind == ResourceKind::Patient)
    return Deny("a patient may span organisations: only admins may use /patients/{id} routes");
  switch (route.family) {
    case RouteFamily::Explorer: return Deny("only admins may use the web explorers (they list every study)");
    case RouteFamily::Administration: return Deny("only admins may use server administration routes");
    case RouteFamily::Security: return Deny("only admins may manage tokens, grants and study organisations");
    case RouteFamily::Audit: return Deny("only admins and auditors may read the audit trail");
    case RouteFamily::StudyList:
      if (route.kind != ResourceKind::StudyUid)
        return Deny(
            "unscoped study list: only admins may list every study; query with StudyInstanceUID or use "
            "/video-archive/security/studies");
      return DecideRead(who, route, study);
    case RouteFamily::StudyRead: return DecideRead(who, route, study);
    case RouteFamily::StudyWrite: return Deny("only admins may change or delete studies, not " + role + "s");
    case RouteFamily::Upload: return DecideUpload(who, study);
    default: return Deny("route family " + std::string(FamilyName(route.family)) + " is for admins only");
  }
}

}  // namespace va::plugin
