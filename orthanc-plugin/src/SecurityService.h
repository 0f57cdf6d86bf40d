// The security runtime: who is asking (users from the configuration, API tokens), what they may reach (the access
// catalog behind the access policy) and the audit trail every request leaves. Owned by PluginState when
// VideoArchive.Security.Enable is true.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "AccessPolicy.h"
#include "SecurityConfiguration.h"
#include "va/archive/AccessStore.h"
#include "va/archive/AuditTrail.h"
#include "va/archive/SqlDatabase.h"

namespace va::plugin {

struct Authentication {
  std::optional<Principal> principal;  // empty: not authenticated
  std::string actor;                   // for the audit trail: the claimed user or token ID, or "anonymous"
  std::string reason;                  // why not authenticated
};

class SecurityService {
 public:
  SecurityService(const SecuritySettings& settings);
  ~SecurityService();
  SecurityService(const SecurityService&) = delete;
  SecurityService& operator=(const SecurityService&) = delete;

  // From the value of the Authorization header ("" when absent).
  Authentication Authenticate(const std::string& authorizationHeader);

  // Appends to the audit trail (and syslog); signs a checkpoint when one is due. Throws archive::AuditError when the
  // record cannot be written: callers refuse the request then (no access without its record).
  void Audit(const archive::AuditEvent& event);

  archive::AccessStore& Access() { return *access_; }
  archive::AuditTrail& Trail() { return *trail_; }
  const SecuritySettings& Settings() const { return settings_; }

  static int64_t Now();  // unix seconds

 private:
  void SyncToDisk();

  SecuritySettings settings_;
  std::unique_ptr<archive::SqlDatabase> db_;
  std::unique_ptr<archive::AccessStore> access_;
  std::unique_ptr<archive::AuditTrail> trail_;
  std::unique_ptr<archive::SyslogSender> syslog_;
  std::string hostName_;  // for syslog headers, read once
  std::unordered_map<std::string, const SecurityUser*> users_;
  std::mutex cacheMutex_;
  // SHA-256 of a Basic header that verified -> user: PBKDF2 costs ~0.1 s, far too much for every request.
  std::unordered_map<std::string, const SecurityUser*> verifiedBasic_;
  std::mutex checkpointMutex_;
  std::chrono::steady_clock::time_point lastCheckpoint_;
};

}  // namespace va::plugin
