#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "ObjectStoreTestSupport.h"

namespace va::archive::testing {
namespace {

class MigrationTest : public StoreFixture {
 protected:
  static PlacementRule ColdAfter(double days, std::vector<std::string> tiers, int copies = 1) {
    PlacementRule rule;
    rule.name = "cold-after-" + std::to_string(static_cast<int>(days));
    rule.minAgeDays = days;
    rule.tiers = std::move(tiers);
    rule.copies = copies;
    return rule;
  }
};

TEST_F(MigrationTest, OldObjectsMoveHotToColdAndTheHotCopyIsFreed) {
  settings.rules = {ColdAfter(30, {"cold"})};
  Open();
  const std::string oldData = Bytes(10000, 1);
  Put("old", oldData, Facts("1"), kT0);
  Put("new", Bytes(3000, 2), Facts("2"), kT0 + 25 * kDay);
  const int64_t now = kT0 + 31 * kDay;

  const auto plan = store->Plan(now, 10);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].objectId, "old");
  EXPECT_EQ(plan[0].from, std::vector<std::string>{"hot"});
  EXPECT_EQ(plan[0].to, std::vector<std::string>{"cold"});
  EXPECT_EQ(plan[0].rule, "cold-after-30");
  EXPECT_EQ(cold->puts, 0);  // a plan writes nothing

  const RunReport report = store->Migrate(now, {});
  EXPECT_EQ(report.examined, 2);
  EXPECT_EQ(report.copied, 1);
  EXPECT_EQ(report.freed, 1);
  EXPECT_EQ(report.failed, 0);
  EXPECT_EQ(report.bytes, static_cast<int64_t>(store->State("old", now)->storedSize));
  EXPECT_EQ(CopyStates("old"), std::vector<std::string>{"cold:verified"});
  EXPECT_EQ(CopyStates("new"), std::vector<std::string>{"hot:verified"});
  EXPECT_TRUE(FileOf("hot", "old").empty());
  EXPECT_FALSE(FileOf("cold", "old").empty());
  EXPECT_EQ(Read("old"), oldData);
  EXPECT_TRUE(HasEvent(*store, "old", "copied"));
  EXPECT_TRUE(HasEvent(*store, "old", "freed"));
  // Nothing left to do.
  EXPECT_TRUE(store->Plan(now, 10).empty());
  const RunReport again = store->Migrate(now, {});
  EXPECT_EQ(again.copied + again.freed, 0);
}

TEST_F(MigrationTest, TwoCopiesKeepBoth) {
  settings.rules = {ColdAfter(0, {"hot", "cold"}, 2)};
  Open();
  Put("obj", Bytes(9000), Facts("1"));
  const RunReport report = store->Migrate(kT0 + kDay, {});
  EXPECT_EQ(report.copied, 1);
  EXPECT_EQ(report.freed, 0);
  EXPECT_EQ(CopyStates("obj"), (std::vector<std::string>{"cold:verified", "hot:verified"}));
  // A read prefers the configured order: the hot tier.
  const int coldReads = cold->reads;
  EXPECT_EQ(Read("obj"), Bytes(9000));
  EXPECT_EQ(cold->reads, coldReads);
  // With the hot tier gone, the cold copy answers.
  hot->unavailable = true;
  EXPECT_EQ(Read("obj"), Bytes(9000));
}

TEST_F(MigrationTest, RulesByCopyKindAndSopClass) {
  PlacementRule archival;
  archival.name = "archival";
  archival.copyKind = "archival";
  archival.tiers = {"cold"};
  PlacementRule byClass;
  byClass.name = "endoscopy";
  byClass.sopClassUids = {"1.2.840.10008.5.1.4.1.1.77.1.1.1"};
  byClass.minAgeDays = 10;
  byClass.tiers = {"cold"};
  settings.rules = {archival, byClass};
  Open();
  auto derived = Facts("1");
  derived.copyKind = "archival";
  derived.sopClassUid = "1.2.3.other";
  Put("derived", "a", derived);
  auto other = Facts("2");
  other.sopClassUid = "1.2.3.other";
  Put("other", "b", other);
  Put("video", "c", Facts("3"));
  store->Migrate(kT0 + 11 * kDay, {});
  EXPECT_EQ(CopyStates("derived"), std::vector<std::string>{"cold:verified"});
  EXPECT_EQ(CopyStates("other"), std::vector<std::string>{"hot:verified"});
  EXPECT_EQ(CopyStates("video"), std::vector<std::string>{"cold:verified"});
}

