#include <gtest/gtest.h>

#include "ObjectStoreTestSupport.h"

namespace va::archive::testing {
namespace {

class RetentionHoldTest : public StoreFixture {
 protected:
  void TenYearsAfterVisit() {
    RetentionRule rule;
    rule.yearsAfterLastVisit = 10;
    settings.retention = {rule};
  }
};

TEST_F(RetentionHoldTest, HoldsBlockRemovalAlways) {
  Open();
  Put("a", "a", Facts("1.1", "1.2.3", "P1"));
  Put("b", "b", Facts("1.2", "1.2.4", "P1"));
  Put("c", "c", Facts("1.3", "1.2.5", "P2"));
  const int64_t hold = store->SetHold("study", "1.2.3", "litigation 42", "dr. who", kT0);
  EXPECT_GT(hold, 0);
  const std::string blocker = store->RemovalBlocker("a", kT0);
  EXPECT_NE(blocker.find("litigation 42"), std::string::npos) << blocker;
  EXPECT_NE(blocker.find("dr. who"), std::string::npos) << blocker;
  try {
    store->Remove("a", kT0);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::Refused);
    EXPECT_NE(std::string(e.what()).find("litigation 42"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Read("a"), "a");
  ASSERT_TRUE(store->HoldCovering(Facts("1.1", "1.2.3", "P1")));
  EXPECT_FALSE(store->HoldCovering(Facts("9", "9.9", "P9")));
  store->Remove("b", kT0);  // other study, not held

  const int64_t patientHold = store->SetHold("patient", "P2", "audit", "dpo", kT0);
  EXPECT_THROW(store->Remove("c", kT0), StoreError);
  store->ReleaseHold(patientHold, "audit closed", "dpo", kT0 + 10);
  store->Remove("c", kT0 + 10);
  EXPECT_EQ(store->Holds(true).size(), 1u);
  const auto all = store->Holds(false);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].releasedBy, "dpo");
  EXPECT_EQ(all[1].releaseReason, "audit closed");
  EXPECT_THROW(store->ReleaseHold(patientHold, "again", "dpo", kT0), StoreError);
  EXPECT_THROW(store->SetHold("planet", "x", "r", "a", kT0), StoreError);
  EXPECT_THROW(store->SetHold("study", "1.2.3", "", "a", kT0), StoreError);
  bool setLogged = false;
  for (const auto& e : store->Events("", 100)) setLogged |= e.kind == "hold-set";
  EXPECT_TRUE(setLogged);
  // The state of the held object names its holds.
  ASSERT_EQ(store->State("a", kT0)->holds.size(), 1u);
  EXPECT_EQ(store->StatesOfStudy("1.2.3", kT0).size(), 1u);
}

TEST_F(RetentionHoldTest, InstanceAndSeriesHolds) {
  Open();
  Put("a", "a", Facts("1.1", "1.2.3", "P1"));
  store->SetHold("instance", "1.1", "r", "a", kT0);
  EXPECT_THROW(store->Remove("a", kT0), StoreError);
  Put("b", "b", Facts("1.2", "1.2.9", "P1"));
  store->SetHold("series", "1.2.9.1", "r", "a", kT0);
  EXPECT_THROW(store->Remove("b", kT0), StoreError);
}

TEST_F(RetentionHoldTest, WormAndRetentionBlockRemoval) {
  TenYearsAfterVisit();
  settings.worm = true;
  Open();
  auto facts = Facts("1.1");
  facts.studyDate = kT0;
  Put("a", "a", facts);
  const int64_t until = store->State("a", kT0)->retainUntil;
  EXPECT_GT(until, kT0 + 9 * 365 * kDay);
  EXPECT_EQ(store->RetentionOfStudy("1.2.3"), until);
  EXPECT_EQ(store->RemovalBlocker("a", kT0), "retained until 2036-01-01");
  try {
    store->Remove("a", kT0);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::Refused);
    EXPECT_NE(std::string(e.what()).find("2036-01-01"), std::string::npos) << e.what();
  }
  store->Remove("a", until + 1);  // after retention
  EXPECT_FALSE(store->State("a", until + 1));
}

