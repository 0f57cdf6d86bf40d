// The storage catalog's schema and queries (private to the object store). Portable SQL over SqlDatabase: '?'
// placeholders, BIGINT/TEXT columns, explicit IDs. Every time is unix seconds.
//
// objects.retain_until is the object's effective retention: the rules applied at creation, raised (never lowered)
// whenever a later visit of its patient raises patients.retain_until. 0 means no retention rule applies: such an
// object never expires by disposition (Expired() skips it) and only a hold blocks its removal.
// objects.removed_at > 0 marks an object being removed: it is invisible to readers while its copies are freed.
//
// creating holds the intents of Create: a row (object ID, hot tier) is committed before the first byte is written to
// the tier and deleted in the transaction that records the object. A row left behind names a tier copy nobody
// knows about (a crash between the write and the commit): Recover removes that copy and the row. A separate table
// rather than an objects row in a "creating" state, so that no reader of objects has to learn to skip it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "va/archive/Policy.h"
#include "va/archive/SqlDatabase.h"

namespace va::archive::store {

struct ObjectRow {
  std::string id;
  int contentType = 0;
  uint64_t size = 0;
  uint64_t storedSize = 0;
  std::string sha256, storedSha256, keyId, wrappedKeyHex;
  int64_t createdAt = 0, lastAccessAt = 0, retainUntil = 0, removedAt = 0;
  ObjectFacts facts;
};

struct CopyRow {
  std::string objectId, tier, state;  // writing | verified | corrupt | failed | freeing
  int64_t verifiedAt = 0, checkedAt = 0, nextAttemptAt = 0, retainApplied = 0;
  int failures = 0;
  std::string lastError;
};

struct CreateIntent {
  std::string objectId, tier;
  int64_t startedAt = 0;
};

class StorageCatalog {
 public:
  explicit StorageCatalog(std::unique_ptr<SqlDatabase> db);
  SqlDatabase& Db() { return *db_; }

  std::optional<ObjectRow> Object(const std::string& id);
  // Objects not being removed with id > afterId, by id.
  std::vector<ObjectRow> ObjectsAfter(const std::string& afterId, size_t limit);
  std::vector<ObjectRow> ObjectsOfStudy(const std::string& studyUid);
  void InsertObject(const ObjectRow& object);

  std::vector<CopyRow> Copies(const std::string& objectId);
  std::optional<CopyRow> Copy(const std::string& objectId, const std::string& tier);
  // Creates or re-arms the copy in state "writing".
  void BeginCopy(const std::string& objectId, const std::string& tier, int64_t now);
  void InsertVerifiedCopy(const std::string& objectId, const std::string& tier, int64_t now, int64_t retainApplied);
  // Compare-and-set of the state; false when the copy is no longer in state `from`.
  bool SetState(const std::string& objectId, const std::string& tier, const std::string& from, const std::string& to,
                const std::string& lastError = "");
  bool MarkVerified(const std::string& objectId, const std::string& tier, int64_t now, int64_t retainApplied);
  void MarkFailed(const std::string& objectId, const std::string& tier, int failures, int64_t nextAttemptAt,
                  const std::string& error);
  void MarkChecked(const std::string& objectId, const std::string& tier, int64_t now);
  void SetRetainApplied(const std::string& objectId, const std::string& tier, int64_t retainUntil);
  void DeferFree(const std::string& objectId, const std::string& tier, int64_t nextAttemptAt, const std::string& error);
  void DeleteCopy(const std::string& objectId, const std::string& tier);
  std::vector<CopyRow> CopiesInState(const std::string& state);

  // Create's intent (see above). BeginCreate takes over a leftover of the same object and tier (a retry after a
  // crash); EndCreate returns false when no intent was there any more (a recovery cleaned it meanwhile).
  void BeginCreate(const std::string& objectId, const std::string& tier, int64_t now);
  bool EndCreate(const std::string& objectId, const std::string& tier);
  std::vector<CreateIntent> CreateIntents();

  void LogEvent(const std::string& objectId, const std::string& kind, const std::string& detail, int64_t now);

  static std::vector<CopyRow> CopiesFrom(const SqlResult& result, size_t firstColumn);
  static ObjectRow ObjectFrom(const SqlRow& row);
  static const char* ObjectColumns();  // "o.id, o.content_type, ..." for ObjectFrom

 private:
  std::unique_ptr<SqlDatabase> db_;
};

std::string ToHex(const std::string& raw);
std::string FromHex(const std::string& hex);
std::string FormatDate(int64_t unixSeconds);  // YYYY-MM-DD (UTC)
// Joins the parts in one allocation (messages built inside loops).
std::string Cat(std::initializer_list<std::string_view> parts);

}  // namespace va::archive::store