TEST_F(MigrationTest, JurisdictionKeepsGermanDataOutOfUsTiers) {
  settings.rules = {ColdAfter(0, {"cold-us", "cold"}, 1)};
  settings.jurisdictions.byOrganisation["clinic-de"] = {"DE"};
  Open();
  Put("de", Bytes(5000), Facts("1", "1.2.3", "P1", "clinic-de"));
  Put("any", Bytes(5000), Facts("2", "1.2.4", "P2", "clinic-xx"));
  const auto plan = store->Plan(kT0 + kDay, 10);
  ASSERT_EQ(plan.size(), 2u);
  store->Migrate(kT0 + kDay, {});
  EXPECT_EQ(CopyStates("de"), std::vector<std::string>{"cold:verified"});
  EXPECT_EQ(CopyStates("any"), std::vector<std::string>{"cold-us:verified"});
  EXPECT_TRUE(FileOf("us", "de").empty());
}

TEST_F(MigrationTest, FailingTargetBacksOffAndKeepsTheSource) {
  settings.rules = {ColdAfter(0, {"cold"})};
  settings.retryBaseSeconds = 60;
  Open();
  Put("obj", Bytes(7000), Facts("1"));
  cold->putFailure = TierError::Kind::Unavailable;
  const int64_t now = kT0 + kDay;
  RunReport report = store->Migrate(now, {});
  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(report.copied, 0);
  EXPECT_FALSE(report.errors.empty());
  EXPECT_TRUE(HasEvent(*store, "obj", "copy-failed"));
  auto state = store->State("obj", now);
  ASSERT_EQ(state->copies.size(), 2u);
  EXPECT_EQ(CopyStates("obj"), (std::vector<std::string>{"cold:failed", "hot:verified"}));
  EXPECT_EQ(state->copies[0].failures, 1);
  EXPECT_NE(state->copies[0].lastError.find("cold"), std::string::npos);
  EXPECT_EQ(Read("obj"), Bytes(7000));

  // Within the back-off nothing is attempted, even with the tier back.
  cold->putFailure.reset();
  report = store->Migrate(now + 30, {});
  EXPECT_EQ(report.copied, 0);
  EXPECT_EQ(cold->puts, 1);
  // A second failure doubles the back-off.
  cold->putFailure = TierError::Kind::Io;
  report = store->Migrate(now + 61, {});
  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(store->State("obj", now)->copies[0].failures, 2);
  cold->putFailure.reset();
  report = store->Migrate(now + 61 + 100, {});
  EXPECT_EQ(report.copied, 0);
  report = store->Migrate(now + 61 + 121, {});
  EXPECT_EQ(report.copied, 1);
  EXPECT_EQ(report.freed, 1);
  EXPECT_EQ(CopyStates("obj"), std::vector<std::string>{"cold:verified"});
  EXPECT_EQ(Read("obj"), Bytes(7000));
}

TEST_F(MigrationTest, AnUnreachableTierIsSkippedForTheRestOfTheRun) {
  settings.rules = {ColdAfter(0, {"cold"})};
  Open();
  for (int i = 0; i < 5; ++i) Put("obj" + std::to_string(i), Bytes(100, i), Facts(std::to_string(i)));
  cold->putFailure = TierError::Kind::Unavailable;
  const RunReport report = store->Migrate(kT0 + kDay, {});
  EXPECT_EQ(report.examined, 5);
  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(cold->puts, 1);
}

TEST_F(MigrationTest, ObjectLockedCopyIsKeptAndNoted) {
  settings.rules = {ColdAfter(0, {"cold"})};
  Open();
  Put("obj", Bytes(100), Facts("1"));
  hot->removeRefused = true;
  const RunReport report = store->Migrate(kT0 + kDay, {});
  EXPECT_EQ(report.copied, 1);
  EXPECT_EQ(report.freed, 0);
  EXPECT_EQ(CopyStates("obj"), (std::vector<std::string>{"cold:verified", "hot:verified"}));
  EXPECT_TRUE(HasEvent(*store, "obj", "free-refused"));
}