TEST_F(RetentionHoldTest, WithoutWormRetentionDoesNotBlock) {
  TenYearsAfterVisit();
  Open();
  auto facts = Facts("1.1");
  facts.studyDate = kT0;
  Put("a", "a", facts);
  EXPECT_EQ(store->RemovalBlocker("a", kT0), "");  // retention binds only in WORM mode
  store->Remove("a", kT0);
}

TEST_F(RetentionHoldTest, LaterVisitExtendsEveryObjectOfThePatient) {
  TenYearsAfterVisit();
  Open();
  auto first = Facts("1.1", "1.2.3", "P1");
  first.studyDate = kT0;
  Put("a", "a", first);
  Put("b", "b", Facts("1.2", "1.2.3", "P1"));
  Put("other", "c", Facts("1.3", "1.2.7", "P2"));
  const int64_t before = store->State("a", kT0)->retainUntil;
  const int64_t otherBefore = store->State("other", kT0)->retainUntil;
  // A study five years later.
  EXPECT_EQ(store->RecordVisit("", "P1", kT0 + 5 * 365 * kDay, kT0 + 5 * 365 * kDay), 2);
  EXPECT_GT(store->State("a", kT0)->retainUntil, before + 4 * 365 * kDay);
  EXPECT_EQ(store->State("a", kT0)->retainUntil, store->State("b", kT0)->retainUntil);
  EXPECT_EQ(store->State("other", kT0)->retainUntil, otherBefore);
  // An older visit changes nothing.
  EXPECT_EQ(store->RecordVisit("", "P1", kT0 - kDay, kT0), 0);
  // A new object of the patient gets the extended retention right away.
  Put("c", "c", Facts("1.4", "1.2.8", "P1"));
  EXPECT_EQ(store->State("c", kT0)->retainUntil, store->State("a", kT0)->retainUntil);
}

TEST_F(RetentionHoldTest, ExtendedRetentionReachesWriteOnceTiers) {
  TenYearsAfterVisit();
  PlacementRule rule;
  rule.name = "cold";
  rule.tiers = {"cold"};
  settings.rules = {rule};
  Open();
  auto facts = Facts("1.1");
  facts.studyDate = kT0;
  Put("a", "a", facts);
  store->Migrate(kT0, {});
  EXPECT_EQ(cold->lastRetainUntil, store->State("a", kT0)->retainUntil);  // the copy is written with retention
  store->RecordVisit("", "P1", kT0 + 365 * kDay, kT0 + 365 * kDay);
  store->Migrate(kT0 + 365 * kDay, {});
  EXPECT_EQ(cold->extendedTo, store->State("a", kT0)->retainUntil);
}

TEST_F(RetentionHoldTest, ExpiredListsOnlyUnheldObjectsPastRetention) {
  TenYearsAfterVisit();
  Open();
  auto facts = Facts("1.1", "1.2.3", "P1");
  facts.studyDate = kT0;
  Put("old", "a", facts);
  auto held = Facts("1.2", "1.2.4", "P2");
  held.studyDate = kT0;
  Put("held", "b", held);
  auto recent = Facts("1.3", "1.2.5", "P3");
  recent.studyDate = kT0 + 5 * 365 * kDay;
  Put("recent", "c", recent);
  settings.retention.clear();
  Open();
  Put("norule", "d", Facts("1.4", "1.2.6", "P4"));  // no retention rule applies: never expires by itself
  store->SetHold("patient", "P2", "claim", "legal", kT0);
  const int64_t later = kT0 + 11 * 365 * kDay;
  EXPECT_EQ(store->Expired(later, 10), std::vector<std::string>{"old"});
  EXPECT_TRUE(store->Expired(kT0, 10).empty());
  EXPECT_EQ(store->Expired(kT0 + 20 * 365 * kDay, 10), (std::vector<std::string>{"old", "recent"}));
}

}  // namespace
}  // namespace va::archive::testing
