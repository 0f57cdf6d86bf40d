#include "StorageScheduler.h"

#include <chrono>

#include "OrthancApi.h"
#include "StorageArea.h"

namespace va::plugin {

Json::Value RunReportToJson(const archive::RunReport& r) {
  Json::Value v;
  v["Examined"] = static_cast<Json::Int64>(r.examined);
  v["Copied"] = static_cast<Json::Int64>(r.copied);
  v["Freed"] = static_cast<Json::Int64>(r.freed);
  v["Failed"] = static_cast<Json::Int64>(r.failed);
  v["Mismatches"] = static_cast<Json::Int64>(r.mismatches);
  v["Repaired"] = static_cast<Json::Int64>(r.repaired);
  v["Bytes"] = static_cast<Json::Int64>(r.bytes);
  v["Errors"] = Json::arrayValue;
  for (const auto& e : r.errors) v["Errors"].append(e);
  return v;
}

StorageScheduler::StorageScheduler(archive::ObjectStore& store, double migrationIntervalSeconds,
                                   double scrubIntervalSeconds)
    : store_(store), migrationInterval_(migrationIntervalSeconds), scrubInterval_(scrubIntervalSeconds) {}

StorageScheduler::~StorageScheduler() {
  Stop();
}

void StorageScheduler::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void StorageScheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StorageScheduler::RequestMigration() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    migrationWanted_ = true;
  }
  wake_.notify_all();
}

void StorageScheduler::RequestScrub() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    scrubWanted_ = true;
  }
  wake_.notify_all();
}

void StorageScheduler::RequestRewrap() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    rewrapWanted_ = true;
  }
  wake_.notify_all();
}

void StorageScheduler::Loop() {
  using Clock = std::chrono::steady_clock;
  auto nextMigration = Clock::now() + std::chrono::duration<double>(migrationInterval_);
  auto nextScrub = Clock::now() + std::chrono::duration<double>(scrubInterval_);
  while (!stop_) {
    bool migrate = false, scrub = false, rewrap = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait_until(lock, std::min(nextMigration, nextScrub),
                       [&] { return stop_ || migrationWanted_ || scrubWanted_ || rewrapWanted_; });
      if (stop_) break;
      const auto now = Clock::now();
      migrate = migrationWanted_ || now >= nextMigration;
      scrub = scrubWanted_ || now >= nextScrub;
      rewrap = rewrapWanted_;
      migrationWanted_ = scrubWanted_ = rewrapWanted_ = false;
    }
    if (rewrap) RunRewrap();
    if (migrate && !stop_) {
      RunMigration();
      nextMigration = Clock::now() + std::chrono::duration<double>(migrationInterval_);
    }
    if (scrub && !stop_) {
      RunScrub();
      nextScrub = Clock::now() + std::chrono::duration<double>(scrubInterval_);
    }
  }
}

void StorageScheduler::RunMigration() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    activity_ = "migration";
    activityStartedAt_ = NowSeconds();
  }
  archive::RunReport report;
  try {
    report = store_.Migrate(NowSeconds(), [this] { return stop_.load(); });
  } catch (const std::exception& e) {
    report.errors.push_back(e.what());
    LogError(std::string("storage: migration pass failed: ") + e.what());
  }
  if (report.failed > 0)
    LogWarning("storage: migration pass: " + std::to_string(report.failed) + " copy(ies) failed and will be retried" +
               (report.errors.empty() ? "" : ": " + report.errors.front()));
  std::lock_guard<std::mutex> lock(mutex_);
  activity_.clear();
  lastMigration_ = report;
  lastMigrationAt_ = NowSeconds();
  totals_.migrationRuns++;
  totals_.copied += report.copied;
  totals_.freed += report.freed;
  totals_.copyFailures += report.failed;
  totals_.bytesMigrated += report.bytes;
}

void StorageScheduler::RunScrub() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    activity_ = "scrub";
    activityStartedAt_ = NowSeconds();
  }
  archive::RunReport report;
  try {
    report = store_.Scrub(NowSeconds(), [this] { return stop_.load(); });
  } catch (const std::exception& e) {
    report.errors.push_back(e.what());
    LogError(std::string("storage: scrub pass failed: ") + e.what());
  }
  if (report.mismatches > 0)
    LogError("storage: fixity: " + std::to_string(report.mismatches) + " copy(ies) did not match their hash, " +
             std::to_string(report.repaired) + " repaired" +
             (report.errors.empty() ? "" : ": " + report.errors.front()));
  std::lock_guard<std::mutex> lock(mutex_);
  activity_.clear();
  lastScrub_ = report;
  lastScrubAt_ = NowSeconds();
  totals_.scrubRuns++;
  totals_.mismatches += report.mismatches;
  totals_.repaired += report.repaired;
  totals_.bytesScrubbed += report.bytes;
}

void StorageScheduler::RunRewrap() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    activity_ = "rewrap";
    activityStartedAt_ = NowSeconds();
  }
  int64_t count = 0;
  std::string error;
  try {
    count = store_.RewrapKeys([this] { return stop_.load(); });
    LogWarning("storage: re-wrapped " + std::to_string(count) + " data key(s) with the current master key");
  } catch (const std::exception& e) {
    error = e.what();
    LogError("storage: key re-wrap failed: " + error);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  activity_.clear();
  lastRewrapAt_ = NowSeconds();
  lastRewrapCount_ = count;
  lastError_ = error;
  totals_.rewrapped += count;
}

Json::Value StorageScheduler::Progress() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Json::Value v;
  v["Running"] = activity_;
  v["RunningSince"] = static_cast<Json::Int64>(activity_.empty() ? 0 : activityStartedAt_);
  v["Migration"]["LastRunAt"] = static_cast<Json::Int64>(lastMigrationAt_);
  v["Migration"]["LastRun"] = RunReportToJson(lastMigration_);
  v["Migration"]["IntervalSeconds"] = migrationInterval_;
  v["Scrub"]["LastRunAt"] = static_cast<Json::Int64>(lastScrubAt_);
  v["Scrub"]["LastRun"] = RunReportToJson(lastScrub_);
  v["Scrub"]["IntervalSeconds"] = scrubInterval_;
  v["Rewrap"]["LastRunAt"] = static_cast<Json::Int64>(lastRewrapAt_);
  v["Rewrap"]["LastCount"] = static_cast<Json::Int64>(lastRewrapCount_);
  v["Rewrap"]["LastError"] = lastError_;
  v["Totals"]["MigrationRuns"] = static_cast<Json::Int64>(totals_.migrationRuns);
  v["Totals"]["Copied"] = static_cast<Json::Int64>(totals_.copied);
  v["Totals"]["Freed"] = static_cast<Json::Int64>(totals_.freed);
  v["Totals"]["CopyFailures"] = static_cast<Json::Int64>(totals_.copyFailures);
  v["Totals"]["ScrubRuns"] = static_cast<Json::Int64>(totals_.scrubRuns);
  v["Totals"]["Mismatches"] = static_cast<Json::Int64>(totals_.mismatches);
  v["Totals"]["Repaired"] = static_cast<Json::Int64>(totals_.repaired);
  return v;
}

StorageScheduler::Totals StorageScheduler::GetTotals() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return totals_;
}

}  // namespace va::plugin
