#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "AccessPolicy.h"
#include "va/archive/Base64.h"

using namespace va::plugin;

namespace {

using F = RouteFamily;
using K = ResourceKind;

struct RouteCase {
  const char* method;
  std::string uri;
  QueryArguments arguments;
  F family;
  K kind;
  std::string id;
};

std::string Describe(const RouteCase& c) {
  std::string out = std::string(c.method) + " " + c.uri.substr(0, 120);
  for (const auto& [k, v] : c.arguments) out += " " + k.substr(0, 40) + "=" + v.substr(0, 40);
  return out;
}

const std::vector<RouteCase>& RouteTable() {
  static const std::vector<RouteCase> table = {
      // Orthanc core lists and resources.
      {"GET", "/patients", {}, F::StudyList, K::None, ""},
      {"GET", "/studies", {}, F::StudyList, K::None, ""},
      {"GET", "/studies/", {}, F::StudyList, K::None, ""},
      {"GET", "/series", {{"expand", ""}}, F::StudyList, K::None, ""},
      {"GET", "/instances", {}, F::StudyList, K::None, ""},
      {"POST", "/instances", {}, F::Upload, K::None, ""},
      {"POST", "/instances/", {}, F::Upload, K::None, ""},
      {"POST", "/studies", {}, F::Administration, K::None, ""},
      {"DELETE", "/patients", {}, F::Administration, K::None, ""},
      {"GET", "/patients/p1", {}, F::StudyRead, K::Patient, "p1"},
      {"GET", "/patients/p1/studies", {}, F::StudyRead, K::Patient, "p1"},
      {"DELETE", "/patients/p1", {}, F::StudyWrite, K::Patient, "p1"},
      {"POST", "/patients/p1/archive", {}, F::StudyRead, K::Patient, "p1"},
      {"GET", "/studies/s1", {}, F::StudyRead, K::OrthancStudy, "s1"},
      {"GET", "/studies/s1/", {}, F::StudyRead, K::OrthancStudy, "s1"},
      {"GET", "/studies/s1/patient", {}, F::StudyRead, K::OrthancStudy, "s1"},
      {"GET", "/studies/s1/archive", {}, F::StudyRead, K::OrthancStudy, "s1"},
      {"POST", "/studies/s1/archive", {}, F::StudyRead, K::OrthancStudy, "s1"},
      {"POST", "/studies/s1/media", {}, F::StudyRead, K::OrthancStudy, "s1"},
      {"POST", "/studies/s1/modify", {}, F::StudyWrite, K::OrthancStudy, "s1"},
      {"POST", "/studies/s1/anonymize", {}, F::StudyWrite, K::OrthancStudy, "s1"},
      {"POST", "/studies/s1/archive/x", {}, F::StudyWrite, K::OrthancStudy, "s1"},
      {"DELETE", "/studies/s1", {}, F::StudyWrite, K::OrthancStudy, "s1"},
      {"PUT", "/studies/s1/metadata/X", {}, F::StudyWrite, K::OrthancStudy, "s1"},
      {"PATCH", "/studies/s1", {}, F::Administration, K::None, ""},
      {"GET", "/series/se1/instances", {}, F::StudyRead, K::OrthancSeries, "se1"},
      {"POST", "/series/se1/media", {}, F::StudyRead, K::OrthancSeries, "se1"},
      {"DELETE", "/series/se1", {}, F::StudyWrite, K::OrthancSeries, "se1"},
      {"GET", "/instances/i1/file", {}, F::StudyRead, K::OrthancInstance, "i1"},
      {"GET", "/instances/i1/frames/0/preview", {}, F::StudyRead, K::OrthancInstance, "i1"},
      {"PUT", "/instances/i1/metadata/VideoArchiveQuality", {}, F::StudyWrite, K::OrthancInstance, "i1"},
      {"POST", "/instances/i1/archive", {}, F::StudyRead, K::OrthancInstance, "i1"},
      // Tools and server administration.
      {"POST", "/tools/find", {}, F::StudyList, K::None, ""},
      {"POST", "/tools/lookup", {}, F::StudyList, K::None, ""},
      {"GET", "/tools/find", {}, F::Administration, K::None, ""},
      {"POST", "/tools/execute-script", {}, F::Administration, K::None, ""},
      {"POST", "/tools/reset", {}, F::Administration, K::None, ""},
      {"GET", "/tools/find/x", {}, F::Administration, K::None, ""},
      {"GET", "/modalities", {}, F::Administration, K::None, ""},
      {"POST", "/modalities/pacs/store", {}, F::Administration, K::None, ""},
      {"GET", "/peers/p", {}, F::Administration, K::None, ""},
      {"GET", "/jobs", {}, F::Administration, K::None, ""},
      {"GET", "/jobs/j1/archive", {}, F::Administration, K::None, ""},
      {"GET", "/changes", {}, F::Administration, K::None, ""},
      {"DELETE", "/exports", {}, F::Administration, K::None, ""},
      {"GET", "/plugins/dicom-web", {}, F::Administration, K::None, ""},
      {"GET", "/statistics", {}, F::Administration, K::None, ""},
      {"POST", "/queries/q/retrieve", {}, F::Administration, K::None, ""},
      {"POST", "/storage-commitment/x", {}, F::Administration, K::None, ""},
      {"GET", "/unknown/route", {}, F::Administration, K::None, ""},
      {"GET", "/Studies", {}, F::Administration, K::None, ""},
      {"GET", "/system", {}, F::SystemInfo, K::None, ""},
      {"GET", "/system/", {}, F::SystemInfo, K::None, ""},
      {"PUT", "/system", {}, F::Administration, K::None, ""},
      {"GET", "/system/x", {}, F::Administration, K::None, ""},
      // Web UIs.
      {"GET", "/", {}, F::Explorer, K::None, ""},
      {"GET", "/app/explorer.html", {}, F::Explorer, K::None, ""},
      {"GET", "/app", {}, F::Explorer, K::None, ""},
      {"GET", "/ui/app/index.html", {}, F::Explorer, K::None, ""},
      {"GET", "/favicon.ico", {}, F::Explorer, K::None, ""},
      // The DICOMweb plugin.
      {"GET", "/dicom-web/studies", {}, F::StudyList, K::None, ""},
      {"GET", "/dicom-web/studies/", {}, F::StudyList, K::None, ""},
      {"GET", "/dicom-web/studies", {{"PatientName", "X*"}}, F::StudyList, K::None, ""},
      {"GET", "/dicom-web/studies", {{"StudyInstanceUID", "1.2.3"}}, F::StudyList, K::StudyUid, "1.2.3"},
      {"GET", "/dicom-web/series", {{"StudyInstanceUID", "1.2.3"}}, F::StudyList, K::StudyUid, "1.2.3"},
      {"GET", "/dicom-web/instances", {{"0020000D", "1.2.3"}}, F::StudyList, K::StudyUid, "1.2.3"},
      {"GET", "/dicom-web/instances", {{"0020000d", "1.2.3"}}, F::StudyList, K::StudyUid, "1.2.3"},
      {"GET",
       "/dicom-web/studies",
       {{"StudyInstanceUID", "1.2.3"}, {"0020000D", "1.2.3"}, {"limit", "5"}},
       F::StudyList,
       K::StudyUid,
       "1.2.3"},
      {"GET", "/dicom-web/studies", {{"StudyInstanceUID", ""}}, F::StudyList, K::None, ""},
      {"GET", "/dicom-web/studies", {{"StudyInstanceUID", "1.2.*"}}, F::StudyList, K::None, ""},
      {"GET", "/dicom-web/studies", {{"StudyInstanceUID", "1.2.?"}}, F::StudyList, K::None, ""},
      {"GET", "/dicom-web/studies", {{"StudyInstanceUID", "1.2.3,4.5.6"}}, F::StudyList, K::None, ""},
      {"GET", "/dicom-web/studies", {{"StudyInstanceUID", "1.2.3\\4.5.6"}}, F::StudyList, K::None, ""},
      {"GET", "/dicom-web/studies", {{"StudyInstanceUID", "1.2.3"}, {"0020,000D", "4.5.6"}}, F::StudyList, K::None, ""},
      {"GET",
       "/dicom-web/studies",
       {{"StudyInstanceUID", "1.2.3"}, {"StudyInstanceUID", "4.5"}},
       F::StudyList,
       K::None,
       ""},
      {"GET", "/dicom-web/studies", {{"StudyInstanceUID", std::string(65, '1')}}, F::StudyList, K::None, ""},
      {"GET", "/dicom-web/studies/1.2.3", {}, F::StudyRead, K::StudyUid, "1.2.3"},
      {"GET", "/dicom-web/studies/1.2.3/metadata", {}, F::StudyRead, K::StudyUid, "1.2.3"},
      {"GET", "/dicom-web/studies/1.2.3/series/4.5/instances/6.7/frames/1", {}, F::StudyRead, K::StudyUid, "1.2.3"},
      {"POST", "/dicom-web/studies", {}, F::Upload, K::None, ""},
      {"POST", "/dicom-web/studies/1.2.3", {}, F::Upload, K::StudyUid, "1.2.3"},
      {"POST", "/dicom-web/studies/1.2.3/series", {}, F::Administration, K::None, ""},
      {"POST", "/dicom-web/series", {}, F::Administration, K::None, ""},
      {"DELETE", "/dicom-web/studies/1.2.3", {}, F::StudyWrite, K::StudyUid, "1.2.3"},
      {"DELETE", "/dicom-web/studies/1.2.3/series/4.5", {}, F::StudyWrite, K::StudyUid, "1.2.3"},
      {"PUT", "/dicom-web/studies/1.2.3", {}, F::Administration, K::None, ""},
      {"GET", "/dicom-web/servers", {}, F::Administration, K::None, ""},
      {"POST", "/dicom-web/servers/x/stow", {}, F::Administration, K::None, ""},
      {"GET", "/dicom-web/info", {}, F::SystemInfo, K::None, ""},
      {"POST", "/dicom-web/info", {}, F::Administration, K::None, ""},
      {"GET", "/dicom-web", {}, F::Administration, K::None, ""},
      {"GET", "/dicom-web/", {}, F::Administration, K::None, ""},
      {"GET", "/dicom-web/series/4.5", {}, F::Administration, K::None, ""},
      // WADO-URI.
      {"GET",
       "/wado",
       {{"requestType", "WADO"}, {"studyUID", "1.2.3"}, {"seriesUID", "4.5"}, {"objectUID", "6.7"}},
       F::StudyRead,
       K::StudyUid,
       "1.2.3"},
      {"GET", "/wado", {{"requestType", "WADO"}, {"objectUID", "6.7"}}, F::Invalid, K::None, ""},
      {"GET", "/wado", {{"studyUID", "1.2.3"}, {"studyUID", "4.5.6"}}, F::Invalid, K::None, ""},
      {"GET", "/wado", {{"studyUID", "1.2.*"}}, F::Invalid, K::None, ""},
      {"POST", "/wado", {{"studyUID", "1.2.3"}}, F::Administration, K::None, ""},
      // Ours: DICOMweb under our root.
      {"GET", "/video-archive/dicom-web/studies", {}, F::StudyList, K::None, ""},
      {"GET", "/video-archive/dicom-web/series", {}, F::StudyList, K::None, ""},
      {"GET", "/video-archive/dicom-web/instances", {}, F::StudyList, K::None, ""},
      {"GET", "/video-archive/dicom-web/series", {{"StudyInstanceUID", "1.2"}}, F::StudyList, K::StudyUid, "1.2"},
      {"GET", "/video-archive/dicom-web/studies/1.2/series", {}, F::StudyRead, K::StudyUid, "1.2"},
      {"POST", "/video-archive/dicom-web/studies", {}, F::Upload, K::None, ""},
      {"POST", "/video-archive/dicom-web/studies/1.2", {}, F::Upload, K::StudyUid, "1.2"},
      {"DELETE", "/video-archive/dicom-web/studies/1.2", {}, F::StudyWrite, K::StudyUid, "1.2"},
      {"GET", "/video-archive/dicom-web/servers", {}, F::Administration, K::None, ""},
      {"GET", "/video-archive/dicom-web/info", {}, F::SystemInfo, K::None, ""},
      // Ours: delivery.
      {"GET", "/video-archive/instances/i1/video", {}, F::StudyRead, K::OrthancInstance, "i1"},
      {"GET", "/video-archive/instances/i1/video.mp4", {}, F::StudyRead, K::OrthancInstance, "i1"},
      {"GET", "/video-archive/instances/i1/renditions", {}, F::StudyRead, K::OrthancInstance, "i1"},
      {"GET", "/video-archive/instances/i1/hls.m3u8", {}, F::StudyRead, K::OrthancInstance, "i1"},
      {"GET", "/video-archive/instances/i1/hls/0.ts", {}, F::StudyRead, K::OrthancInstance, "i1"},
      {"GET", "/video-archive/instances/i1/hls/17.ts", {}, F::StudyRead, K::OrthancInstance, "i1"},
      {"GET", "/video-archive/instances/i1/thumbnail", {}, F::StudyRead, K::OrthancInstance, "i1"},
      {"GET", "/video-archive/instances/i1/thumbnail.jpg", {}, F::StudyRead, K::OrthancInstance, "i1"},
      {"GET", "/video-archive/instances/i1/sprite.jpg", {}, F::StudyRead, K::OrthancInstance, "i1"},
      {"GET", "/video-archive/instances/i1/sprite.vtt", {}, F::StudyRead, K::OrthancInstance, "i1"},
      {"GET", "/video-archive/instances/i1/quality", {}, F::StudyRead, K::OrthancInstance, "i1"},
      {"GET", "/video-archive/instances/i1/hls/x.ts", {}, F::Administration, K::None, ""},
      {"GET", "/video-archive/instances/i1/hls/.ts", {}, F::Administration, K::None, ""},
      {"GET", "/video-archive/instances/i1/other", {}, F::Administration, K::None, ""},
      {"DELETE", "/video-archive/instances/i1/video", {}, F::Administration, K::None, ""},
      {"POST", "/video-archive/instances/i1/archive", {}, F::StudyWrite, K::OrthancInstance, "i1"},
      {"GET", "/video-archive/series/se1/hls.m3u8", {}, F::StudyRead, K::OrthancSeries, "se1"},
      {"GET", "/video-archive/series/se1/other", {}, F::Administration, K::None, ""},
      {"GET", "/video-archive/player", {}, F::SystemInfo, K::None, ""},
      {"GET", "/video-archive/assets/player.js", {}, F::SystemInfo, K::None, ""},
      {"GET", "/video-archive/assets", {}, F::Administration, K::None, ""},
      {"POST", "/video-archive/player", {}, F::Administration, K::None, ""},
      // Ours: uploads (tus).
      {"GET", "/video-archive/uploads", {}, F::Upload, K::Upload, ""},
      {"POST", "/video-archive/uploads", {}, F::Upload, K::Upload, ""},
      {"POST", "/video-archive/uploads/", {}, F::Upload, K::Upload, ""},
      {"GET", "/video-archive/uploads/u1", {}, F::Upload, K::Upload, "u1"},
      {"DELETE", "/video-archive/uploads/u1", {}, F::Upload, K::Upload, "u1"},
      {"PATCH", "/video-archive/uploads/u1", {}, F::Upload, K::Upload, "u1"},
      {"HEAD", "/video-archive/uploads/u1", {}, F::Upload, K::Upload, "u1"},
      {"OPTIONS", "/video-archive/uploads", {}, F::Upload, K::Upload, ""},
      {"POST", "/video-archive/uploads/u1/retry", {}, F::Upload, K::Upload, "u1"},
      // Ours: the rest.
      {"GET", "/video-archive/system", {}, F::SystemInfo, K::None, ""},
      {"POST", "/video-archive/system", {}, F::Administration, K::None, ""},
      {"GET", "/video-archive/tasks", {}, F::Administration, K::None, ""},
      {"DELETE", "/video-archive/tasks/t1", {}, F::Administration, K::None, ""},
      {"GET", "/video-archive/storage", {}, F::Administration, K::None, ""},
      {"GET", "/video-archive/storage/capacity", {}, F::Administration, K::None, ""},
      {"POST", "/video-archive/storage/holds/3/release", {}, F::Administration, K::None, ""},
      {"POST", "/video-archive/storage/keys/rotate", {}, F::Administration, K::None, ""},
      {"GET", "/video-archive/storage/studies/s1", {}, F::Administration, K::None, ""},
      {"POST", "/video-archive/modalities/pacs/store", {}, F::Administration, K::None, ""},
      {"GET", "/video-archive/security/whoami", {}, F::Self, K::None, ""},
      {"GET", "/video-archive/security/studies", {}, F::Self, K::None, ""},
      {"GET", "/video-archive/security/studies/1.2", {}, F::Security, K::None, ""},
      {"POST", "/video-archive/security/studies/1.2", {}, F::Security, K::None, ""},
      {"GET", "/video-archive/security/tokens", {}, F::Security, K::None, ""},
      {"DELETE", "/video-archive/security/tokens/t1", {}, F::Security, K::None, ""},
      {"POST", "/video-archive/security/grants", {}, F::Security, K::None, ""},
      {"POST", "/video-archive/security/whoami", {}, F::Security, K::None, ""},
      {"GET", "/video-archive/audit/records", {{"limit", "5"}}, F::Audit, K::None, ""},
      {"GET", "/video-archive/audit/verify", {}, F::Audit, K::None, ""},
      {"POST", "/video-archive/audit/checkpoints", {}, F::Audit, K::None, ""},
      {"GET", "/video-archive/instances/i1/provenance", {}, F::StudyRead, K::OrthancInstance, "i1"},
      {"GET", "/video-archive/provenance/public-key", {}, F::SystemInfo, K::None, ""},
      {"POST", "/video-archive/provenance/verify", {}, F::Administration, K::None, ""},
      {"GET", "/video-archive/studies/1.2/legal-export", {}, F::StudyRead, K::StudyUid, "1.2"},
      {"GET", "/video-archive/studies/1.2/legal-export/export-1-1.tar", {}, F::StudyRead, K::StudyUid, "1.2"},
      {"POST", "/video-archive/studies/1.2/legal-export", {}, F::Administration, K::None, ""},
      {"POST", "/video-archive/studies/1.2/deidentify", {}, F::StudyWrite, K::StudyUid, "1.2"},
      {"GET", "/video-archive/studies/1.2/deidentify", {}, F::Administration, K::None, ""},
      {"GET", "/video-archive", {}, F::Administration, K::None, ""},
      {"GET", "/video-archive/unknown", {}, F::Administration, K::None, ""},
      // Hostile or malformed URIs and arguments.
      {"GET", "", {}, F::Invalid, K::None, ""},
      {"GET", "studies", {}, F::Invalid, K::None, ""},
      {"GET", "/studies/../system", {}, F::Invalid, K::None, ""},
      {"GET", "/studies/s1/..", {}, F::Invalid, K::None, ""},
      {"GET", "/instances/%2e%2e/x", {}, F::Invalid, K::None, ""},
      {"GET", "/instances/%2E%2E/x", {}, F::Invalid, K::None, ""},
      {"GET", "/studies%2fs1", {}, F::Invalid, K::None, ""},
      {"GET", "/studies%2Fs1", {}, F::Invalid, K::None, ""},
      {"GET", "/studies%5cs1", {}, F::Invalid, K::None, ""},
      {"GET", "/studies%5Cs1", {}, F::Invalid, K::None, ""},
      {"GET", "/studies/s1%00", {}, F::Invalid, K::None, ""},
      {"GET", "/dicom-web//studies", {}, F::Invalid, K::None, ""},
      {"GET", "//studies", {}, F::Invalid, K::None, ""},
      {"GET", "/studies\\s1", {}, F::Invalid, K::None, ""},
      {"GET", "/studies/s1\r\nX-Injected: 1", {}, F::Invalid, K::None, ""},
      {"GET", std::string("/studies/s1\0x", 13), {}, F::Invalid, K::None, ""},
      {"GET", "/studies/s1\t", {}, F::Invalid, K::None, ""},
      {"GET", "/studies/s1\x7f", {}, F::Invalid, K::None, ""},
      {"GET", "/studies/" + std::string(3000, 'a'), {}, F::Invalid, K::None, ""},
      {"GET", "/studies/" + std::string(2048 - 9, 'a'), {}, F::StudyRead, K::OrthancStudy, std::string(2039, 'a')},
      {"GET", "/dicom-web/studies", {{"StudyInstanceUID", "1.2\r\nX-Injected: 1"}}, F::Invalid, K::None, ""},
      {"GET", "/dicom-web/studies", {{"a\nb", "1"}}, F::Invalid, K::None, ""},
      {"GET", "/studies", {{"x", std::string("a\0b", 3)}}, F::Invalid, K::None, ""},
      {"GET", "/studies", {{"x", std::string(4097, 'v')}}, F::Invalid, K::None, ""},
      {"GET", "/studies", {{std::string(4097, 'k'), "v"}}, F::Invalid, K::None, ""},
      {"GET", "/studies", {{"x", std::string(4096, 'v')}}, F::StudyList, K::None, ""},
      {"GET", "/studies/%20x", {}, F::StudyRead, K::OrthancStudy, "%20x"},
  };
  return table;
}

TEST(AccessPolicyTest, ClassifiesEveryRouteShape) {
  for (const RouteCase& c : RouteTable()) {
    const RouteClass r = ClassifyRoute(c.method, c.uri, c.arguments);
    EXPECT_STREQ(FamilyName(r.family), FamilyName(c.family)) << Describe(c);
    EXPECT_EQ(static_cast<int>(r.kind), static_cast<int>(c.kind)) << Describe(c);
    EXPECT_EQ(r.id, c.id) << Describe(c);
    EXPECT_EQ(r.isGet, std::string(c.method) == "GET") << Describe(c);
    if (r.family == F::Invalid) {
      EXPECT_FALSE(r.reason.empty()) << Describe(c);
    } else {
      EXPECT_TRUE(r.reason.empty()) << Describe(c);
    }
  }
}

TEST(AccessPolicyTest, ArgumentCountIsBounded) {
  QueryArguments many(100, {"k", "v"});
  EXPECT_EQ(ClassifyRoute("GET", "/studies", many).family, F::StudyList);
  many.emplace_back("k", "v");
  const RouteClass r = ClassifyRoute("GET", "/studies", many);
  EXPECT_EQ(r.family, F::Invalid);
  EXPECT_NE(r.reason.find("100"), std::string::npos) << r.reason;
}

TEST(AccessPolicyTest, InvalidReasonsSayWhy) {
  EXPECT_NE(ClassifyRoute("GET", "/studies/../system", {}).reason.find(".."), std::string::npos);
  EXPECT_NE(ClassifyRoute("GET", "/" + std::string(3000, 'a'), {}).reason.find("2048"), std::string::npos);
  EXPECT_NE(ClassifyRoute("GET", "/wado", {}).reason.find("studyUID"), std::string::npos);
}

TEST(AccessPolicyTest, RoleAndFamilyNames) {
  for (const char* name : {"admin", "clinician", "researcher", "legal", "recorder", "auditor"}) {
    const auto role = ParseRole(name);
    ASSERT_TRUE(role.has_value()) << name;
    EXPECT_STREQ(RoleName(*role), name);
  }
  for (const char* bad : {"", "Admin", "root", "admin "}) EXPECT_FALSE(ParseRole(bad).has_value()) << bad;
  EXPECT_STREQ(FamilyName(F::StudyList), "StudyList");
  EXPECT_STREQ(FamilyName(F::Self), "Self");
}

// -- the decision matrix -------------------------------------------------------------------------------------------

// The study situations the matrix distinguishes, from the point of view of a caller of org-a.
enum class Situation {
  None,           // the route touches no single study, or it could not be resolved (null)
  Unknown,        // resolved, but not in the access catalog
  OwnOrg,         // a study of org-a
  SharedWithOwn,  // a study of org-b shared with org-a
  OtherOrg,       // a study of org-b
  OtherPublic,    // a public study of org-b
  OtherDeidentified,
  OtherGranted,  // a study of org-b with an active legal grant for the caller
};
const std::vector<Situation> kSituations = {Situation::None,
                                            Situation::Unknown,
                                            Situation::OwnOrg,
                                            Situation::SharedWithOwn,
                                            Situation::OtherOrg,
                                            Situation::OtherPublic,
                                            Situation::OtherDeidentified,
                                            Situation::OtherGranted};

const char* SituationName(Situation s) {
  switch (s) {
    case Situation::None: return "no study";
    case Situation::Unknown: return "unknown study";
    case Situation::OwnOrg: return "own organisation";
    case Situation::SharedWithOwn: return "shared with own organisation";
    case Situation::OtherOrg: return "other organisation";
    case Situation::OtherPublic: return "public, other organisation";
    case Situation::OtherDeidentified: return "de-identified, other organisation";
    case Situation::OtherGranted: return "granted, other organisation";
  }
  return "?";
}

StudyFacts FactsOf(Situation s) {
  StudyFacts f;
  f.known = s != Situation::Unknown;
  f.organisation = s == Situation::OwnOrg ? "org-a" : "org-b";
  if (s == Situation::SharedWithOwn) f.sharedWith = {"org-c", "org-a"};
  f.isPublic = s == Situation::OtherPublic;
  f.deidentified = s == Situation::OtherDeidentified;
  f.grantedToCaller = s == Situation::OtherGranted;
  return f;
}

const std::vector<Role> kRoles = {Role::Admin, Role::Clinician, Role::Researcher,
                                  Role::Legal, Role::Recorder,  Role::Auditor};

// The matrix of docs/access-matrix.md, written out independently of Decide: may role do family (on a study in
// situation s, for the study-scoped families)?
bool Expected(Role role, F family, Situation s) {
  if (family == F::Invalid) return false;
  if (role == Role::Admin) return true;
  switch (family) {
    case F::SystemInfo:
    case F::Self: return true;
    case F::Explorer:
    case F::Administration:
    case F::Security:
    case F::StudyWrite: return false;
    case F::Audit: return role == Role::Auditor;
    case F::Upload:
      return (role == Role::Clinician || role == Role::Recorder) && s != Situation::OtherOrg &&
             s != Situation::SharedWithOwn && s != Situation::OtherPublic && s != Situation::OtherDeidentified &&
             s != Situation::OtherGranted;
    case F::StudyList:  // scoped (unscoped lists are tested apart)
    case F::StudyRead:
      if (s == Situation::None || s == Situation::Unknown) return false;
      switch (role) {
        case Role::Clinician: return s == Situation::OwnOrg || s == Situation::SharedWithOwn;
        case Role::Researcher: return s == Situation::OtherPublic || s == Situation::OtherDeidentified;
        case Role::Legal: return s == Situation::OtherGranted;
        default: return false;
      }
    default: return false;
  }
}

TEST(AccessPolicyTest, DecisionMatrixEveryCell) {
  const std::vector<F> families = {F::Invalid,   F::Explorer,   F::Administration, F::SystemInfo, F::StudyList,
                                   F::StudyRead, F::StudyWrite, F::Upload,         F::Security,   F::Audit,
                                   F::Self};
  int cells = 0;
  for (const Role role : kRoles) {
    const Principal who{"someone", role, "org-a"};
    for (const F family : families) {
      for (const Situation s : kSituations) {
        RouteClass route;
        route.family = family;
        route.isGet = true;
        if (family == F::StudyList || family == F::StudyRead || family == F::StudyWrite ||
            (family == F::Upload && s != Situation::None)) {
          route.kind = K::StudyUid;
          route.id = "1.2.3";
        } else if (family == F::Upload) {
          route.kind = K::Upload;
        }
        if (family == F::Invalid) route.reason = "test";
        const StudyFacts facts = FactsOf(s);
        const Decision d = Decide(who, route, s == Situation::None ? nullptr : &facts);
        EXPECT_EQ(d.allowed, Expected(role, family, s))
            << RoleName(role) << " / " << FamilyName(family) << " / " << SituationName(s) << ": " << d.reason;
        EXPECT_FALSE(d.reason.empty()) << RoleName(role) << " / " << FamilyName(family);
        ++cells;
      }
    }
  }
  EXPECT_EQ(cells, 6 * 11 * 8);
}

TEST(AccessPolicyTest, UnscopedStudyListIsForAdminsOnly) {
  RouteClass route;
  route.family = F::StudyList;
  route.isGet = true;
  const StudyFacts own = FactsOf(Situation::OwnOrg);
  for (const Role role : kRoles) {
    const Decision d = Decide(Principal{"x", role, "org-a"}, route, &own);
    EXPECT_EQ(d.allowed, role == Role::Admin) << RoleName(role) << ": " << d.reason;
    if (role == Role::Clinician || role == Role::Researcher || role == Role::Legal) {
      EXPECT_NE(d.reason.find("unscoped study list"), std::string::npos) << d.reason;
      EXPECT_NE(d.reason.find("/video-archive/security/studies"), std::string::npos) << d.reason;
    }
  }
}

TEST(AccessPolicyTest, PatientRoutesAreForAdminsOnly) {
  for (const F family : {F::StudyRead, F::StudyWrite}) {
    RouteClass route;
    route.family = family;
    route.kind = K::Patient;
    route.id = "p1";
    route.isGet = true;
    const StudyFacts own = FactsOf(Situation::OwnOrg);
    for (const Role role : kRoles) {
      for (const StudyFacts* study : {static_cast<const StudyFacts*>(nullptr), &own}) {
        const Decision d = Decide(Principal{"x", role, "org-a"}, route, study);
        EXPECT_EQ(d.allowed, role == Role::Admin) << RoleName(role) << ": " << d.reason;
      }
    }
  }
}

TEST(AccessPolicyTest, LegalMayOnlyReadWithGet) {
  const Principal legal{"lawyer", Role::Legal, ""};
  const StudyFacts granted = FactsOf(Situation::OtherGranted);
  // POST .../archive is a read (a zip download), but a grant allows GET only.
  const RouteClass zip = ClassifyRoute("POST", "/studies/s1/archive", {});
  ASSERT_EQ(zip.family, F::StudyRead);
  EXPECT_FALSE(Decide(legal, zip, &granted).allowed);
  EXPECT_TRUE(Decide(legal, ClassifyRoute("GET", "/studies/s1/archive", {}), &granted).allowed);
  for (const auto& [method, uri] :
       std::vector<std::pair<const char*, const char*>>{{"DELETE", "/studies/s1"},
                                                        {"PUT", "/instances/i1/metadata/X"},
                                                        {"POST", "/instances"},
                                                        {"POST", "/dicom-web/studies/1.2.3"},
                                                        {"DELETE", "/dicom-web/studies/1.2.3"},
                                                        {"POST", "/video-archive/uploads"},
                                                        {"POST", "/video-archive/instances/i1/archive"}}) {
    const RouteClass r = ClassifyRoute(method, uri, {});
    EXPECT_FALSE(Decide(legal, r, &granted).allowed) << method << " " << uri;
  }
}

TEST(AccessPolicyTest, EmptyOrganisationNeverMatches) {
  const Principal nobody{"x", Role::Clinician, ""};
  StudyFacts orphan;
  orphan.known = true;
  orphan.sharedWith = {""};
  RouteClass read;
  read.family = F::StudyRead;
  read.kind = K::StudyUid;
  read.id = "1.2";
  read.isGet = true;
  EXPECT_FALSE(Decide(nobody, read, &orphan).allowed);
  RouteClass upload = read;
  upload.family = F::Upload;
  EXPECT_FALSE(Decide(nobody, upload, &orphan).allowed);
  EXPECT_FALSE(Decide(Principal{"r", Role::Recorder, ""}, upload, &orphan).allowed);
  // Without a known study a clinician without an organisation may still upload (the ingest assigns one).
  EXPECT_TRUE(Decide(nobody, upload, nullptr).allowed);
  // And a clinician of org-a cannot read a study of no organisation.
  EXPECT_FALSE(Decide(Principal{"x", Role::Clinician, "org-a"}, read, &orphan).allowed);
}

TEST(AccessPolicyTest, UploadIntoUnknownStudyIsAllowed) {
  RouteClass stow = ClassifyRoute("POST", "/dicom-web/studies/9.9", {});
  StudyFacts unknown;
  for (const Role role : {Role::Clinician, Role::Recorder}) {
    EXPECT_TRUE(Decide(Principal{"x", role, "org-a"}, stow, &unknown).allowed) << RoleName(role);
    EXPECT_TRUE(Decide(Principal{"x", role, "org-a"}, stow, nullptr).allowed) << RoleName(role);
  }
}

TEST(AccessPolicyTest, ReasonsAreReadable) {
  RouteClass read;
  read.family = F::StudyRead;
  read.kind = K::StudyUid;
  read.id = "1.2";
  read.isGet = true;
  const StudyFacts other = FactsOf(Situation::OtherOrg);
  EXPECT_EQ(Decide(Principal{"c", Role::Clinician, "org-a"}, read, &other).reason,
            "clinician of org-a may not read a study of org-b");
  EXPECT_EQ(Decide(Principal{"r", Role::Recorder, "org-a"}, read, &other).reason, "recorders may only upload");
  const RouteClass invalid = ClassifyRoute("GET", "/studies/../system", {});
  const Decision d = Decide(Principal{"a", Role::Admin, ""}, invalid, nullptr);
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find(".."), std::string::npos) << d.reason;
  EXPECT_NE(Decide(Principal{"c", Role::Clinician, "org-a"}, read, nullptr).reason.find("resolved"), std::string::npos);
}

