// Retention and legal holds: patients' visits raise the retention of all their objects, holds block removal at the
// patient, study, series or instance level, Expired lists what a disposition run may remove.
#include <algorithm>

#include "StoreImpl.h"

namespace va::archive {

namespace {

const char* kHoldColumns = "id, level, uid, reason, author, set_at, released_at, release_reason, released_by";

// Active holds covering an object with these facts (an empty fact matches no hold: holds never have an empty uid).
const char* kCoveringCondition =
    "released_at = 0 AND ((level = 'patient' AND uid = ?) OR (level = 'study' AND uid = ?) OR "
    "(level = 'series' AND uid = ?) OR (level = 'instance' AND uid = ?))";

std::vector<HoldRecord> HoldsFrom(const SqlResult& r) {
  std::vector<HoldRecord> holds;
  for (const auto& row : r.rows) {
    HoldRecord h;
    h.id = row.Int(0);
    h.level = row.Text(1);
    h.uid = row.Text(2);
    h.reason = row.Text(3);
    h.author = row.Text(4);
    h.setAt = row.Int(5);
    h.releasedAt = row.Int(6);
    h.releaseReason = row.Text(7);
    h.releasedBy = row.Text(8);
    holds.push_back(std::move(h));
  }
  return holds;
}

std::string Orphan(const std::string& value) {
  return value.empty() ? std::string("\x01") : value;
}

}  // namespace

std::vector<HoldRecord> ObjectStore::Impl::HoldsCoveringFacts(const ObjectFacts& facts) {
  return HoldsFrom(catalog.Db().Run(
      std::string("SELECT ") + kHoldColumns + " FROM holds WHERE " + kCoveringCondition + " ORDER BY id",
      {Orphan(facts.patientId), Orphan(facts.studyUid), Orphan(facts.seriesUid), Orphan(facts.sopInstanceUid)}));
}

std::optional<HoldRecord> ObjectStore::Impl::HoldCoveringFacts(const ObjectFacts& facts) {
  auto holds = HoldsCoveringFacts(facts);
  if (holds.empty()) return std::nullopt;
  return holds.front();
}

std::pair<int64_t, int64_t> ObjectStore::Impl::RecordVisitInTransaction(const std::string& organisation,
                                                                        const std::string& patientId, int64_t visitDate,
                                                                        int64_t now) {
  SqlDatabase& db = catalog.Db();
  const auto r = db.Run("SELECT last_visit, retain_until FROM patients WHERE organisation = ? AND patient_id = ?",
                        {organisation, patientId});
  const int64_t oldVisit = r.rows.empty() ? 0 : r.rows.front().Int(0);
  const int64_t oldRetention = r.rows.empty() ? 0 : r.rows.front().Int(1);
  const int64_t lastVisit = std::max(oldVisit, visitDate);
  // The patient's part of retention counts from the visit only (creation-based rules are per object).
  const int64_t retention =
      lastVisit > 0 ? RetainUntil(settings.retention, settings.jurisdictions, organisation, lastVisit, 0) : 0;
  const int64_t newRetention = std::max(oldRetention, retention);
  if (r.rows.empty()) {
    db.Run("INSERT INTO patients (organisation, patient_id, last_visit, retain_until) VALUES (?, ?, ?, ?)",
           {organisation, patientId, lastVisit, newRetention});
  } else if (lastVisit != oldVisit || newRetention != oldRetention) {
    db.Run("UPDATE patients SET last_visit = ?, retain_until = ? WHERE organisation = ? AND patient_id = ?",
           {lastVisit, newRetention, organisation, patientId});
  }
  int64_t changed = 0;
  if (newRetention > 0) {
    changed = db.Run(
                    "UPDATE objects SET retain_until = ? WHERE organisation = ? AND patient_id = ? AND removed_at = 0 "
                    "AND retain_until < ?",
                    {newRetention, organisation, patientId, newRetention})
                  .changes;
  }
  if (changed > 0 || lastVisit != oldVisit) {
    catalog.LogEvent("", "visit",
                     "patient " + patientId + " of organisation " +
                         (organisation.empty() ? "(default)" : organisation) + ": last visit " +
                         store::FormatDate(lastVisit) + ", retained until " +
                         (newRetention > 0 ? store::FormatDate(newRetention) : std::string("(no rule)")) + ", " +
                         std::to_string(changed) + " objects extended",
                     now);
  }
  return {changed, newRetention};
}

int64_t ObjectStore::RecordVisit(const std::string& organisation, const std::string& patientId, int64_t visitDate,
                                 int64_t now) {
  if (patientId.empty()) return 0;
  int64_t changed = 0;
  impl_->catalog.Db().Transaction(
      [&] { changed = impl_->RecordVisitInTransaction(organisation, patientId, visitDate, now).first; });
  return changed;
}

int64_t ObjectStore::SetHold(const std::string& level, const std::string& uid, const std::string& reason,
                             const std::string& author, int64_t now) {
  if (level != "patient" && level != "study" && level != "series" && level != "instance")
    throw StoreError(StoreError::Kind::Refused,
                     "unknown hold level '" + level + "' (patient, study, series or instance)");
  if (uid.empty()) throw StoreError(StoreError::Kind::Refused, "a legal hold needs the " + level + "'s identifier");
  if (reason.empty() || author.empty())
    throw StoreError(StoreError::Kind::Refused, "a legal hold needs a reason and an author");
  int64_t id = 0;
  for (int attempt = 0;; ++attempt) {
    try {
      impl_->catalog.Db().Transaction([&] {
        id = impl_->catalog.Db().Run("SELECT COALESCE(MAX(id), 0) FROM holds").rows.front().Int(0) + 1;
        impl_->catalog.Db().Run("INSERT INTO holds (id, level, uid, reason, author, set_at) VALUES (?, ?, ?, ?, ?, ?)",
                                {id, level, uid, reason, author, now});
        impl_->catalog.LogEvent(
            "", "hold-set",
            store::Cat({"hold ", std::to_string(id), " on ", level, " ", uid, " by ", author, ": ", reason}), now);
      });
      return id;
    } catch (const SqlError&) {
      if (attempt >= 4) throw;  // another process took the same ID: try the next one
    }
  }
}

void ObjectStore::ReleaseHold(int64_t holdId, const std::string& reason, const std::string& author, int64_t now) {
  if (reason.empty() || author.empty())
    throw StoreError(StoreError::Kind::Refused, "releasing a legal hold needs a reason and an author");
  impl_->catalog.Db().Transaction([&] {
    const auto r = impl_->catalog.Db().Run("SELECT released_at, level, uid FROM holds WHERE id = ?", {holdId});
    if (r.rows.empty()) throw StoreError(StoreError::Kind::NotFound, "no legal hold " + std::to_string(holdId));
    if (r.rows.front().Int(0) != 0)
      throw StoreError(StoreError::Kind::Refused, "legal hold " + std::to_string(holdId) + " was already released");
    impl_->catalog.Db().Run(
        "UPDATE holds SET released_at = ?, release_reason = ?, released_by = ? WHERE id = ? AND released_at = 0",
        {now, reason, author, holdId});
    impl_->catalog.LogEvent("", "hold-released",
                            "hold " + std::to_string(holdId) + " on " + r.rows.front().Text(1) + " " +
                                r.rows.front().Text(2) + " released by " + author + ": " + reason,
                            now);
  });
}

std::vector<HoldRecord> ObjectStore::Holds(bool activeOnly) {
  return HoldsFrom(impl_->catalog.Db().Run(std::string("SELECT ") + kHoldColumns + " FROM holds" +
                                           (activeOnly ? " WHERE released_at = 0" : "") + " ORDER BY id"));
}

std::optional<HoldRecord> ObjectStore::HoldCovering(const ObjectFacts& facts) {
  return impl_->HoldCoveringFacts(facts);
}

int64_t ObjectStore::RetentionOfStudy(const std::string& studyUid) {
  const auto r = impl_->catalog.Db().Run(
      "SELECT COALESCE(MAX(retain_until), 0) FROM objects WHERE study_uid = ? AND removed_at = 0", {studyUid});
  return r.rows.empty() ? 0 : r.rows.front().Int(0);
}

std::vector<std::string> ObjectStore::Expired(int64_t now, size_t limit) {
  // retain_until = 0: no retention rule applies, so disposition never removes the object on its own.
  const auto r = impl_->catalog.Db().Run(
      "SELECT o.id FROM objects o WHERE o.removed_at = 0 AND o.retain_until > 0 AND o.retain_until < ? AND NOT "
      "EXISTS (SELECT 1 FROM holds h WHERE h.released_at = 0 AND ((h.level = 'patient' AND h.uid = o.patient_id) OR "
      "(h.level = 'study' AND h.uid = o.study_uid) OR (h.level = 'series' AND h.uid = o.series_uid) OR "
      "(h.level = 'instance' AND h.uid = o.sop_uid))) ORDER BY o.retain_until, o.id LIMIT ?",
      {now, static_cast<int64_t>(limit)});
  std::vector<std::string> ids;
  for (const auto& row : r.rows) ids.push_back(row.Text(0));
  return ids;
}

}  // namespace va::archive
