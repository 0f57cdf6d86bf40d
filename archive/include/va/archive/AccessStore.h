// Who may reach which study: API tokens (stored hashed, with expiry and revocation), each study's organisation and
// sharing, public / de-identified flags, and legal reviewers' grants with expiry. Stored through SqlDatabase
// (SQLite embedded, PostgreSQL for scale-out). Pure bookkeeping: the decision itself is the plugin's access policy.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "va/archive/SqlDatabase.h"

namespace va::archive {

class AccessError : public std::runtime_error {
 public:
  explicit AccessError(const std::string& reason) : std::runtime_error(reason) {}
};

// Password hashes for configured users: "pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>" (OpenSSL
// PKCS5_PBKDF2_HMAC). HashPassword uses a random 16-byte salt.
std::string HashPassword(const std::string& password, int iterations = 200000);
// Constant-time comparison; false for a malformed hash.
bool VerifyPassword(const std::string& password, const std::string& encodedHash);

struct TokenInfo {
  std::string id;            // public identifier, 16 hex digits; also the audit trail's actor for the token
  std::string label;         // what it is for ("OR 3 recorder")
  std::string role;          // admin, clinician, researcher, legal, recorder, auditor
  std::string organisation;  // "" = none
  std::string subject;       // the user the token acts for ("" = the token itself)
  int64_t createdAt = 0;     // unix seconds
  std::string createdBy;
  int64_t expiresAt = 0;  // unix seconds
  int64_t revokedAt = 0;  // 0 = not revoked
  std::string revokedBy;
};

struct IssuedToken {
  TokenInfo info;
  std::string secret;  // "va1.<id>.<43 base64url characters>": shown once, only its SHA-256 is stored
};

enum class TokenCheck { Valid, Unknown, Malformed, Expired, Revoked };
const char* ToString(TokenCheck check);

struct StudyAccess {
  std::string studyUid;
  std::string orthancStudyId;  // "" when not known
  std::string organisation;    // owning organisation ("" = unassigned: only admins see it)
  std::string origin;          // how the organisation was set: "upload", "worklist", "institution", "admin", "default"
  bool isPublic = false;       // researchers may see it
  bool deidentified = false;   // Patient Identity Removed = YES: researchers may see it
  std::vector<std::string> sharedWith;  // other organisations whose clinicians may see it
};

struct Grant {
  int64_t id = 0;
  std::string studyUid;
  std::string grantee;  // user name or token ID of the legal reviewer
  int64_t createdAt = 0;
  std::string createdBy;
  int64_t expiresAt = 0;
  int64_t revokedAt = 0;
  std::string reason;  // e.g. the court case reference
};

class AccessStore {
 public:
  explicit AccessStore(SqlDatabase& db);  // creates the tables when missing; db must outlive the store

  // Tokens. Issue throws AccessError for an unknown role or an expiry not in the future (now = unix seconds).
  IssuedToken IssueToken(const std::string& label, const std::string& role, const std::string& organisation,
                         const std::string& subject, int64_t expiresAt, const std::string& createdBy, int64_t now);
  // Checks a presented secret; fills info when Valid (and, for Expired/Revoked, too).
  TokenCheck CheckToken(const std::string& secret, int64_t now, TokenInfo* info) const;
  bool RevokeToken(const std::string& id, const std::string& by, int64_t now);  // false when unknown
  std::vector<TokenInfo> ListTokens() const;
  std::optional<TokenInfo> FindToken(const std::string& id) const;

  // Studies. SetOrganisation keeps an existing organisation unless overwrite (an admin's change).
  void RecordStudy(const std::string& studyUid, const std::string& orthancStudyId, const std::string& organisation,
                   const std::string& origin, bool deidentified, bool overwrite);
  std::optional<StudyAccess> StudyByUid(const std::string& studyUid) const;
  std::optional<StudyAccess> StudyByOrthancId(const std::string& orthancStudyId) const;
  bool SetPublic(const std::string& studyUid, bool isPublic);  // false when the study is unknown
  bool Share(const std::string& studyUid, const std::string& organisation);
  bool Unshare(const std::string& studyUid, const std::string& organisation);
  void ForgetStudy(const std::string& studyUid);  // the study was deleted

  // Studies a clinician of organisation may see (own and shared), or a researcher (public or de-identified).
  std::vector<StudyAccess> StudiesOfOrganisation(const std::string& organisation) const;
  std::vector<StudyAccess> ResearchStudies() const;

  // The organisation of whoever made an upload, kept until its instances are stored (then RecordStudy with origin
  // "upload"). Implemented in UploadOrganisations.cpp; its table is created on first use.
  void RecordUploadOrganisation(const std::string& uploadId, const std::string& organisation);
  std::string UploadOrganisation(const std::string& uploadId) const;  // "" when unknown

  // Legal grants.
  Grant AddGrant(const std::string& studyUid, const std::string& grantee, int64_t expiresAt,
                 const std::string& createdBy, const std::string& reason, int64_t now);
  bool RevokeGrant(int64_t id, int64_t now);
  bool HasGrant(const std::string& grantee, const std::string& studyUid, int64_t now) const;  // active, unexpired
  std::vector<Grant> ListGrants(const std::string& grantee = "") const;

 private:
  SqlDatabase& db_;
};

}  // namespace va::archive
