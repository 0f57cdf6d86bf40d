// Removal (ObjectStore::Remove, RemovalBlocker) and start-up recovery (ObjectStore::Recover): an object is first
// marked removed (invisible to readers), then its copies are freed tier by tier; what a tier refuses or misses stays
// "freeing" and is retried by Recover and by every migration run.
#include <ctime>

#include "StoreImpl.h"

namespace va::archive {

using store::CopyRow;

std::string ObjectStore::RemovalBlocker(const std::string& id, int64_t now) {
  const auto object = impl_->catalog.Object(id);
  if (!object || object->removedAt != 0) return "";
  if (const auto hold = impl_->HoldCoveringFacts(object->facts)) {
    return "legal hold " + std::to_string(hold->id) + " on " + hold->level + " " + hold->uid + " set by " +
           hold->author + " on " + store::FormatDate(hold->setAt) + ": " + hold->reason;
  }
  if (impl_->settings.worm && object->retainUntil > now)
    return "retained until " + store::FormatDate(object->retainUntil);
  return "";
}

void ObjectStore::Remove(const std::string& id, int64_t now) {
  std::vector<CopyRow> copies;
  impl_->catalog.Db().Transaction([&] {
    const auto object = impl_->catalog.Object(id);
    if (!object) throw StoreError(StoreError::Kind::NotFound, "no object " + id);
    if (object->removedAt == 0) {
      if (const auto hold = impl_->HoldCoveringFacts(object->facts)) {
        throw StoreError(StoreError::Kind::Refused, "object " + id + " cannot be removed: legal hold " +
                                                        std::to_string(hold->id) + " set by " + hold->author + " on " +
                                                        store::FormatDate(hold->setAt) + ": " + hold->reason);
      }
      if (impl_->settings.worm && object->retainUntil > now)
        throw StoreError(StoreError::Kind::Refused, "object " + id + " cannot be removed: retained until " +
                                                        store::FormatDate(object->retainUntil) + " (WORM)");
      impl_->catalog.Db().Run("UPDATE objects SET removed_at = ? WHERE id = ?", {now, id});
    }
    impl_->catalog.Db().Run("UPDATE copies SET state = 'freeing' WHERE object_id = ?", {id});
    copies = impl_->catalog.Copies(id);
    std::string tiers;
    for (const auto& c : copies) tiers += (tiers.empty() ? "" : ", ") + c.tier;
    impl_->catalog.LogEvent(id, "removed", "copies in " + (tiers.empty() ? std::string("no tier") : tiers), now);
  });
  impl_->ForgetDecryptor(id);
  for (const auto& copy : copies) impl_->FreeCopy(id, copy.tier, "object removed", now, nullptr);
  impl_->catalog.Db().Transaction([&] {
    if (impl_->catalog.Copies(id).empty()) impl_->catalog.Db().Run("DELETE FROM objects WHERE id = ?", {id});
  });
}

bool ObjectStore::Impl::FreeCopy(const std::string& objectId, const std::string& tierName, const std::string& why,
                                 int64_t now, RunReport* report) {
  Tier* tier = FindTier(tierName);
  if (tier == nullptr) {
    catalog.DeferFree(objectId, tierName, now, "tier " + tierName + " is not configured");
    return false;
  }
  try {
    tier->Remove(objectId);
  } catch (const TierError& e) {
    const bool locked = e.kind() == TierError::Kind::Refused;
    catalog.DeferFree(objectId, tierName, now + static_cast<int64_t>(settings.retryMaxSeconds), e.what());
    catalog.LogEvent(objectId, locked ? "free-refused" : "free-failed", "tier " + tierName + ": " + e.what(), now);
    if (report) store::AddError(*report, "object " + objectId + ", tier " + tierName + ": " + e.what());
    return false;
  }
  catalog.DeleteCopy(objectId, tierName);
  catalog.LogEvent(objectId, "freed", "tier " + tierName + ": " + why, now);
  return true;
}

void ObjectStore::Impl::FinishRemovals(int64_t now, RunReport* report, bool includeWriting) {
  std::vector<CopyRow> leftovers = catalog.CopiesInState("freeing");
  if (includeWriting) {
    auto writing = catalog.CopiesInState("writing");
    leftovers.insert(leftovers.end(), writing.begin(), writing.end());
  }
  for (const auto& copy : leftovers) {
    if (copy.state == "freeing" && copy.nextAttemptAt > now && report != nullptr) continue;
    if (copy.state == "writing") {
      // Interrupted write: whatever landed is not trusted.
      Tier* tier = FindTier(copy.tier);
      try {
        if (tier) tier->Remove(copy.objectId);
        catalog.Db().Run("DELETE FROM copies WHERE object_id = ? AND tier = ? AND state = 'writing'",
                         {copy.objectId, copy.tier});
        catalog.LogEvent(copy.objectId, "recovered", "unfinished copy in tier " + copy.tier + " removed", now);
      } catch (const TierError& e) {
        if (report) store::AddError(*report, e.what());
      }
      continue;
    }
    FreeCopy(copy.objectId, copy.tier, "removal finished", now, report);
  }
  catalog.Db().Run(
      "DELETE FROM objects WHERE removed_at > 0 AND NOT EXISTS (SELECT 1 FROM copies c WHERE c.object_id = "
      "objects.id)");
  // Failed attempts for objects removed meanwhile (nothing was written: there was no source left).
  catalog.Db().Run(
      "DELETE FROM copies WHERE state = 'failed' AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = "
      "copies.object_id)");
}

// Orphans of interrupted creates: the intent is claimed (deleted) and the copy removed in one transaction, so a
// Create still running elsewhere (another process sharing the catalog) cannot record its object meanwhile, and a
// tier that does not answer rolls the claim back for a later attempt. A copy the catalog knows (the hot tier of an
// earlier configuration that received a migrated copy since) is not the orphan and stays.
size_t ObjectStore::Impl::CleanCreateIntents(int64_t now, std::string& cleaned) {
  size_t left = 0;
  size_t count = 0;
  for (const auto& intent : catalog.CreateIntents()) {
    Tier* tier = FindTier(intent.tier);
    if (tier == nullptr) {
      ++left;  // kept until the tier is configured again
      continue;
    }
    bool removed = false;
    try {
      catalog.Db().Transaction([&] {
        if (!catalog.EndCreate(intent.objectId, intent.tier)) return;  // recorded or cleaned meanwhile
        if (catalog.Copy(intent.objectId, intent.tier)) return;
        tier->Remove(intent.objectId);
        removed = true;
      });
    } catch (const std::exception&) {
      ++left;
      continue;
    }
    if (!removed) continue;
    catalog.LogEvent(intent.objectId, "recovered",
                     "unrecorded copy in tier " + intent.tier + " of an interrupted create removed", now);
    constexpr size_t kNamed = 20;  // the log line names the first ones
    if (++count <= kNamed) {
      cleaned += store::Cat({cleaned.empty() ? "" : ", ", intent.objectId, " (tier ", intent.tier, ")"});
    } else if (count == kNamed + 1) {
      cleaned += ", ...";
    }
  }
  return left;
}

std::string ObjectStore::Recover() {
  std::lock_guard<std::mutex> lock(impl_->runMutex);
  const auto writing = impl_->catalog.CopiesInState("writing").size();
  const auto freeing = impl_->catalog.CopiesInState("freeing").size();
  const auto creating = impl_->catalog.CreateIntents().size();
  std::string cleaned;
  const size_t creatingLeft = impl_->CleanCreateIntents(static_cast<int64_t>(std::time(nullptr)), cleaned);
  impl_->FinishRemovals(0, nullptr, true);
  const auto left =
      impl_->catalog.CopiesInState("writing").size() + impl_->catalog.CopiesInState("freeing").size() + creatingLeft;
  return "object store recovery: " + std::to_string(writing) + " unfinished copies, " + std::to_string(freeing) +
         " unfinished removals and " + std::to_string(creating) + " interrupted creates found" +
         (cleaned.empty() ? std::string() : " (orphans removed: " + cleaned + ")") + ", " + std::to_string(left) +
         " left for a later attempt";
}

}  // namespace va::archive
