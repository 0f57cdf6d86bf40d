#include "SecurityService.h"

#include <unistd.h>

#include <array>
#include <filesystem>

#include "va/archive/Sha256.h"

namespace va::plugin {

namespace {

Principal PrincipalOf(const SecurityUser& user) {
  return Principal{user.name, *ParseRole(user.role), user.organisation};  // the role was checked at load
}

std::string HostName() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return "-";
  return name.data();
}

}  // namespace

SecurityService::SecurityService(const SecuritySettings& settings) : settings_(settings) {
  if (settings_.databaseEngine == "SQLite")
    std::filesystem::create_directories(std::filesystem::path(settings_.databaseTarget).parent_path());
  db_ = archive::OpenSqlDatabase(settings_.databaseEngine, settings_.databaseTarget);
  // An fsync per HTTP request would double the latency of small queries (bench/security.sh); see AuditSettings.
  if (settings_.databaseEngine == "SQLite" && !settings_.audit.syncEveryRecord)
    db_->Script("PRAGMA synchronous=NORMAL");
  access_ = std::make_unique<archive::AccessStore>(*db_);
  std::filesystem::create_directories(std::filesystem::path(settings_.audit.signingKeyFile).parent_path());
  trail_ = std::make_unique<archive::AuditTrail>(
      *db_, archive::AuditSigner::LoadOrCreate(settings_.audit.signingKeyFile), settings_.audit.checkpointEvery);
  if (!settings_.audit.syslogHost.empty())
    syslog_ = std::make_unique<archive::SyslogSender>(settings_.audit.syslogHost, settings_.audit.syslogPort);
  for (const auto& user : settings_.users) users_[user.name] = &user;
  hostName_ = HostName();
  lastCheckpoint_ = std::chrono::steady_clock::now();
}

SecurityService::~SecurityService() {
  try {
    trail_->Checkpoint();  // a clean stop leaves every record signed
  } catch (...) {
  }
}

int64_t SecurityService::Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Authentication SecurityService::Authenticate(const std::string& header) {
  Authentication out;
  out.actor = "anonymous";
  const Credentials credentials = ParseAuthorization(header);
  switch (credentials.scheme) {
    case Credentials::Scheme::None: out.reason = "no credentials (Authorization: Basic or Bearer)"; return out;
    case Credentials::Scheme::Invalid: out.reason = "malformed Authorization header: " + credentials.reason; return out;
    case Credentials::Scheme::Basic: {
      out.actor = credentials.user;
      const auto found = users_.find(credentials.user);
      if (found == users_.end()) {
        out.reason = "unknown user or wrong password";
        return out;
      }
      archive::Sha256 digest;
      digest.Update(header.data(), header.size());
      const std::string key = digest.Digest();
      {
        std::lock_guard<std::mutex> lock(cacheMutex_);
        const auto cached = verifiedBasic_.find(key);
        if (cached != verifiedBasic_.end()) {
          out.principal = PrincipalOf(*cached->second);
          return out;
        }
      }
      const SecurityUser& user = *found->second;
      if (!archive::VerifyPassword(credentials.password, user.passwordHash)) {
        out.reason = "unknown user or wrong password";
        return out;
      }
      {
        std::lock_guard<std::mutex> lock(cacheMutex_);
        if (verifiedBasic_.size() > 4096) verifiedBasic_.clear();  // bounded; a miss only costs one PBKDF2
        verifiedBasic_[key] = &user;
      }
      out.principal = PrincipalOf(user);
      return out;
    }
    case Credentials::Scheme::Bearer: {
      archive::TokenInfo info;
      const archive::TokenCheck check = access_->CheckToken(credentials.token, Now(), &info);
      if (!info.id.empty()) out.actor = "token:" + info.id;
      if (check != archive::TokenCheck::Valid) {
        out.reason = std::string("token ") + archive::ToString(check);
        return out;
      }
      const auto role = ParseRole(info.role);
      if (!role) {
        out.reason = "token with an unknown role";
        return out;
      }
      // A token acting for a user is that user for grants; otherwise the token is its own principal.
      out.principal = Principal{info.subject.empty() ? "token:" + info.id : info.subject, *role, info.organisation};
      return out;
    }
  }
  return out;
}

void SecurityService::SyncToDisk() {
  // With synchronous=NORMAL, SQLite syncs the write-ahead log before each of its checkpoints: a signed audit
  // checkpoint is on disk, with every record it covers, once this returns.
  if (settings_.databaseEngine == "SQLite" && !settings_.audit.syncEveryRecord)
    db_->Run("PRAGMA wal_checkpoint(PASSIVE)");
}

void SecurityService::Audit(const archive::AuditEvent& event) {
  const archive::AuditRecord record = trail_->Append(event);
  if (record.sequence % settings_.audit.checkpointEvery == 0) SyncToDisk();  // Append signed one
  if (syslog_) {
    syslog_->Send(archive::ToSyslogMessage(record, hostName_, "video-archive", settings_.audit.auditSourceId));
  }
  std::lock_guard<std::mutex> lock(checkpointMutex_);
  const auto now = std::chrono::steady_clock::now();
  if (now - lastCheckpoint_ >= std::chrono::duration<double>(settings_.audit.checkpointIntervalSeconds)) {
    lastCheckpoint_ = now;
    trail_->Checkpoint();
    SyncToDisk();
  }
}

}  // namespace va::plugin