TEST_F(MigrationTest, InterruptedCopyIsRecoveredAndRedone) {
  settings.rules = {ColdAfter(0, {"cold"})};
  Open();
  const std::string data = Bytes(20000, 5);
  Put("obj", data, Facts("1"));
  // Simulate a crash in the middle of a copy: the row says "writing", a partial file is in the cold folder.
  {
    auto db = OpenSqlDatabase("SQLite", (dir_ / "catalog.sqlite").string());
    db->Run("INSERT INTO copies (object_id, tier, state) VALUES ('obj', 'cold', 'writing')");
  }
  std::shared_ptr<Tier> coldFolder = OpenFolderTier({"cold", "folder", "DE"}, (dir_ / "cold").string());
  const std::string partial = "partial bytes";
  size_t at = 0;
  coldFolder->Put("obj",
                  [&](uint8_t* b, size_t n) {
                    const size_t k = std::min(n, partial.size() - at);
                    std::memcpy(b, partial.data() + at, k);
                    at += k;
                    return k;
                  },
                  partial.size(), {});
  ASSERT_FALSE(FileOf("cold", "obj").empty());
  Open();
  const std::string line = store->Recover();
  EXPECT_NE(line.find("1 unfinished copies"), std::string::npos) << line;
  EXPECT_TRUE(FileOf("cold", "obj").empty());
  EXPECT_EQ(CopyStates("obj"), std::vector<std::string>{"hot:verified"});
  const RunReport report = store->Migrate(kT0 + kDay, {});
  EXPECT_EQ(report.copied, 1);
  EXPECT_EQ(CopyStates("obj"), std::vector<std::string>{"cold:verified"});
  EXPECT_EQ(Read("obj"), data);
}

TEST_F(MigrationTest, StopEndsTheRunBetweenObjects) {
  settings.rules = {ColdAfter(0, {"cold"})};
  Open();
  for (int i = 0; i < 4; ++i) Put("obj" + std::to_string(i), Bytes(100, i), Facts(std::to_string(i)));
  int polls = 0;
  const RunReport report = store->Migrate(kT0 + kDay, [&] { return ++polls > 3; });
  EXPECT_LT(report.copied, 4);
  ASSERT_FALSE(report.errors.empty());
  EXPECT_EQ(report.errors.back(), "stopped");
  const RunReport rest = store->Migrate(kT0 + kDay, {});
  EXPECT_EQ(report.copied + rest.copied, 4);
}

TEST_F(MigrationTest, RateLimitSlowsTheRun) {
  settings.rules = {ColdAfter(0, {"cold"})};
  settings.migrationBytesPerSecond = 200000;
  Open();
  Put("obj", Bytes(100000), Facts("1"));
  const auto start = std::chrono::steady_clock::now();
  store->Migrate(kT0 + kDay, {});
  // ~100 KB copied and ~100 KB read back: about a second at 200 KB/s.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(800));
}

TEST_F(MigrationTest, ReadsGoOnDuringAMigration) {
  settings.rules = {ColdAfter(0, {"cold"})};
  Open();
  std::vector<std::string> data;
  for (int i = 0; i < 30; ++i) {
    data.push_back(Bytes(5000 + 1000 * i, i));
    Put("obj" + std::to_string(i), data.back(), Facts(std::to_string(i)));
  }
  std::atomic<bool> done{false};
  std::atomic<int> bad{0}, reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      int i = t;
      while (!done) {
        const std::string id = "obj" + std::to_string(i % 30);
        try {
          std::string out(data[i % 30].size(), '\0');
          store->ReadAt(id, 0, reinterpret_cast<uint8_t*>(out.data()), out.size(), kT0);
          if (out != data[i % 30]) ++bad;
        } catch (const std::exception&) {
          ++bad;
        }
        ++reads;
        ++i;
      }
    });
  }
  const RunReport report = store->Migrate(kT0 + kDay, {});
  done = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(report.copied, 30);
  EXPECT_EQ(report.freed, 30);
  EXPECT_EQ(bad, 0);
  EXPECT_GT(reads, 0);
}

}  // namespace
}  // namespace va::archive::testing
