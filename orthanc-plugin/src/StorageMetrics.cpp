#include "StorageMetrics.h"

#include <cctype>
#include <string>

#include "OrthancApi.h"
#include "PluginState.h"
#include "StorageScheduler.h"

namespace va::plugin {

namespace {

void Set(const std::string& name, int64_t value) {
  OrthancPluginSetMetricsValue(Context(), name.c_str(), static_cast<float>(value), OrthancPluginMetricsType_Default);
}

std::string MetricName(const std::string& tier) {
  std::string out;
  for (char c : tier) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

void Refresh() {
  try {
    auto state = State();
    if (!state || !state->store) return;
    for (const auto& t : state->store->Stats()) {
      const std::string base = "video_archive_tier_" + MetricName(t.tier) + "_";
      Set(base + "objects", t.objects);
      Set(base + "bytes", t.bytes);
      Set(base + "pending_copies", t.pending);
      Set(base + "corrupt_copies", t.corrupt);
    }
    if (state->storageScheduler) {
      const auto totals = state->storageScheduler->GetTotals();
      Set("video_archive_migration_runs", totals.migrationRuns);
      Set("video_archive_migration_copies", totals.copied);
      Set("video_archive_migration_freed", totals.freed);
      Set("video_archive_migration_failures", totals.copyFailures);
      Set("video_archive_migration_bytes", totals.bytesMigrated);
      Set("video_archive_fixity_runs", totals.scrubRuns);
      Set("video_archive_fixity_mismatches", totals.mismatches);
      Set("video_archive_fixity_repaired", totals.repaired);
      Set("video_archive_fixity_bytes", totals.bytesScrubbed);
      Set("video_archive_keys_rewrapped", totals.rewrapped);
    }
    Set("video_archive_legal_holds", static_cast<int64_t>(state->store->Holds(true).size()));
  } catch (const std::exception& e) {
    LogError(std::string("storage: cannot refresh metrics: ") + e.what());
  }
}

}  // namespace

void RegisterStorageMetrics(OrthancPluginContext* context) {
  OrthancPluginRegisterRefreshMetricsCallback(context, Refresh);
}

}  // namespace va::plugin
