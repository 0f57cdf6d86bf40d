// The object store with its production back ends: a PostgreSQL catalog (VA_PG_CONNINFO) and an S3 tier on a real
// single-node Ceph (VA_S3_*), both started by with-services.sh. Fails, never skips, when they are missing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "va/archive/KeyRing.h"
#include "va/archive/ObjectStore.h"
#include "va/archive/S3Client.h"
#include "va/archive/SqlDatabase.h"
#include "va/archive/Tier.h"

namespace va::archive {
namespace {

constexpr int64_t kDay = 86400;

std::string EnvOf(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string Bytes(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(random());
  return out;
}

class ObjectStoreServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (EnvOf("VA_PG_CONNINFO").empty())
      FAIL() << "VA_PG_CONNINFO is not set: run under tests/services/with-services.sh (ctest -R archive.services)";
    if (EnvOf("VA_S3_ENDPOINT").empty() || EnvOf("VA_S3_ACCESS_KEY").empty() || EnvOf("VA_S3_SECRET_KEY").empty())
      FAIL() << "VA_S3_ENDPOINT, VA_S3_ACCESS_KEY and VA_S3_SECRET_KEY are not set: run under "
                "tests/services/with-services.sh (ctest -R archive.services)";
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = std::filesystem::temp_directory_path() / ("va-store-services-" + std::to_string(::getpid()) + "-" + test);
    std::filesystem::remove_all(dir_);
    // A clean catalog per test (the server is a scratch one).
    OpenSqlDatabase("PostgreSQL", EnvOf("VA_PG_CONNINFO"))
        ->Script("DROP TABLE IF EXISTS objects, copies, patients, holds, events");

    s3_.endpoint = EnvOf("VA_S3_ENDPOINT");
    s3_.accessKey = EnvOf("VA_S3_ACCESS_KEY");
    s3_.secretKey = EnvOf("VA_S3_SECRET_KEY");
    if (!EnvOf("VA_S3_REGION").empty()) s3_.region = EnvOf("VA_S3_REGION");
    s3_.partSize = 5U << 20;
    static std::atomic<int> bucket{0};
    s3_.bucket = "va-store-" + std::to_string(::getpid()) + "-" + std::to_string(++bucket);
    s3_.objectLock = true;
    s3_.prefix = "objects/";
    S3Client(s3_).CreateBucket();

    hot_ = std::shared_ptr<Tier>(OpenFolderTier({"hot", "folder", "DE"}, (dir_ / "hot").string()));
    cold_ = std::shared_ptr<Tier>(OpenS3Tier({"ceph-cold", "s3", "DE"}, s3_));
    keys_ = std::make_shared<KeyRing>(
        KeyRing::FromText("k1 0101010101010101010101010101010101010101010101010101010101010101\n"));
    settings_.hotTier = "hot";
    settings_.chunkSize = 64 * 1024;
    PlacementRule cold;
    cold.name = "cold-after-30-days";
    cold.minAgeDays = 30;
    cold.tiers = {"ceph-cold"};
    settings_.rules = {cold};
    RetentionRule retention;
    retention.yearsAfterLastVisit = 1;
    settings_.retention = {retention};
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  ObjectStore& Open() {
    store_.reset();
    store_ = std::make_unique<ObjectStore>(OpenSqlDatabase("PostgreSQL", EnvOf("VA_PG_CONNINFO")),
                                           std::vector<std::shared_ptr<Tier>>{hot_, cold_}, keys_, settings_);
    return *store_;
  }

  void Put(const std::string& id, const std::string& data, int64_t now, const std::string& study = "1.2.3") {
    ObjectFacts facts;
    facts.sopInstanceUid = id + ".1";
    facts.seriesUid = study + ".1";
    facts.studyUid = study;
    facts.patientId = "P1";
    facts.copyKind = "original";
    facts.studyDate = now;
    store_->Create(id, 1, reinterpret_cast<const uint8_t*>(data.data()), data.size(), facts, now);
  }

  std::string Read(const std::string& id, uint64_t offset, size_t length, int64_t now) {
    std::string out(length, '\0');
    out.resize(store_->ReadAt(id, offset, reinterpret_cast<uint8_t*>(out.data()), out.size(), now));
    return out;
  }

  std::vector<std::string> CopyStates(const std::string& id, int64_t now) {
    std::vector<std::string> out;
    const auto state = store_->State(id, now);
    if (!state) return out;
    for (const auto& c : state->copies) out.push_back(c.tier + ":" + c.state);
    return out;
  }

  static int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

  std::filesystem::path dir_;
  S3Settings s3_;
  std::shared_ptr<Tier> hot_, cold_;
  std::shared_ptr<KeyRing> keys_;
  StoreSettings settings_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(ObjectStoreServicesTest, MigratesToCephWithObjectLockAndReadsRangesBack) {
  Open();
  const int64_t created = Now() - 40 * kDay;
  const std::string big = Bytes(12 * 1024 * 1024 + 123, 1);  // multipart on the S3 side
  const std::string small = Bytes(70000, 2);
  Put("big", big, created);
  Put("small", small, created);
  Put("fresh", Bytes(1000, 3), Now());

  const RunReport report = store_->Migrate(Now(), {});
  EXPECT_EQ(report.failed, 0) << (report.errors.empty() ? "" : report.errors.front());
  EXPECT_EQ(report.copied, 2);
  EXPECT_EQ(report.freed, 2);
  EXPECT_EQ(CopyStates("big", Now()), std::vector<std::string>{"ceph-cold:verified"});
  EXPECT_EQ(CopyStates("fresh", Now()), std::vector<std::string>{"hot:verified"});

  EXPECT_EQ(Read("small", 0, small.size(), Now()), small);
  std::mt19937 random(5);
  for (int i = 0; i < 20; ++i) {
    const uint64_t offset = random() % big.size();
    const size_t length = random() % (3 * settings_.chunkSize);
    ASSERT_EQ(Read("big", offset, length, Now()), big.substr(offset, length));
  }
  // Object Lock: the copy in Ceph is written with the object's retention, so the bucket refuses to delete it.
  const int64_t until = store_->State("big", Now())->retainUntil;
  EXPECT_GT(until, Now());
  S3Client client(s3_);
  const auto head = client.Head("big");
  ASSERT_TRUE(head);
  EXPECT_GE(head->retainUntil, until - 1);
  EXPECT_THROW(cold_->Remove("big"), TierError);

  // A later visit extends retention; the next migration pass extends the lock.
  EXPECT_EQ(store_->RecordVisit("", "P1", Now() + 100 * kDay, Now()), 3);
  store_->Migrate(Now(), {});
  EXPECT_GE(client.Head("big")->retainUntil, store_->State("big", Now())->retainUntil - 1);
}

TEST_F(ObjectStoreServicesTest, ScrubRepairsTheHotCopyFromCeph) {
  PlacementRule both;
  both.name = "both";
  both.tiers = {"hot", "ceph-cold"};
  both.copies = 2;
  settings_.rules = {both};
  Open();
  const std::string data = Bytes(300000, 7);
  Put("obj", data, Now());
  ASSERT_EQ(store_->Migrate(Now(), {}).copied, 1);
  // Damage the hot copy.
  std::filesystem::path file;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ / "hot")) {
    if (e.path().filename() == "obj") file = e.path();
  }
  ASSERT_FALSE(file.empty());
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1000);
    f.put('\x42');
    f.seekp(1001);
    f.put('\x43');
  }
  const RunReport report = store_->Scrub(Now() + 31 * kDay, {});
  EXPECT_EQ(report.mismatches, 1);
  EXPECT_EQ(report.repaired, 1);
  EXPECT_EQ(Read("obj", 0, data.size(), Now()), data);
  EXPECT_EQ(CopyStates("obj", Now()), (std::vector<std::string>{"ceph-cold:verified", "hot:verified"}));
}

