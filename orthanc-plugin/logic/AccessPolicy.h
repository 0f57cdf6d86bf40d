// The access matrix: which role may call which family of routes, on which studies. Pure logic (no Orthanc calls):
// ClassifyRoute maps a request to its route family and the study it touches; Decide applies the matrix. The table
// in docs/access-matrix.md and tests/integration/test_security_matrix.py state the same matrix.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace va::plugin {

enum class Role { Admin, Clinician, Researcher, Legal, Recorder, Auditor };
std::optional<Role> ParseRole(const std::string& name);  // "admin", "clinician", "researcher", "legal", ...
const char* RoleName(Role role);

enum class RouteFamily {
  Invalid,         // malformed or hostile URI (.., encoded separators, control characters, over-long): refused to all
  Explorer,        // Orthanc Explorer and other web UIs (/app/, /ui/, /): they list everything
  Administration,  // Orthanc's server-wide routes (/tools/ except find, /modalities, /peers, /jobs, /plugins,
                   // /changes, /exports, /statistics, /system writes, /video-archive/storage/..., tasks)
  SystemInfo,      // GET /system, GET /video-archive/system: harmless identity of the server
  StudyList,       // lists and queries across studies: /patients, /studies, /series, /instances, /tools/find,
                   // QIDO-RS without a study UID in the path
  StudyRead,       // reading one study or anything in it (Orthanc resources, WADO-RS, WADO-URI, our delivery routes)
  StudyWrite,      // changing or deleting one study or anything in it (DELETE, modify, anonymize, metadata, labels)
  Upload,          // sending new objects: tus uploads, STOW-RS (both roots), POST /instances
  Security,        // tokens, grants, study organisations and sharing: /video-archive/security/... (except whoami)
  Audit,           // /video-archive/audit/...
  Self,            // /video-archive/security/whoami: any authenticated caller
};
const char* FamilyName(RouteFamily family);

enum class ResourceKind { None, Patient, OrthancStudy, OrthancSeries, OrthancInstance, StudyUid, Upload };

struct RouteClass {
  RouteFamily family = RouteFamily::Invalid;
  ResourceKind kind = ResourceKind::None;
  std::string id;      // the resource's ID (Orthanc ID, Study Instance UID or upload ID) when kind != None
  std::string reason;  // for Invalid: why the URI was refused
  bool isGet = false;  // the request is a GET: a legal grant allows reading with GET only (POST .../archive is a read)
};

using QueryArguments = std::vector<std::pair<std::string, std::string>>;

// method is "GET", "POST", "PUT" or "DELETE"; uri is the path as Orthanc gives it to the filter (no query string);
// arguments are the GET arguments. A QIDO-RS query (GET .../dicom-web/studies etc.) with a StudyInstanceUID argument
// (or 0020000D) is classified StudyList with kind StudyUid: scoped to that study.
RouteClass ClassifyRoute(const std::string& method, const std::string& uri, const QueryArguments& arguments);

struct Principal {
  std::string name;  // user name or token ID
  Role role = Role::Admin;
  std::string organisation;
};

// What the server knows of the study a request touches (resolved by the plugin from the catalog).
struct StudyFacts {
  bool known = false;  // false: no such study in the access catalog (unknown resources: only admins)
  std::string organisation;
  std::vector<std::string> sharedWith;
  bool isPublic = false;
  bool deidentified = false;
  bool grantedToCaller = false;  // an active, unexpired legal grant for this principal
};

struct Decision {
  bool allowed = false;
  std::string reason;  // why, for the audit trail and logs ("clinician of org-a may not read a study of org-b")
};

// study is null when the route touches no single study (or it could not be resolved: then only admins pass).
Decision Decide(const Principal& who, const RouteClass& route, const StudyFacts* study);

// Credentials from an Authorization header value.
struct Credentials {
  enum class Scheme { None, Basic, Bearer, Invalid } scheme = Scheme::None;
  std::string user;      // Basic
  std::string password;  // Basic
  std::string token;     // Bearer
  std::string reason;    // for Invalid
};
Credentials ParseAuthorization(const std::string& headerValue);

}  // namespace va::plugin
