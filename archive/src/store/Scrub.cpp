// Fixity (ObjectStore::Scrub): re-hash copies whose last check is older than the interval, oldest first; a copy that
// is missing or does not hash to the catalog's value is marked corrupt and rewritten from another verified copy;
// so is a copy a read already found corrupt.
#include <cmath>
#include <set>

#include "StoreImpl.h"

namespace va::archive {

using store::StopRequested;
using store::TransferError;

RunReport ObjectStore::Scrub(int64_t now, const std::function<bool()>& stop) {
  std::lock_guard<std::mutex> lock(impl_->runMutex);
  Impl& d = *impl_;
  RunReport report;
  store::RateLimiter limiter(d.settings.scrubBytesPerSecond, stop);
  const int64_t due = now - static_cast<int64_t>(std::llround(d.settings.scrubIntervalDays * 86400.0));
  std::set<std::string> unavailable;
  // Cursor over (checked_at, object_id, tier): every due copy is visited once per run.
  int64_t lastChecked = -1;
  std::string lastObject, lastTier;
  try {
    for (;;) {
      const auto r = d.catalog.Db().Run(
          "SELECT c.object_id, c.tier, c.checked_at FROM copies c JOIN objects o ON o.id = c.object_id "
          "WHERE c.state = 'verified' AND o.removed_at = 0 AND c.checked_at <= ? AND (c.checked_at > ? OR "
          "(c.checked_at = ? AND (c.object_id > ? OR (c.object_id = ? AND c.tier > ?)))) "
          "ORDER BY c.checked_at, c.object_id, c.tier LIMIT 200",
          {due, lastChecked, lastChecked, lastObject, lastObject, lastTier});
      if (r.rows.empty()) break;
      for (const auto& row : r.rows) {
        if (stop && stop()) throw StopRequested{};
        const std::string id = row.Text(0);
        const std::string tierName = row.Text(1);
        lastChecked = row.Int(2);
        lastObject = id;
        lastTier = tierName;
        Tier* tier = d.FindTier(tierName);
        if (tier == nullptr || unavailable.count(tierName) != 0) continue;
        const auto object = d.catalog.Object(id);
        if (!object) continue;
        ++report.examined;
        uint64_t size = 0;
        std::string problem;
        try {
          const std::string hash = d.HashOf(*tier, id, size, &limiter, stop);
          report.bytes += static_cast<int64_t>(size);
          if (size != object->storedSize || hash != object->storedSha256)
            problem = "expected " + object->storedSha256 + " (" + std::to_string(object->storedSize) + " bytes), got " +
                      hash + " (" + std::to_string(size) + " bytes)";
        } catch (const TierError& e) {
          if (e.kind() != TierError::Kind::NotFound) {
            if (e.kind() == TierError::Kind::Unavailable) unavailable.insert(tierName);
            store::AddError(report, store::Cat({"object ", id, ", tier ", tierName, ": ", e.what()}));
            continue;
          }
          problem = "expected " + object->storedSha256 + ", got nothing: the copy is missing";
        }
        if (problem.empty()) {
          d.catalog.MarkChecked(id, tierName, now);
          continue;
        }
        ++report.mismatches;
        d.ForgetDecryptor(id);
        d.MarkCorrupt(id, tierName, problem, now);
        store::AddError(report, store::Cat({"object ", id, ", tier ", tierName, ": ", problem}));
        try {
          if (d.WriteCopy(*object, tierName, object->retainUntil, limiter, stop, now, report, "repaired"))
            ++report.repaired;
        } catch (const TransferError&) {
          unavailable.insert(tierName);
        }
      }
    }
    // Copies already known to be corrupt (a read found a chunk that failed authentication, or an earlier repair
    // could not be written): report them in this run and rewrite them from a verified copy.
    const auto corrupt = d.catalog.Db().Run(
        "SELECT c.object_id, c.tier FROM copies c JOIN objects o ON o.id = c.object_id "
        "WHERE c.state = 'corrupt' AND o.removed_at = 0 ORDER BY c.object_id, c.tier LIMIT 1000");
    for (const auto& row : corrupt.rows) {
      if (stop && stop()) throw StopRequested{};
      const std::string id = row.Text(0);
      const std::string tierName = row.Text(1);
      if (d.FindTier(tierName) == nullptr || unavailable.count(tierName) != 0) continue;
      const auto object = d.catalog.Object(id);
      if (!object) continue;
      ++report.examined;
      try {
        // Counted when it can be repaired; one with no verified copy left was reported when it was found.
        if (d.WriteCopy(*object, tierName, object->retainUntil, limiter, stop, now, report, "repaired")) {
          ++report.mismatches;
          ++report.repaired;
          store::AddError(report, store::Cat({"object ", id, ", tier ", tierName, ": corrupt copy repaired"}));
        }
      } catch (const TransferError&) {
        unavailable.insert(tierName);
      }
    }
  } catch (const StopRequested&) {
    store::AddError(report, "stopped");
  }
  return report;
}

}  // namespace va::archive
