// The audit trail: append-only, hash-chained records of every access and change, with signed checkpoints.
//
// Each record's hash is SHA-256 over its predecessor's hash and a canonical encoding of its own fields, so editing,
// deleting or reordering any record breaks the chain from there on. Every `checkpointEvery` records (and on request)
// a checkpoint signs (sequence number, chain hash, time) with an Ed25519 key (OpenSSL 3); a truncation that removes
// records a checkpoint covered is then detected too. Records after the newest checkpoint are covered by the chain
// only: Verify() says how many. Stored through SqlDatabase (SQLite embedded, PostgreSQL for scale-out).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "va/archive/SqlDatabase.h"

namespace va::archive {

class AuditError : public std::runtime_error {
 public:
  explicit AuditError(const std::string& reason) : std::runtime_error(reason) {}
};

// What happened; the trail adds sequence number, time and hashes.
struct AuditEvent {
  std::string actor;          // user name or token ID ("anonymous" when no credentials); DIMSE: calling AE title
  std::string role;           // admin, clinician, researcher, legal, recorder, auditor; "" when not authenticated
  std::string organisation;   // the actor's organisation
  std::string sourceAddress;  // client IP address
  std::string action;         // e.g. "GET /studies/{id}", "C-STORE", "token.issue"
  std::string resource;       // the URI or object acted on
  std::string studyUid;       // Study Instance UID concerned, when known ("" otherwise)
  std::string outcome;        // "allowed", "refused", "success", "failure"
  std::string detail;         // why refused, or other short free text
};

struct AuditRecord {
  int64_t sequence = 0;    // 1, 2, 3 ... without gaps
  int64_t timeMicros = 0;  // unix time, microseconds
  AuditEvent event;
  std::string previousHash;  // 64 hex digits; the first record's is 64 zeros
  std::string hash;          // 64 hex digits

  std::string IsoTime() const;  // "2026-11-28T11:24:25.123456Z"
};

struct AuditCheckpoint {
  int64_t sequence = 0;  // last record covered
  std::string hash;      // that record's chain hash
  int64_t timeMicros = 0;
  std::string keyId;      // SHA-256 (hex, first 16 digits) of the public key
  std::string signature;  // Ed25519 over CheckpointMessage(), base64
};

struct AuditProblem {
  int64_t sequence = 0;  // where (record or checkpoint sequence number)
  std::string what;      // "record 17 was edited: its hash does not match its content" ...
};

struct AuditVerification {
  bool intact = true;
  int64_t records = 0;
  int64_t checkpoints = 0;
  int64_t lastSequence = 0;
  int64_t lastCheckpointSequence = 0;
  int64_t uncheckpointedRecords = 0;  // records after the newest checkpoint (chain-protected, not yet signed)
  std::vector<AuditProblem> problems;
};

struct AuditQuery {
  int64_t afterSequence = 0;  // records with sequence > this
  int64_t fromMicros = 0;     // 0 = no lower bound
  int64_t toMicros = 0;       // 0 = no upper bound
  std::string actor;          // "" = any
  std::string studyUid;       // "" = any
  int limit = 1000;
};

// The Ed25519 key that signs checkpoints. The private key file is PEM (PKCS#8), mode 0600 or 0400; it is created
// when missing.
class AuditSigner {
 public:
  static AuditSigner LoadOrCreate(const std::string& privateKeyPemPath);
  static AuditSigner FromPrivateKeyPem(const std::string& pem);  // for tests
  ~AuditSigner();
  AuditSigner(AuditSigner&&) noexcept;
  AuditSigner& operator=(AuditSigner&&) noexcept;
  AuditSigner(const AuditSigner&) = delete;
  AuditSigner& operator=(const AuditSigner&) = delete;

  std::string Sign(const std::string& message) const;  // base64 signature
  std::string PublicKeyPem() const;
  std::string KeyId() const;

 private:
  AuditSigner() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Verifies an Ed25519 signature (base64) with a PEM public key; false for any malformed input.
bool VerifyAuditSignature(const std::string& publicKeyPem, const std::string& message, const std::string& signature);

// What a checkpoint signs: "va-audit-checkpoint\n<sequence>\n<hash>\n<timeMicros>".
std::string CheckpointMessage(int64_t sequence, const std::string& hash, int64_t timeMicros);

class AuditTrail {
 public:
  // Creates the tables when missing (audit_records, audit_checkpoints) and reads the chain head. The database must
  // outlive the trail.
  AuditTrail(SqlDatabase& db, AuditSigner signer, int checkpointEvery = 1000);
  ~AuditTrail();
  AuditTrail(const AuditTrail&) = delete;
  AuditTrail& operator=(const AuditTrail&) = delete;

  // Appends one record durably (committed before it returns) and returns it. Thread-safe. Throws AuditError.
  AuditRecord Append(const AuditEvent& event);

  // Signs the current head now (no-op returning the last checkpoint when nothing was appended since).
  std::optional<AuditCheckpoint> Checkpoint();

  // Re-reads every record and checkpoint from the database and checks the chain, the sequence numbers and every
  // signature (with this trail's public key, or with publicKeyPem when given: an auditor's offline copy).
  AuditVerification Verify(const std::string& publicKeyPem = "") const;

  std::vector<AuditRecord> Query(const AuditQuery& query) const;
  std::vector<AuditCheckpoint> Checkpoints() const;
  std::string PublicKeyPem() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One record as a DICOM audit message (PS3.15 A.5 schema, as IHE ATNA uses): an XML <AuditMessage> with
// EventIdentification (EventID / EventActionCode / EventOutcomeIndicator chosen from the action), ActiveParticipant
// (the actor, with the source address as NetworkAccessPointID), AuditSourceIdentification (auditSourceId) and a
// ParticipantObjectIdentification for the study when studyUid is set. Values are XML-escaped.
std::string ToDicomAuditMessage(const AuditRecord& record, const std::string& auditSourceId);

// A syslog message (RFC 5424, as RFC 5425/5426 carry it): "<PRI>1 TIMESTAMP HOST APP - - - XML", facility 10
// (authpriv), severity notice (or warning for refusals).
std::string ToSyslogMessage(const AuditRecord& record, const std::string& hostName, const std::string& appName,
                            const std::string& auditSourceId);

// Sends syslog messages over UDP (RFC 5426) to host:port; best effort, never throws from Send (returns false).
class SyslogSender {
 public:
  SyslogSender(const std::string& host, int port);  // throws AuditError when the address cannot be resolved
  ~SyslogSender();
  SyslogSender(const SyslogSender&) = delete;
  SyslogSender& operator=(const SyslogSender&) = delete;
  bool Send(const std::string& message);

 private:
  int socket_ = -1;
  std::vector<unsigned char> address_;  // sockaddr storage
};

}  // namespace va::archive