// -- ParseAuthorization --------------------------------------------------------------------------------------------

using Scheme = Credentials::Scheme;

std::string Basic(const std::string& userPassword) {
  return "Basic " + va::archive::EncodeBase64(userPassword);
}

TEST(AuthorizationHeaderTest, NoneWhenAbsent) {
  for (const char* value : {"", " ", "\t", "  \t "}) EXPECT_EQ(ParseAuthorization(value).scheme, Scheme::None);
}

TEST(AuthorizationHeaderTest, Basic) {
  struct Case {
    std::string header;
    std::string user;
    std::string password;
  };
  const std::vector<Case> cases = {
      {Basic("alice:secret"), "alice", "secret"},
      {"basic " + va::archive::EncodeBase64("alice:secret"), "alice", "secret"},
      {"BASIC " + va::archive::EncodeBase64("alice:secret"), "alice", "secret"},
      {"  " + Basic("alice:secret") + " ", "alice", "secret"},
      {Basic("alice:"), "alice", ""},
      {Basic("alice:pa:ss:word"), "alice", "pa:ss:word"},
      {Basic("al ice:p w"), "al ice", "p w"},
      {Basic("u:" + std::string(1022, 'p')), "u", std::string(1022, 'p')},
  };
  for (const Case& c : cases) {
    const Credentials got = ParseAuthorization(c.header);
    EXPECT_EQ(got.scheme, Scheme::Basic) << c.header.substr(0, 80) << ": " << got.reason;
    EXPECT_EQ(got.user, c.user);
    EXPECT_EQ(got.password, c.password);
  }
}

