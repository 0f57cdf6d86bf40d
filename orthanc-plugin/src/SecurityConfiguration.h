// The "VideoArchive.Security" section: users, API tokens, the access catalog, the audit trail. Documented in
// README.md and docs/security.md. Off by default: Orthanc's own options then govern access.
#pragma once

#include <json/json.h>

#include <map>
#include <string>
#include <vector>

namespace va::plugin {

struct SecurityUser {
  std::string name;
  std::string passwordHash;  // archive::HashPassword format; a plain "Password" in the file is hashed at load
  std::string role;          // admin, clinician, researcher, legal, recorder, auditor
  std::string organisation;
};

struct AuditSettings {
  std::string signingKeyFile;  // Ed25519 private key (PEM); default <WorkDirectory>/keys/audit-signing.pem, created
  int checkpointEvery = 1000;  // a signed checkpoint after this many records
  double checkpointIntervalSeconds = 300;  // ... and at least this often while records arrive
  std::string syslogHost;                  // "" = no syslog; else RFC 5424 over UDP
  int syslogPort = 514;
  std::string auditSourceId = "VIDEOARCHIVE";  // AuditSourceIdentification of DICOM audit messages
  // SQLite only. false: a record is committed to the write-ahead log before the request proceeds and survives a
  // crash or kill -9 of Orthanc, but the last ones may be lost if the machine itself loses power (the log is
  // synced at SQLite checkpoints and at every signed audit checkpoint). true: fsync per record (~1 ms each here).
  bool syncEveryRecord = false;
};

struct SecuritySettings {
  bool enable = false;
  std::vector<SecurityUser> users;
  std::string databaseEngine = "SQLite";  // tokens, study access, grants and the audit trail
  std::string databaseTarget;             // default <WorkDirectory>/security.sqlite
  double maxTokenDays = 366;              // no token may live longer
  double defaultTokenDays = 30;
  int passwordIterations = 200000;                      // PBKDF2-SHA256 iterations for hashes made at load
  std::map<std::string, std::string> aetOrganisations;  // calling AE title -> organisation of what it stores
  AuditSettings audit;

  Json::Value ToJson() const;  // password hashes left out
};

// Reads VideoArchive.Security; throws std::runtime_error naming the bad option.
SecuritySettings ParseSecuritySettings(const Json::Value& section, const std::string& workDirectory);

}  // namespace va::plugin
