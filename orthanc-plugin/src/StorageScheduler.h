// The archive's background work: migration passes by policy and fixity scrubbing, each on its own interval or on
// request, one at a time, on one thread; progress for REST and Prometheus metrics.
#pragma once

#include <json/json.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "va/archive/ObjectStore.h"

namespace va::plugin {

class StorageScheduler {
 public:
  StorageScheduler(archive::ObjectStore& store, double migrationIntervalSeconds, double scrubIntervalSeconds);
  ~StorageScheduler();
  StorageScheduler(const StorageScheduler&) = delete;
  StorageScheduler& operator=(const StorageScheduler&) = delete;

  void Start();
  void Stop();  // waits for the running pass to stop at its next check
  void RequestMigration();
  void RequestScrub();
  void RequestRewrap();

  Json::Value Progress() const;
  // Counters for metrics.
  struct Totals {
    int64_t migrationRuns = 0, copied = 0, freed = 0, copyFailures = 0, scrubRuns = 0, mismatches = 0, repaired = 0,
            rewrapped = 0, bytesMigrated = 0, bytesScrubbed = 0;
  };
  Totals GetTotals() const;

 private:
  void Loop();
  void RunMigration();
  void RunScrub();
  void RunRewrap();

  archive::ObjectStore& store_;
  double migrationInterval_;
  double scrubInterval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool migrationWanted_ = false, scrubWanted_ = false, rewrapWanted_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::string activity_;  // "migration", "scrub", "rewrap" or ""
  int64_t activityStartedAt_ = 0;
  archive::RunReport lastMigration_, lastScrub_;
  int64_t lastMigrationAt_ = 0, lastScrubAt_ = 0, lastRewrapAt_ = 0, lastRewrapCount_ = 0;
  std::string lastError_;
  Totals totals_;
};

Json::Value RunReportToJson(const archive::RunReport& report);

}  // namespace va::plugin
