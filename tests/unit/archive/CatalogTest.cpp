#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "va/archive/Catalog.h"

using va::archive::Catalog;
using va::archive::DerivedLink;
using va::archive::TaskState;

namespace {

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("va-catalog-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "catalog.sqlite").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(CatalogTest, EnqueueIsIdempotent) {
  Catalog c(path_);
  EXPECT_TRUE(c.Enqueue("a", "1.2.3"));
  EXPECT_FALSE(c.Enqueue("a", "1.2.3"));
  EXPECT_EQ(c.Pending().size(), 1u);
  EXPECT_EQ(c.Count(TaskState::Pending), 1);
}

TEST_F(CatalogTest, TasksSurviveReopen) {
  {
    Catalog c(path_);
    c.Enqueue("a", "1.2.3");
    c.Enqueue("b", "1.2.4");
    ASSERT_TRUE(c.MarkRunning("a", "job-1"));
  }
  Catalog c(path_);
  // "a" was running when the process went away: it is re-armed, "b" stays pending.
  EXPECT_EQ(c.RecoverInterrupted(3), 1);
  EXPECT_EQ(c.Pending().size(), 2u);
  EXPECT_EQ(c.Get("a")->attempts, 1);
}

TEST_F(CatalogTest, RepeatedCrashesFailVisibly) {
  Catalog c(path_);
  c.Enqueue("a", "1.2.3");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.MarkRunning("a", "job"));
    c.RecoverInterrupted(3);
  }
  const auto task = c.Get("a");
  ASSERT_TRUE(task);
  EXPECT_EQ(task->state, TaskState::Failed);
  EXPECT_NE(task->reason.find("3 attempts"), std::string::npos);
}

TEST_F(CatalogTest, MarkRunningTakesOnlyPending) {
  Catalog c(path_);
  c.Enqueue("a", "1.2.3");
  EXPECT_TRUE(c.MarkRunning("a", "j1"));
  EXPECT_FALSE(c.MarkRunning("a", "j2"));
}

TEST_F(CatalogTest, PausesDoNotCountAsCrashes) {
  Catalog c(path_);
  c.Enqueue("a", "1.2.3");
  ASSERT_TRUE(c.MarkRunning("a", "j1"));
  c.MarkPaused("a");  // still owned by its job
  EXPECT_EQ(c.Get("a")->state, TaskState::Running);
  EXPECT_EQ(c.Get("a")->attempts, 0);
  c.MarkResumed("a");
  EXPECT_EQ(c.Get("a")->attempts, 1);
  c.MarkPaused("a");  // then the host stops: a restart re-arms it without spending the crash budget
  EXPECT_EQ(c.RecoverInterrupted(1), 1);
  EXPECT_EQ(c.Get("a")->state, TaskState::Pending);
}

TEST_F(CatalogTest, CleanShutdownDoesNotSpendAttempts) {
  Catalog c(path_);
  c.Enqueue("a", "1");
  ASSERT_TRUE(c.MarkRunning("a", "j"));
  c.PauseAllRunning();
  EXPECT_EQ(c.RecoverInterrupted(1), 1);  // with a budget of 1, a crash would have failed it
  EXPECT_EQ(c.Get("a")->state, TaskState::Pending);
}

TEST_F(CatalogTest, OutcomesAndRequeue) {
  Catalog c(path_);
  c.Enqueue("a", "1");
  c.Enqueue("b", "2");
  c.Enqueue("c", "3");
  c.MarkRunning("a", "j");
  c.MarkDone("a", "derived-a", "{\"psnrY\":42}", "ok");
  c.MarkFailed("b", "corrupt bitstream");
  c.MarkSkipped("c", "already HEVC");
  EXPECT_EQ(c.Get("a")->derivedId, "derived-a");
  EXPECT_EQ(c.Get("a")->qualityJson, "{\"psnrY\":42}");
  EXPECT_EQ(c.Get("b")->reason, "corrupt bitstream");
  EXPECT_EQ(c.List("failed", 10, 0).size(), 1u);
  EXPECT_EQ(c.List("", 10, 0).size(), 3u);
  EXPECT_EQ(c.List("", 2, 2).size(), 1u);
  EXPECT_TRUE(c.Requeue("b"));
  EXPECT_FALSE(c.Requeue("missing"));
  EXPECT_EQ(c.Get("b")->state, TaskState::Pending);
}

TEST_F(CatalogTest, DerivedLinks) {
  Catalog c(path_);
  DerivedLink link;
  link.derivedSopUid = "2.25.1";
  link.sourceId = "src";
  link.sourceSopUid = "1.2";
  link.qualityJson = "{}";
  link.gatePassed = true;
  c.RecordDerived(link);
  EXPECT_TRUE(c.IsDerived("2.25.1"));
  EXPECT_FALSE(c.IsDerived("1.2"));
  EXPECT_FALSE(c.FindDerivedBySource("src"));  // not stored yet
  c.SetDerivedStored("2.25.1", "orthanc-id");
  c.SetSourceDeleted("2.25.1");
  const auto found = c.FindDerivedBySource("src");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->derivedId, "orthanc-id");
  EXPECT_TRUE(found->gatePassed);
  EXPECT_TRUE(found->sourceDeleted);
  EXPECT_TRUE(c.FindDerivedById("orthanc-id"));
}

TEST_F(CatalogTest, UnopenableFileGivesReason) {
  try {
    Catalog c((dir_ / "missing-dir" / "x.sqlite").string());
    FAIL() << "expected CatalogError";
  } catch (const va::archive::CatalogError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos);
  }
}

}  // namespace