TEST(AuthorizationHeaderTest, Bearer) {
  for (const std::string& token :
       std::vector<std::string>{"abc", "a-b.c_d~e+f/g", "abc==", "Zm9vYmFy", std::string(512, 'x')}) {
    for (const char* scheme : {"Bearer ", "bearer ", "BEARER "}) {
      const Credentials got = ParseAuthorization(scheme + token);
      EXPECT_EQ(got.scheme, Scheme::Bearer) << scheme << token.substr(0, 40) << ": " << got.reason;
      EXPECT_EQ(got.token, token);
      EXPECT_TRUE(got.user.empty());
    }
  }
}

TEST(AuthorizationHeaderTest, InvalidWithAReason) {
  const std::vector<std::string> bad = {
      "Basic",
      "Bearer",
      "Basic ",
      "Bearer  abc",
      "Basic  " + va::archive::EncodeBase64("a:b"),
      "Basic\t" + va::archive::EncodeBase64("a:b"),
      "Basic " + va::archive::EncodeBase64("nocolon"),
      "Basic " + va::archive::EncodeBase64(":password"),
      "Basic " + va::archive::EncodeBase64("a\n:b"),
      "Basic " + va::archive::EncodeBase64("a:b\x7f"),
      "Basic " + va::archive::EncodeBase64(std::string("a:\0b", 4)),
      "Basic " + va::archive::EncodeBase64("u:" + std::string(1023, 'p')),
      "Basic YWxpY2U6c2VjcmV0",  // no padding needed; then the next one drops needed padding
      "Basic YWI6Yw",
      "Basic !!!!",
      "Basic " + va::archive::EncodeBase64("a:b") + " extra",
      "Bearer =",
      "Bearer ==abc",
      "Bearer a=b",
      "Bearer a b",
      "Bearer a,b",
      "Bearer " + std::string(513, 'x'),
      "Digest username=\"a\"",
      "Negotiate abc",
      "Token abc",
      "abc",
      "Bearer " + std::string(4200, 'x'),
  };
  for (const std::string& header : bad) {
    const Credentials got = ParseAuthorization(header);
    if (header == "Basic YWxpY2U6c2VjcmV0") {  // canonical: the control case of the list
      EXPECT_EQ(got.scheme, Scheme::Basic);
      continue;
    }
    EXPECT_EQ(got.scheme, Scheme::Invalid) << header.substr(0, 80);
    EXPECT_FALSE(got.reason.empty()) << header.substr(0, 80);
    EXPECT_TRUE(got.user.empty() && got.password.empty() && got.token.empty()) << header.substr(0, 80);
  }
}

}  // namespace
