#include <gtest/gtest.h>

#include <fstream>

#include "ObjectStoreTestSupport.h"

namespace va::archive::testing {
namespace {

class ScrubTest : public StoreFixture {
 protected:
  // Two verified copies: hot and cold.
  void TwoCopies(const std::string& id, const std::string& data) {
    PlacementRule both;
    both.name = "both";
    both.tiers = {"hot", "cold"};
    both.copies = 2;
    settings.rules = {both};
    Open();
    Put(id, data, Facts("1"));
    ASSERT_EQ(store->Migrate(kT0, {}).copied, 1);
  }

  static void FlipByte(const std::filesystem::path& file, size_t offset) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(offset));
    f.put(static_cast<char>(c ^ 0x5a));
  }
};

TEST_F(ScrubTest, CorruptByteIsFoundAndRepairedFromTheOtherCopy) {
  const std::string data = Bytes(20000, 9);
  TwoCopies("obj", data);
  const auto hotFile = FileOf("hot", "obj");
  const std::string good = Slurp(hotFile);
  FlipByte(hotFile, 5000);

  // Not due yet: nothing is checked.
  RunReport report = store->Scrub(kT0 + kDay, {});
  EXPECT_EQ(report.examined, 0);

  settings.scrubIntervalDays = 30;
  report = store->Scrub(kT0 + 31 * kDay, {});
  EXPECT_EQ(report.examined, 2);
  EXPECT_EQ(report.mismatches, 1);
  EXPECT_EQ(report.repaired, 1);
  EXPECT_TRUE(HasEvent(*store, "obj", "fixity-mismatch"));
  EXPECT_TRUE(HasEvent(*store, "obj", "repaired"));
  EXPECT_EQ(CopyStates("obj"), (std::vector<std::string>{"cold:verified", "hot:verified"}));
  EXPECT_EQ(Slurp(FileOf("hot", "obj")), good);
  EXPECT_EQ(Read("obj"), data);
  const auto state = store->State("obj", kT0);
  ASSERT_TRUE(state);
  for (const auto& c : state->copies) EXPECT_EQ(c.checkedAt, kT0 + 31 * kDay);
  // Checked now: not due again until the interval passed.
  EXPECT_EQ(store->Scrub(kT0 + 32 * kDay, {}).examined, 0);
}

TEST_F(ScrubTest, ACopyAReadFoundCorruptIsReportedAndRepairedByTheNextScrub) {
  const std::string data = Bytes(20000, 6);
  TwoCopies("obj", data);
  const auto hotFile = FileOf("hot", "obj");
  const std::string good = Slurp(hotFile);
  FlipByte(hotFile, 7000);
  EXPECT_EQ(Read("obj"), data);  // the read marks the hot copy corrupt and is served by the cold one
  // Not due by age, but known corrupt: this scrub reports and repairs it.
  const RunReport report = store->Scrub(kT0 + kDay, {});
  EXPECT_EQ(report.mismatches, 1);
  EXPECT_EQ(report.repaired, 1);
  EXPECT_EQ(CopyStates("obj"), (std::vector<std::string>{"cold:verified", "hot:verified"}));
  EXPECT_EQ(Slurp(FileOf("hot", "obj")), good);
}

TEST_F(ScrubTest, MissingCopyIsAMismatch) {
  TwoCopies("obj", Bytes(5000));
  std::filesystem::remove(FileOf("cold", "obj"));
  const RunReport report = store->Scrub(kT0 + 31 * kDay, {});
  EXPECT_EQ(report.mismatches, 1);
  EXPECT_EQ(report.repaired, 1);
  EXPECT_FALSE(FileOf("cold", "obj").empty());
}

TEST_F(ScrubTest, ReadFailsOverFromACorruptCopyAndRecordsIt) {
  const std::string data = Bytes(20000, 4);
  TwoCopies("obj", data);
  FlipByte(FileOf("hot", "obj"), 9000);
  EXPECT_EQ(Read("obj"), data);  // served by the cold copy
  EXPECT_EQ(CopyStates("obj"), (std::vector<std::string>{"cold:verified", "hot:corrupt"}));
  EXPECT_TRUE(HasEvent(*store, "obj", "fixity-mismatch"));
  // The migrator rewrites the copy the placement wants.
  const RunReport report = store->Migrate(kT0 + kDay, {});
  EXPECT_EQ(report.copied, 1);
  EXPECT_EQ(CopyStates("obj"), (std::vector<std::string>{"cold:verified", "hot:verified"}));
}

TEST_F(ScrubTest, EveryCopyCorruptIsCorrupt) {
  Open();
  Put("obj", Bytes(20000), Facts("1"));
  FlipByte(FileOf("hot", "obj"), 100);
  try {
    Read("obj");
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::Corrupt) << e.what();
  }
  const RunReport report = store->Scrub(kT0 + 31 * kDay, {});
  EXPECT_EQ(report.mismatches, 0);  // already known corrupt: nothing verified left to check
}

TEST_F(ScrubTest, UnreachableTierIsNotAMismatch) {
  TwoCopies("obj", Bytes(5000));
  cold->unavailable = true;
  const RunReport report = store->Scrub(kT0 + 31 * kDay, {});
  EXPECT_EQ(report.mismatches, 0);
  EXPECT_FALSE(report.errors.empty());
  EXPECT_EQ(CopyStates("obj"), (std::vector<std::string>{"cold:verified", "hot:verified"}));
}

}  // namespace
}  // namespace va::archive::testing