TEST_F(ObjectStoreServicesTest, UnreachableCephIsUnavailable) {
  Open();
  Put("obj", Bytes(5000, 8), Now() - 40 * kDay);
  ASSERT_EQ(store_->Migrate(Now(), {}).copied, 1);
  S3Settings dead = s3_;
  dead.endpoint = "http://127.0.0.1:9";  // discard port: nothing answers
  dead.connectTimeoutSeconds = 2;
  dead.timeoutSeconds = 5;
  cold_ = std::shared_ptr<Tier>(OpenS3Tier({"ceph-cold", "s3", "DE"}, dead));
  Open();
  try {
    Read("obj", 0, 10, Now());
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::Unavailable) << e.what();
    EXPECT_NE(std::string(e.what()).find("ceph-cold"), std::string::npos) << e.what();
  }
}

TEST_F(ObjectStoreServicesTest, HoldsRetentionAndConcurrentClientsOnPostgres) {
  settings_.worm = true;
  Open();
  Put("a", "alpha", Now());
  Put("b", "beta", Now(), "1.2.4");
  const int64_t hold = store_->SetHold("study", "1.2.4", "claim 7", "legal", Now());
  EXPECT_THROW(store_->Remove("b", Now() + 400 * kDay), StoreError);
  EXPECT_THROW(store_->Remove("a", Now()), StoreError);  // WORM + retention
  EXPECT_EQ(store_->Expired(Now() + 400 * kDay, 10), std::vector<std::string>{"a"});
  store_->ReleaseHold(hold, "settled", "legal", Now());
  store_->Remove("b", Now() + 400 * kDay);

  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string id = "c" + std::to_string(t) + "-" + std::to_string(i);
        const std::string data = Bytes(2000 + i, t * 10 + i);
        try {
          Put(id, data, Now());
          if (Read(id, 0, data.size(), Now()) != data) ++failures;
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace va::archive
