#include "SecurityConfiguration.h"

#include <set>
#include <stdexcept>

#include "AccessPolicy.h"
#include "ConfigReader.h"
#include "va/archive/AccessStore.h"

namespace va::plugin {

namespace {

const ConfigReader kReader("configuration: VideoArchive.Security.");

SecurityUser ReadUser(const std::string& name, const Json::Value& u, int iterations) {
  const std::string where = "Users." + name;
  kReader.CheckKnown(u, where, {"Password", "PasswordHash", "Role", "Organisation"});
  if (name.empty() || name.size() > 128 || name.find(':') != std::string::npos)
    kReader.Bad(where, "must be a user name of 1-128 characters without ':'");
  SecurityUser user;
  user.name = name;
  user.role = kReader.Str(u, "Role", where + ".", "");
  if (!ParseRole(user.role))
    kReader.Bad(where + ".Role", "must be one of admin, clinician, researcher, legal, recorder, auditor");
  user.organisation = kReader.Str(u, "Organisation", where + ".", "");
  const std::string hash = kReader.Str(u, "PasswordHash", where + ".", "");
  const std::string plain = kReader.Str(u, "Password", where + ".", "");
  if (hash.empty() == plain.empty()) kReader.Bad(where, "needs exactly one of Password and PasswordHash");
  if (!hash.empty()) {
    // A hash that cannot verify anything would lock the user out silently: check its shape now.
    if (hash.rfind("pbkdf2-sha256$", 0) != 0) kReader.Bad(where + ".PasswordHash", "must be pbkdf2-sha256$...");
    user.passwordHash = hash;
  } else {
    user.passwordHash = archive::HashPassword(plain, iterations);
  }
  return user;
}

}  // namespace

SecuritySettings ParseSecuritySettings(const Json::Value& s, const std::string& workDirectory) {
  SecuritySettings out;
  out.databaseTarget = workDirectory + "/security.sqlite";
  out.audit.signingKeyFile = workDirectory + "/keys/audit-signing.pem";
  if (s.isNull()) return out;
  kReader.CheckKnown(s, "",
                     {"Enable", "Users", "DatabaseEngine", "DatabaseTarget", "MaxTokenDays", "DefaultTokenDays",
                      "PasswordIterations", "AetOrganisations", "Audit"});
  out.enable = kReader.Bool(s, "Enable", "", out.enable);
  out.databaseEngine = kReader.Str(s, "DatabaseEngine", "", out.databaseEngine);
  if (out.databaseEngine != "SQLite" && out.databaseEngine != "PostgreSQL")
    kReader.Bad("DatabaseEngine", "must be SQLite or PostgreSQL");
  out.databaseTarget = kReader.Str(s, "DatabaseTarget", "", out.databaseTarget);
  out.maxTokenDays = kReader.Num(s, "MaxTokenDays", "", out.maxTokenDays, 0.001, 3660);
  out.defaultTokenDays = kReader.Num(s, "DefaultTokenDays", "", out.defaultTokenDays, 0.001, out.maxTokenDays);
  out.passwordIterations =
      static_cast<int>(kReader.Num(s, "PasswordIterations", "", out.passwordIterations, 10000, 10000000));
  if (s.isMember("Users")) {
    if (!s["Users"].isObject()) kReader.Bad("Users", "must be an object of user name -> {Password, Role, ...}");
    for (const auto& name : s["Users"].getMemberNames())
      out.users.push_back(ReadUser(name, s["Users"][name], out.passwordIterations));
  }
  if (s.isMember("AetOrganisations")) {
    if (!s["AetOrganisations"].isObject()) kReader.Bad("AetOrganisations", "must be an object of AE title -> name");
    for (const auto& aet : s["AetOrganisations"].getMemberNames())
      out.aetOrganisations[aet] = kReader.Str(s["AetOrganisations"], aet.c_str(), "AetOrganisations.", "");
  }
  if (s.isMember("Audit")) {
    const Json::Value& a = s["Audit"];
    kReader.CheckKnown(a, "Audit",
                       {"SigningKeyFile", "CheckpointEvery", "CheckpointIntervalSeconds", "SyslogHost", "SyslogPort",
                        "AuditSourceId", "SyncEveryRecord"});
    out.audit.signingKeyFile = kReader.Str(a, "SigningKeyFile", "Audit.", out.audit.signingKeyFile);
    out.audit.checkpointEvery =
        static_cast<int>(kReader.Num(a, "CheckpointEvery", "Audit.", out.audit.checkpointEvery, 1, 1000000));
    out.audit.checkpointIntervalSeconds =
        kReader.Num(a, "CheckpointIntervalSeconds", "Audit.", out.audit.checkpointIntervalSeconds, 1, 86400);
    out.audit.syslogHost = kReader.Str(a, "SyslogHost", "Audit.", "");
    out.audit.syslogPort = static_cast<int>(kReader.Num(a, "SyslogPort", "Audit.", out.audit.syslogPort, 1, 65535));
    out.audit.auditSourceId = kReader.Str(a, "AuditSourceId", "Audit.", out.audit.auditSourceId);
    out.audit.syncEveryRecord = kReader.Bool(a, "SyncEveryRecord", "Audit.", out.audit.syncEveryRecord);
  }
  if (out.enable && out.users.empty())
    kReader.Bad("Users", "must name at least one user (an admin) when Security.Enable is true");
  return out;
}

Json::Value SecuritySettings::ToJson() const {
  Json::Value v;
  v["Enable"] = enable;
  v["DatabaseEngine"] = databaseEngine;
  v["MaxTokenDays"] = maxTokenDays;
  v["DefaultTokenDays"] = defaultTokenDays;
  Json::Value users(Json::objectValue);
  for (const auto& u : this->users) {
    users[u.name]["Role"] = u.role;
    users[u.name]["Organisation"] = u.organisation;
  }
  v["Users"] = users;
  Json::Value aets(Json::objectValue);
  for (const auto& [aet, organisation] : aetOrganisations) aets[aet] = organisation;
  v["AetOrganisations"] = aets;
  v["Audit"]["CheckpointEvery"] = audit.checkpointEvery;
  v["Audit"]["CheckpointIntervalSeconds"] = audit.checkpointIntervalSeconds;
  v["Audit"]["SyslogHost"] = audit.syslogHost;
  v["Audit"]["SyslogPort"] = audit.syslogPort;
  v["Audit"]["AuditSourceId"] = audit.auditSourceId;
  v["Audit"]["SyncEveryRecord"] = audit.syncEveryRecord;
  return v;
}

}  // namespace va::plugin
