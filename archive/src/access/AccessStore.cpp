#include "va/archive/AccessStore.h"

#include <openssl/crypto.h>

#include <map>
#include <utility>

#include "Encoding.h"
#include "va/archive/Base64.h"
#include "va/archive/Sha256.h"

namespace va::archive {
namespace {

const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS access_tokens (
  id TEXT PRIMARY KEY,
  secret_sha256 TEXT NOT NULL,
  label TEXT NOT NULL,
  role TEXT NOT NULL,
  organisation TEXT NOT NULL,
  subject TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT NOT NULL DEFAULT 0,
  revoked_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS access_studies (
  study_uid TEXT PRIMARY KEY,
  orthanc_id TEXT NOT NULL DEFAULT '',
  organisation TEXT NOT NULL DEFAULT '',
  origin TEXT NOT NULL DEFAULT '',
  is_public BIGINT NOT NULL DEFAULT 0,
  deidentified BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS access_studies_orthanc ON access_studies (orthanc_id);
CREATE INDEX IF NOT EXISTS access_studies_organisation ON access_studies (organisation);
CREATE TABLE IF NOT EXISTS access_shares (
  study_uid TEXT NOT NULL,
  organisation TEXT NOT NULL,
  PRIMARY KEY (study_uid, organisation)
);
CREATE INDEX IF NOT EXISTS access_shares_organisation ON access_shares (organisation);
CREATE TABLE IF NOT EXISTS access_grants (
  id BIGINT PRIMARY KEY,
  study_uid TEXT NOT NULL,
  grantee TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT NOT NULL DEFAULT 0,
  reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS access_grants_grantee ON access_grants (grantee, study_uid)
)SQL";

constexpr const char* kTokenColumns =
    "id, label, role, organisation, subject, created_at, created_by, expires_at, revoked_at, revoked_by";
constexpr const char* kStudyColumns =
    "s.study_uid, s.orthanc_id, s.organisation, s.origin, s.is_public, s.deidentified";
constexpr const char* kGrantColumns = "id, study_uid, grantee, created_at, created_by, expires_at, revoked_at, reason";

constexpr const char* kSecretPrefix = "va1.";
constexpr size_t kIdSize = 16;       // hex digits (8 random bytes)
constexpr size_t kSecretBytes = 32;  // 256 bits: guessing is hopeless, so the lookup by ID leaks nothing useful
constexpr size_t kSecretTextSize = 43;
constexpr size_t kSecretSize = 4 + kIdSize + 1 + kSecretTextSize;
constexpr int kGrantIdAttempts = 5;

const char* const kRoles[] = {"admin", "clinician", "researcher", "legal", "recorder", "auditor"};

bool KnownRole(const std::string& role) {
  for (const char* known : kRoles) {
    if (role == known) return true;
  }
  return false;
}

bool IsLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool IsBase64Url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// The token ID inside a secret of the right shape, or "" (checked before any database access, so junk costs nothing).
std::string IdOfSecret(const std::string& secret) {
  if (secret.size() != kSecretSize || secret.compare(0, 4, kSecretPrefix) != 0 || secret[4 + kIdSize] != '.') return "";
  for (size_t i = 4; i < 4 + kIdSize; ++i) {
    if (!IsLowerHex(secret[i])) return "";
  }
  for (size_t i = 4 + kIdSize + 1; i < secret.size(); ++i) {
    if (!IsBase64Url(secret[i])) return "";
  }
  return secret.substr(4, kIdSize);
}

std::string HashOf(const std::string& secret) {
  Sha256 sha;
  sha.Update(secret.data(), secret.size());
  return sha.HexDigest();
}

TokenInfo TokenFrom(const SqlRow& row, size_t first = 0) {
  TokenInfo t;
  t.id = row.Text(first);
  t.label = row.Text(first + 1);
  t.role = row.Text(first + 2);
  t.organisation = row.Text(first + 3);
  t.subject = row.Text(first + 4);
  t.createdAt = row.Int(first + 5);
  t.createdBy = row.Text(first + 6);
  t.expiresAt = row.Int(first + 7);
  t.revokedAt = row.Int(first + 8);
  t.revokedBy = row.Text(first + 9);
  return t;
}

StudyAccess StudyFrom(const SqlRow& row) {
  StudyAccess s;
  s.studyUid = row.Text(0);
  s.orthancStudyId = row.Text(1);
  s.organisation = row.Text(2);
  s.origin = row.Text(3);
  s.isPublic = row.Int(4) != 0;
  s.deidentified = row.Int(5) != 0;
  return s;
}

Grant GrantFrom(const SqlRow& row) {
  Grant g;
  g.id = row.Int(0);
  g.studyUid = row.Text(1);
  g.grantee = row.Text(2);
  g.createdAt = row.Int(3);
  g.createdBy = row.Text(4);
  g.expiresAt = row.Int(5);
  g.revokedAt = row.Int(6);
  g.reason = row.Text(7);
  return g;
}

// Studies matching a WHERE clause on access_studies (alias s), with their shares, ordered by Study Instance UID.
// One statement (a LEFT JOIN, one row per share): the HTTP filter runs this for every request that names a study.
std::vector<StudyAccess> StudiesWhere(SqlDatabase& db, const std::string& where, const std::vector<SqlValue>& params) {
  std::vector<StudyAccess> studies;
  const auto rows = db.Run(std::string("SELECT ") + kStudyColumns +
                               ", sh.organisation FROM access_studies s LEFT JOIN access_shares sh ON sh.study_uid = "
                               "s.study_uid WHERE " +
                               where + " ORDER BY s.study_uid, sh.organisation",
                           params);
  for (const auto& row : rows.rows) {
    if (studies.empty() || studies.back().studyUid != row.Text(0)) studies.push_back(StudyFrom(row));
    if (!row.IsNull(6)) studies.back().sharedWith.push_back(row.Text(6));
  }
  return studies;
}

template <typename Body>
auto Guard(const std::string& what, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const SqlError& e) {
    throw AccessError("access store: cannot " + what + ": " + e.what());
  }
}

}  // namespace

const char* ToString(TokenCheck check) {
  switch (check) {
    case TokenCheck::Valid: return "valid";
    case TokenCheck::Unknown: return "unknown";
    case TokenCheck::Malformed: return "malformed";
    case TokenCheck::Expired: return "expired";
    case TokenCheck::Revoked: return "revoked";
  }
  return "malformed";
}

AccessStore::AccessStore(SqlDatabase& db) : db_(db) {
  Guard("create its tables", [&] { db_.Script(kSchema); });
}

IssuedToken AccessStore::IssueToken(const std::string& label, const std::string& role, const std::string& organisation,
                                    const std::string& subject, int64_t expiresAt, const std::string& createdBy,
                                    int64_t now) {
  if (!KnownRole(role))
    throw AccessError("token: unknown role '" + role +
                      "' (expected admin, clinician, researcher, legal, recorder or auditor)");
  if (expiresAt <= now) throw AccessError("token: the expiry must be in the future");
  IssuedToken issued;
  try {
    issued.info.id = Sha256::Hex(encoding::RandomBytes(kIdSize / 2));
    issued.secret =
        kSecretPrefix + issued.info.id + "." + EncodeBase64(encoding::RandomBytes(kSecretBytes), /*url=*/true);
  } catch (const std::runtime_error& e) {
    throw AccessError(std::string("token: ") + e.what());
  }
  TokenInfo& t = issued.info;
  t.label = label;
  t.role = role;
  t.organisation = organisation;
  t.subject = subject;
  t.createdAt = now;
  t.createdBy = createdBy;
  t.expiresAt = expiresAt;
  Guard("store a new token", [&] {
    db_.Run(
        "INSERT INTO access_tokens (id, secret_sha256, label, role, organisation, subject, created_at, created_by, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {t.id, HashOf(issued.secret), t.label, t.role, t.organisation, t.subject, t.createdAt, t.createdBy,
         t.expiresAt});
  });
  return issued;
}

TokenCheck AccessStore::CheckToken(const std::string& secret, int64_t now, TokenInfo* info) const {
  const std::string id = IdOfSecret(secret);
  if (id.empty()) return TokenCheck::Malformed;
  const auto r = Guard("look up a token", [&] {
    return db_.Run(std::string("SELECT secret_sha256, ") + kTokenColumns + " FROM access_tokens WHERE id = ?", {id});
  });
  if (r.rows.empty()) return TokenCheck::Unknown;
  const std::string stored = r.rows.front().Text(0);
  const std::string presented = HashOf(secret);
  if (stored.size() != presented.size() || CRYPTO_memcmp(stored.data(), presented.data(), stored.size()) != 0)
    return TokenCheck::Unknown;
  TokenInfo t = TokenFrom(r.rows.front(), 1);
  TokenCheck check = TokenCheck::Valid;
  if (t.revokedAt > 0)
    check = TokenCheck::Revoked;
  else if (t.expiresAt <= now)
    check = TokenCheck::Expired;
  if (info != nullptr) *info = std::move(t);
  return check;
}

bool AccessStore::RevokeToken(const std::string& id, const std::string& by, int64_t now) {
  return Guard("revoke a token", [&] {
    bool known = false;
    db_.Transaction([&] {
      // The first revocation's time and author are kept.
      const auto r = db_.Run("UPDATE access_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at = 0",
                             {now > 0 ? now : int64_t{1}, by, id});
      known = r.changes > 0 || !db_.Run("SELECT 1 FROM access_tokens WHERE id = ?", {id}).rows.empty();
    });
    return known;
  });
}

std::vector<TokenInfo> AccessStore::ListTokens() const {
  const auto r = Guard("list tokens", [&] {
    return db_.Run(std::string("SELECT ") + kTokenColumns + " FROM access_tokens ORDER BY created_at, id");
  });
  std::vector<TokenInfo> tokens;
  tokens.reserve(r.rows.size());
  for (const auto& row : r.rows) tokens.push_back(TokenFrom(row));
  return tokens;
}

std::optional<TokenInfo> AccessStore::FindToken(const std::string& id) const {
  const auto r = Guard("look up a token", [&] {
    return db_.Run(std::string("SELECT ") + kTokenColumns + " FROM access_tokens WHERE id = ?", {id});
  });
  if (r.rows.empty()) return std::nullopt;
  return TokenFrom(r.rows.front());
}

void AccessStore::RecordStudy(const std::string& studyUid, const std::string& orthancStudyId,
                              const std::string& organisation, const std::string& origin, bool deidentified,
                              bool overwrite) {
  if (studyUid.empty()) throw AccessError("study access: a study needs its Study Instance UID");
  Guard("record study " + studyUid, [&] {
    db_.Transaction([&] {
      // ON CONFLICT: another process may record the same study between our check and insert.
      const auto inserted = db_.Run(
          "INSERT INTO access_studies (study_uid, orthanc_id, organisation, origin, is_public, deidentified) VALUES "
          "(?, ?, ?, ?, 0, ?) ON CONFLICT (study_uid) DO NOTHING",
          {studyUid, orthancStudyId, organisation, origin, int64_t{deidentified ? 1 : 0}});
      if (inserted.changes > 0) return;
      const auto stored = db_.Run("SELECT organisation FROM access_studies WHERE study_uid = ?", {studyUid});
      const bool setOwner = overwrite || (!stored.rows.empty() && stored.rows.front().Text(0).empty());
      if (setOwner) {
        db_.Run(
            "UPDATE access_studies SET orthanc_id = CASE WHEN orthanc_id = '' THEN ? ELSE orthanc_id END, "
            "deidentified = ?, organisation = ?, origin = ? WHERE study_uid = ?",
            {orthancStudyId, int64_t{deidentified ? 1 : 0}, organisation, origin, studyUid});
      } else {
        db_.Run(
            "UPDATE access_studies SET orthanc_id = CASE WHEN orthanc_id = '' THEN ? ELSE orthanc_id END, "
            "deidentified = ? WHERE study_uid = ?",
            {orthancStudyId, int64_t{deidentified ? 1 : 0}, studyUid});
      }
    });
  });
}

std::optional<StudyAccess> AccessStore::StudyByUid(const std::string& studyUid) const {
  auto studies = Guard("read study " + studyUid, [&] { return StudiesWhere(db_, "s.study_uid = ?", {studyUid}); });
  if (studies.empty()) return std::nullopt;
  return std::move(studies.front());
}

std::optional<StudyAccess> AccessStore::StudyByOrthancId(const std::string& orthancStudyId) const {
  if (orthancStudyId.empty()) return std::nullopt;  // "" means "not known", never a match
  auto studies = Guard("read the study of Orthanc ID " + orthancStudyId,
                       [&] { return StudiesWhere(db_, "s.orthanc_id = ?", {orthancStudyId}); });
  if (studies.empty()) return std::nullopt;
  return std::move(studies.front());
}

bool AccessStore::SetPublic(const std::string& studyUid, bool isPublic) {
  return Guard("change study " + studyUid, [&] {
    return db_.Run("UPDATE access_studies SET is_public = ? WHERE study_uid = ?", {int64_t{isPublic ? 1 : 0}, studyUid})
               .changes > 0;
  });
}

bool AccessStore::Share(const std::string& studyUid, const std::string& organisation) {
  if (organisation.empty()) throw AccessError("study access: share with which organisation? (none given)");
  return Guard("share study " + studyUid, [&] {
    bool known = false;
    db_.Transaction([&] {
      known = !db_.Run("SELECT 1 FROM access_studies WHERE study_uid = ?", {studyUid}).rows.empty();
      if (known)
        db_.Run("INSERT INTO access_shares (study_uid, organisation) VALUES (?, ?) ON CONFLICT DO NOTHING",
                {studyUid, organisation});
    });
    return known;
  });
}

bool AccessStore::Unshare(const std::string& studyUid, const std::string& organisation) {
  return Guard("unshare study " + studyUid, [&] {
    return db_.Run("DELETE FROM access_shares WHERE study_uid = ? AND organisation = ?", {studyUid, organisation})
               .changes > 0;
  });
}

void AccessStore::ForgetStudy(const std::string& studyUid) {
  // Grants stay: they record a legal decision, and the audit trail refers to them.
  Guard("forget study " + studyUid, [&] {
    db_.Transaction([&] {
      db_.Run("DELETE FROM access_shares WHERE study_uid = ?", {studyUid});
      db_.Run("DELETE FROM access_studies WHERE study_uid = ?", {studyUid});
    });
  });
}

std::vector<StudyAccess> AccessStore::StudiesOfOrganisation(const std::string& organisation) const {
  if (organisation.empty()) return {};  // unassigned studies are for admins only
  return Guard("list the studies of " + organisation, [&] {
    return StudiesWhere(db_,
                        "(s.organisation = ? OR s.study_uid IN (SELECT study_uid FROM access_shares WHERE "
                        "organisation = ?))",
                        {organisation, organisation});
  });
}

std::vector<StudyAccess> AccessStore::ResearchStudies() const {
  return Guard("list research studies",
               [&] { return StudiesWhere(db_, "(s.is_public = 1 OR s.deidentified = 1)", {}); });
}

Grant AccessStore::AddGrant(const std::string& studyUid, const std::string& grantee, int64_t expiresAt,
                            const std::string& createdBy, const std::string& reason, int64_t now) {
  if (studyUid.empty() || grantee.empty()) throw AccessError("grant: a study and a grantee are required");
  if (expiresAt <= now) throw AccessError("grant: the expiry must be in the future");
  Grant g;
  g.studyUid = studyUid;
  g.grantee = grantee;
  g.createdAt = now;
  g.createdBy = createdBy;
  g.expiresAt = expiresAt;
  g.reason = reason;
  // max+1 may collide with another process's grant (PostgreSQL, READ COMMITTED): the insert fails, we take the next.
  for (int attempt = 1;; ++attempt) {
    try {
      db_.Transaction([&] {
        g.id = db_.Run("SELECT COALESCE(MAX(id), 0) + 1 FROM access_grants").rows.at(0).Int(0);
        db_.Run(std::string("INSERT INTO access_grants (") + kGrantColumns + ") VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                {g.id, g.studyUid, g.grantee, g.createdAt, g.createdBy, g.expiresAt, g.reason});
      });
      return g;
    } catch (const SqlError& e) {
      if (attempt == kGrantIdAttempts) throw AccessError(std::string("grant: cannot store the grant: ") + e.what());
    }
  }
}

bool AccessStore::RevokeGrant(int64_t id, int64_t now) {
  return Guard("revoke grant " + std::to_string(id), [&] {
    bool known = false;
    db_.Transaction([&] {
      const auto r = db_.Run("UPDATE access_grants SET revoked_at = ? WHERE id = ? AND revoked_at = 0",
                             {now > 0 ? now : int64_t{1}, id});
      known = r.changes > 0 || !db_.Run("SELECT 1 FROM access_grants WHERE id = ?", {id}).rows.empty();
    });
    return known;
  });
}

bool AccessStore::HasGrant(const std::string& grantee, const std::string& studyUid, int64_t now) const {
  return Guard("check grants", [&] {
    return !db_.Run(
                   "SELECT 1 FROM access_grants WHERE grantee = ? AND study_uid = ? AND revoked_at = 0 AND "
                   "expires_at > ? LIMIT 1",
                   {grantee, studyUid, now})
                .rows.empty();
  });
}

std::vector<Grant> AccessStore::ListGrants(const std::string& grantee) const {
  const auto r = Guard("list grants", [&] {
    if (grantee.empty()) return db_.Run(std::string("SELECT ") + kGrantColumns + " FROM access_grants ORDER BY id");
    return db_.Run(std::string("SELECT ") + kGrantColumns + " FROM access_grants WHERE grantee = ? ORDER BY id",
                   {grantee});
  });
  std::vector<Grant> grants;
  grants.reserve(r.rows.size());
  for (const auto& row : r.rows) grants.push_back(GrantFrom(row));
  return grants;
}

}  // namespace va::archive
