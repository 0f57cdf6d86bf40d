#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "ObjectStoreTestSupport.h"

namespace va::archive::testing {
namespace {

using ObjectStoreTest = StoreFixture;

TEST_F(ObjectStoreTest, RoundTripOfEverySizeAroundChunks) {
  Open();
  const size_t chunk = settings.chunkSize;
  const std::vector<size_t> sizes = {0, 1, chunk - 1, chunk, chunk + 1, chunk * 7 / 2, 3 * chunk};
  for (size_t i = 0; i < sizes.size(); ++i) {
    const std::string id = "obj-" + std::to_string(i);
    const std::string data = Bytes(sizes[i], static_cast<uint32_t>(i + 1));
    Put(id, data, Facts("1.2.3.4." + std::to_string(i)));
    EXPECT_EQ(store->Size(id), sizes[i]);
    EXPECT_EQ(Read(id), data) << "size " << sizes[i];
    const auto state = store->State(id, kT0);
    ASSERT_TRUE(state);
    EXPECT_EQ(state->size, sizes[i]);
    EXPECT_GT(state->storedSize, state->size);
    EXPECT_EQ(state->keyId, "k1");
    ASSERT_EQ(state->copies.size(), 1u);
    EXPECT_EQ(state->copies[0].tier, "hot");
    EXPECT_EQ(state->copies[0].state, "verified");
    // The stored bytes are encrypted: the plain bytes do not appear in the file.
    if (sizes[i] >= 64) {
      const std::string stored = Slurp(FileOf("hot", id));
      EXPECT_EQ(stored.size(), state->storedSize);
      EXPECT_EQ(stored.find(data.substr(0, 64)), std::string::npos);
    }
  }
}

TEST_F(ObjectStoreTest, RandomRangesAcrossChunkBoundaries) {
  Open();
  const std::string data = Bytes(settings.chunkSize * 7 / 2, 42);
  Put("obj", data, Facts("1.2.3.4"));
  std::mt19937 random(7);
  for (int i = 0; i < 300; ++i) {
    const uint64_t offset = random() % (data.size() + 10);
    const size_t length = random() % (3 * settings.chunkSize);
    const std::string got = Read("obj", offset, length);
    const std::string want = offset >= data.size() ? std::string() : data.substr(offset, length);
    ASSERT_EQ(got, want) << "offset " << offset << " length " << length;
  }
  // Exactly at chunk edges.
  for (uint64_t edge : {uint64_t{0}, uint64_t{4095}, uint64_t{4096}, uint64_t{8191}, uint64_t{8192}}) {
    EXPECT_EQ(Read("obj", edge, 2), data.substr(edge, 2));
  }
}

TEST_F(ObjectStoreTest, ExistingObjectIsNotOverwritten) {
  Open();
  Put("obj", "first", Facts("1"));
  EXPECT_THROW(Put("obj", "second", Facts("1")), StoreError);
  EXPECT_EQ(Read("obj"), "first");
}

TEST_F(ObjectStoreTest, FullHotTierIsNoSpaceAndRecordsNothing) {
  hot->putFailure = TierError::Kind::NoSpace;
  Open();
  try {
    Put("obj", Bytes(10000), Facts("1"));
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::NoSpace);
    EXPECT_NE(std::string(e.what()).find("hot"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("full"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(store->State("obj", kT0));
  EXPECT_THROW(store->Size("obj"), StoreError);
  hot->putFailure.reset();
  Put("obj", "now it fits", Facts("1"));
  EXPECT_EQ(Read("obj"), "now it fits");
}

TEST_F(ObjectStoreTest, ReadOfUnknownObjectIsNotFound) {
  Open();
  uint8_t b = 0;
  try {
    store->ReadAt("nope", 0, &b, 1, kT0);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::NotFound);
  }
}

TEST_F(ObjectStoreTest, UnreachableOnlyTierIsUnavailable) {
  Open();
  Put("obj", Bytes(5000), Facts("1"));
  hot->unavailable = true;
  try {
    Read("obj");
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::Unavailable);
    EXPECT_NE(std::string(e.what()).find("only in tier(s) hot"), std::string::npos) << e.what();
  }
  hot->unavailable = false;
  EXPECT_EQ(Read("obj"), Bytes(5000));
  EXPECT_EQ(CopyStates("obj"), std::vector<std::string>{"hot:verified"});  // unreachable is not corrupt
}

TEST_F(ObjectStoreTest, RemoveFreesEveryCopy) {
  Open();
  Put("obj", Bytes(5000), Facts("1"));
  const auto file = FileOf("hot", "obj");
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(store->RemovalBlocker("obj", kT0), "");
  store->Remove("obj", kT0);
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_FALSE(store->State("obj", kT0));
  EXPECT_THROW(store->Size("obj"), StoreError);
  EXPECT_TRUE(HasEvent(*store, "obj", "removed"));
  EXPECT_TRUE(HasEvent(*store, "obj", "created"));
}

TEST_F(ObjectStoreTest, RecoverFinishesInterruptedRemovals) {
  Open();
  Put("obj", Bytes(5000), Facts("1"));
  hot->removeRefused = true;  // the removal cannot finish now
  store->Remove("obj", kT0);
  EXPECT_FALSE(store->State("obj", kT0));  // gone for readers already
  EXPECT_TRUE(std::filesystem::exists(FileOf("hot", "obj")));
  hot->removeRefused = false;
  Open();
  const std::string line = store->Recover();
  EXPECT_NE(line.find("1 unfinished removals"), std::string::npos) << line;
  EXPECT_TRUE(FileOf("hot", "obj").empty());
  // The ID can be used again once the removal finished.
  Put("obj", "again", Facts("1"));
  EXPECT_EQ(Read("obj"), "again");
}

TEST_F(ObjectStoreTest, RecoverRemovesTheOrphanOfACrashedCreate) {
  Open();
  hot->crashAfterPut = true;
  EXPECT_THROW(Put("obj", Bytes(5000), Facts("1")), SimulatedCrash);
  hot->crashAfterPut = false;
  // The bytes landed, the catalog does not know them: only the intent does.
  EXPECT_FALSE(FileOf("hot", "obj").empty());
  EXPECT_FALSE(store->State("obj", kT0));
  Open();  // the restart
  const std::string line = store->Recover();
  EXPECT_NE(line.find("1 interrupted creates"), std::string::npos) << line;
  EXPECT_NE(line.find("obj (tier hot)"), std::string::npos) << line;
  EXPECT_NE(line.find(", 0 left"), std::string::npos) << line;
  EXPECT_TRUE(FileOf("hot", "obj").empty());
  EXPECT_TRUE(HasEvent(*store, "obj", "recovered"));
  // Nothing left to do the second time.
  EXPECT_NE(store->Recover().find("0 interrupted creates"), std::string::npos);
  // The ID is free for the host's retry.
  Put("obj", "retried", Facts("1"));
  EXPECT_EQ(Read("obj"), "retried");
  EXPECT_EQ(CopyStates("obj"), std::vector<std::string>{"hot:verified"});
}

TEST_F(ObjectStoreTest, RetryAfterACrashedCreateTakesOverItsIntent) {
  Open();
  hot->crashAfterPut = true;
  EXPECT_THROW(Put("obj", Bytes(5000), Facts("1")), SimulatedCrash);
  hot->crashAfterPut = false;
  Open();  // restarted without a recovery: the host retries at once
  const std::string data = Bytes(7000, 9);
  Put("obj", data, Facts("1"));
  EXPECT_EQ(Read("obj"), data);
  // The retry recorded its copy and consumed the intent: a later recovery leaves the object alone.
  const std::string line = store->Recover();
  EXPECT_NE(line.find("0 interrupted creates"), std::string::npos) << line;
  EXPECT_EQ(Read("obj"), data);
  EXPECT_EQ(CopyStates("obj"), std::vector<std::string>{"hot:verified"});
}

TEST_F(ObjectStoreTest, FailedCreateLeavesNoIntentNorFile) {
  Open();
  Put("obj", "first", Facts("1"));
  // A second create of the same ID is refused before anything is written.
  EXPECT_THROW(Put("obj", "second", Facts("1")), StoreError);
  // A tier failure removes what was written and the intent.
  hot->putFailure = TierError::Kind::Io;
  EXPECT_THROW(Put("other", "x", Facts("2")), StoreError);
  hot->putFailure.reset();
  EXPECT_TRUE(FileOf("hot", "other").empty());
  EXPECT_NE(store->Recover().find("0 interrupted creates"), std::string::npos);
  EXPECT_EQ(Read("obj"), "first");
}

TEST_F(ObjectStoreTest, OrphanInATierNoLongerHotIsRemovedButARecordedCopyStays) {
  Open();
  hot->crashAfterPut = true;
  EXPECT_THROW(Put("lost", Bytes(3000), Facts("1")), SimulatedCrash);
  EXPECT_THROW(Put("kept", Bytes(3000), Facts("2")), SimulatedCrash);
  hot->crashAfterPut = false;
  // "kept" is created again after the restart, and since the hot tier is another one, its intent in "hot" stays
  // while "hot" holds a recorded copy (as if migrated there): recovery must not remove it.
  settings.hotTier = "cold";
  Open();
  Put("kept", "kept bytes", Facts("2"));
  {
    auto db = OpenSqlDatabase("SQLite", (dir_ / "catalog.sqlite").string());
    db->Run(
        "INSERT INTO copies (object_id, tier, state, verified_at, checked_at) VALUES ('kept', 'hot', 'verified', "
        "1, 1)");
  }
  const std::string line = store->Recover();
  EXPECT_NE(line.find("2 interrupted creates"), std::string::npos) << line;
  EXPECT_NE(line.find("lost (tier hot)"), std::string::npos) << line;
  EXPECT_EQ(line.find("kept (tier hot)"), std::string::npos) << line;
  EXPECT_TRUE(FileOf("hot", "lost").empty());
  EXPECT_FALSE(FileOf("hot", "kept").empty());
  EXPECT_NE(store->Recover().find("0 interrupted creates"), std::string::npos);
}

TEST_F(ObjectStoreTest, CreateIsNotRecordedWhenARecoveryTookItsWriteForAnOrphan) {
  Open();
  // Another process sharing the catalog starts while this Create is between its write and its commit.
  std::string line;
  hot->afterPut = [&] {
    ObjectStore other(OpenSqlDatabase("SQLite", (dir_ / "catalog.sqlite").string()),
                      std::vector<std::shared_ptr<Tier>>{hot, cold, us}, keys, settings);
    line = other.Recover();
  };
  try {
    Put("obj", Bytes(3000), Facts("1"));
    FAIL() << "recorded an object whose bytes a recovery removed";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::Io);
    EXPECT_NE(std::string(e.what()).find("recovery"), std::string::npos) << e.what();
  }
  hot->afterPut = nullptr;
  EXPECT_NE(line.find("obj (tier hot)"), std::string::npos) << line;
  EXPECT_FALSE(store->State("obj", kT0));
  EXPECT_TRUE(FileOf("hot", "obj").empty());
  Put("obj", "retried", Facts("1"));
  EXPECT_EQ(Read("obj"), "retried");
}

TEST_F(ObjectStoreTest, LastAccessIsTouchedAtMostEveryInterval) {
  settings.touchIntervalSeconds = 3600;
  Open();
  Put("obj", "x", Facts("1"), kT0);
  Read("obj", 0, 1, kT0 + 10);
  EXPECT_EQ(store->State("obj", kT0)->lastAccessAt, kT0);
  Read("obj", 0, 1, kT0 + 4000);
  EXPECT_EQ(store->State("obj", kT0)->lastAccessAt, kT0 + 4000);
}

TEST_F(ObjectStoreTest, KeyRotationRewrapsWithoutTouchingData) {
  Open();
  const std::string data = Bytes(10000, 3);
  Put("a", data, Facts("1"));
  Put("b", "second object", Facts("2"));
  const std::string fileBefore = Slurp(FileOf("hot", "a"));
  keys = std::make_shared<KeyRing>(KeyRing::FromText(std::string(kKey1) + kKey2));
  Open();
  EXPECT_EQ(store->RewrapKeys({}), 2);
  EXPECT_EQ(store->RewrapKeys({}), 0);
  EXPECT_EQ(store->State("a", kT0)->keyId, "k2");
  EXPECT_TRUE(HasEvent(*store, "a", "rewrapped"));
  EXPECT_EQ(Slurp(FileOf("hot", "a")), fileBefore);
  EXPECT_EQ(Read("a"), data);
  // Once re-wrapped, the old master key is no longer needed.
  keys = std::make_shared<KeyRing>(KeyRing::FromText(kKey2));
  Open();
  EXPECT_EQ(Read("a"), data);
  EXPECT_EQ(Read("b"), "second object");
}

TEST_F(ObjectStoreTest, KeyRingIsReplacedWhileRunning) {
  Open();
  Put("a", "old key", Facts("1"));
  // A ring without the key still in use is refused.
  EXPECT_THROW(store->ReplaceKeyRing(std::make_shared<KeyRing>(KeyRing::FromText(kKey2))), KeyError);
  store->ReplaceKeyRing(std::make_shared<KeyRing>(KeyRing::FromText(std::string(kKey1) + kKey2)));
  Put("b", "new key", Facts("2"));
  EXPECT_EQ(store->State("b", kT0)->keyId, "k2");
  EXPECT_EQ(store->RewrapKeys({}), 1);
  store->ReplaceKeyRing(std::make_shared<KeyRing>(KeyRing::FromText(kKey2)));
  EXPECT_EQ(Read("a"), "old key");
  EXPECT_EQ(Read("b"), "new key");
}

TEST_F(ObjectStoreTest, StatsCountCopiesPerTier) {
  Open();
  Put("a", Bytes(100), Facts("1"));
  Put("b", Bytes(200), Facts("2"));
  const auto stats = store->Stats();
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_EQ(stats[0].tier, "hot");
  EXPECT_EQ(stats[0].objects, 2);
  EXPECT_EQ(stats[0].bytes,
            static_cast<int64_t>(store->State("a", kT0)->storedSize + store->State("b", kT0)->storedSize));
  EXPECT_EQ(stats[1].objects, 0);
  EXPECT_EQ(stats[2].country, "US");
}

TEST_F(ObjectStoreTest, ConcurrentCreatesAndReads) {
  Open();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        const std::string data = Bytes(1000 + 997 * i, t * 100 + i);
        try {
          store->Create(id, 1, reinterpret_cast<const uint8_t*>(data.data()), data.size(), Facts(id), kT0);
          std::string out(data.size(), '\0');
          store->ReadAt(id, 0, reinterpret_cast<uint8_t*>(out.data()), out.size(), kT0);
          if (out != data) ++failures;
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace va::archive::testing
