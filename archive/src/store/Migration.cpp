// Migration (ObjectStore::Plan, ObjectStore::Migrate): bring every object's verified copies to where the placement
// rules want them — copy and verify first, free what is no longer wanted only afterwards.
#include <algorithm>
#include <set>

#include "StoreImpl.h"

namespace va::archive {

using store::CopyRow;
using store::ObjectRow;
using store::StopRequested;
using store::TransferError;

namespace {

constexpr size_t kPage = 200;

Placement PlacementOf(const StoreSettings& settings, const std::vector<TierPlace>& places, const ObjectRow& object,
                      int64_t now) {
  ObjectAge age;
  age.size = object.size;
  age.createdAt = object.createdAt;
  age.lastAccessAt = object.lastAccessAt;
  return DecidePlacement(settings.rules, places, settings.jurisdictions, settings.hotTier, object.facts, age, now);
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::vector<PlannedMove> ObjectStore::Plan(int64_t now, size_t limit) {
  std::vector<PlannedMove> moves;
  const auto places = impl_->Places();
  std::string after;
  while (moves.size() < limit) {
    const auto page = impl_->catalog.ObjectsAfter(after, kPage);
    if (page.empty()) break;
    for (const auto& object : page) {
      after = object.id;
      const Placement placement = PlacementOf(impl_->settings, places, object, now);
      std::vector<std::string> from;
      for (const auto& copy : impl_->VerifiedCopies(object.id)) from.push_back(copy.tier);
      auto sortedFrom = from;
      auto sortedTo = placement.tiers;
      std::sort(sortedFrom.begin(), sortedFrom.end());
      std::sort(sortedTo.begin(), sortedTo.end());
      if (sortedFrom == sortedTo) continue;
      moves.push_back({object.id, from, placement.tiers, placement.rule, placement.note});
      if (moves.size() >= limit) break;
    }
  }
  return moves;
}

RunReport ObjectStore::Migrate(int64_t now, const std::function<bool()>& stop) {
  std::lock_guard<std::mutex> lock(impl_->runMutex);
  Impl& d = *impl_;
  RunReport report;
  store::RateLimiter limiter(d.settings.migrationBytesPerSecond, stop);
  const auto places = d.Places();
  std::set<std::string> unavailable;  // tiers that did not answer in this run
  try {
    d.FinishRemovals(now, &report, false);
    std::string after;
    for (;;) {
      const auto page = d.catalog.ObjectsAfter(after, kPage);
      if (page.empty()) break;
      for (const auto& object : page) {
        if (stop && stop()) throw StopRequested{};
        after = object.id;
        ++report.examined;
        const Placement placement = PlacementOf(d.settings, places, object, now);
        auto copies = d.catalog.Copies(object.id);
        auto find = [&](const std::string& tier) -> const CopyRow* {
          for (const auto& c : copies) {
            if (c.tier == tier) return &c;
          }
          return nullptr;
        };
        // 1. Copy to every wanted tier that lacks a verified copy.
        bool complete = true;
        for (const auto& target : placement.tiers) {
          const CopyRow* copy = find(target);
          if (copy != nullptr && copy->state == "verified") continue;
          complete = false;
          if (d.FindTier(target) == nullptr || unavailable.count(target) != 0) continue;
          if (copy != nullptr && (copy->state == "freeing" || copy->nextAttemptAt > now)) continue;
          try {
            if (d.WriteCopy(object, target, object.retainUntil, limiter, stop, now, report, "copied")) ++report.copied;
          } catch (const TransferError&) {  // the target did not answer: recorded, skipped for this run
            unavailable.insert(target);
          }
        }
        copies = d.catalog.Copies(object.id);
        if (!complete) {
          complete = std::all_of(placement.tiers.begin(), placement.tiers.end(), [&](const std::string& tier) {
            const CopyRow* c = find(tier);
            return c != nullptr && c->state == "verified";
          });
        }
        // 2. Write-once retention of verified copies follows the object's (a later visit may have raised it).
        for (const auto& copy : copies) {
          if (copy.state != "verified" || copy.retainApplied >= object.retainUntil) continue;
          Tier* tier = d.FindTier(copy.tier);
          if (tier == nullptr || unavailable.count(copy.tier) != 0) continue;
          try {
            tier->ExtendRetention(object.id, object.retainUntil);
            d.catalog.SetRetainApplied(object.id, copy.tier, object.retainUntil);
          } catch (const TierError& e) {
            if (e.kind() == TierError::Kind::Unavailable) unavailable.insert(copy.tier);
            store::AddError(report,
                            "object " + object.id + ", tier " + copy.tier + ": extending retention: " + e.what());
          }
        }
        // 3. Free copies the placement no longer wants, only once every wanted copy is verified.
        if (!complete) continue;
        for (const auto& copy : copies) {
          if (Contains(placement.tiers, copy.tier)) continue;
          if (copy.state == "freeing" || (copy.nextAttemptAt > now && copy.state == "verified")) continue;
          if (unavailable.count(copy.tier) != 0) continue;
          if (!d.catalog.SetState(object.id, copy.tier, copy.state, "freeing", copy.lastError)) continue;
          if (d.FreeCopy(object.id, copy.tier,
                         "placement " + placement.rule + " wants " + std::to_string(placement.tiers.size()) + " cop" +
                             (placement.tiers.size() == 1 ? "y" : "ies") + " elsewhere",
                         now, &report)) {
            ++report.freed;
          } else {
            // Kept (object lock, tier trouble): back to what it was; retried after the back-off.
            d.catalog.SetState(object.id, copy.tier, "freeing", copy.state, copy.lastError);
          }
        }
      }
    }
  } catch (const StopRequested&) {
    store::AddError(report, "stopped");
  }
  return report;
}

}  // namespace va::archive
