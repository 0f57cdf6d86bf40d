#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "va/archive/Sha256.h"
#include "va/archive/UploadStore.h"

namespace va::archive {
namespace {

class UploadStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("va-uploads-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static std::string Content(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static std::string Digest(const std::string& bytes) {
    Sha256 sha;
    sha.Update(bytes.data(), bytes.size());
    return sha.Digest();
  }
  std::filesystem::path dir_;
};

TEST_F(UploadStoreTest, AppendsInPiecesAndCompletes) {
  UploadStore store(dir_.string());
  const std::string id = store.Create("tus", 10, "patientId MTIz", "{}", 4102444800);
  EXPECT_EQ(store.Get(id)->state, UploadState::Receiving);
  {
    auto a = store.BeginAppend(id, 0, false, 0);
    a->Write("hello", 5);
    EXPECT_EQ(a->Commit(""), 5);
  }
  EXPECT_EQ(store.Get(id)->offset, 5);
  {
    auto a = store.BeginAppend(id, 5, true, 0);
    a->Write("world", 5);
    EXPECT_EQ(a->Commit(Digest("world")), 10);
  }
  const Upload u = *store.Get(id);
  EXPECT_EQ(u.state, UploadState::Complete);
  EXPECT_EQ(Content(store.DataPath(id)), "helloworld");
  EXPECT_EQ(store.PendingIngest().size(), 1u);
}

TEST_F(UploadStoreTest, WrongOffsetIsAConflict) {
  UploadStore store(dir_.string());
  const std::string id = store.Create("tus", 10, "", "{}", 4102444800);
  try {
    store.BeginAppend(id, 3, false, 0);
    FAIL();
  } catch (const UploadError& e) {
    EXPECT_EQ(e.kind(), UploadError::Kind::OffsetConflict);
  }
}

TEST_F(UploadStoreTest, ChecksumMismatchDiscardsTheRequest) {
  UploadStore store(dir_.string());
  const std::string id = store.Create("tus", 10, "", "{}", 4102444800);
  {
    auto a = store.BeginAppend(id, 0, true, 0);
    a->Write("hello", 5);
    try {
      a->Commit(Digest("HELLO"));
      FAIL();
    } catch (const UploadError& e) {
      EXPECT_EQ(e.kind(), UploadError::Kind::ChecksumMismatch);
    }
  }
  EXPECT_EQ(store.Get(id)->offset, 0);
  EXPECT_EQ(std::filesystem::file_size(store.DataPath(id)), 0u);
  auto again = store.BeginAppend(id, 0, false, 0);  // not left busy
  again->Write("hello", 5);
  EXPECT_EQ(again->Commit(""), 5);
}

TEST_F(UploadStoreTest, ADroppedRequestKeepsWhatArrived) {
  UploadStore store(dir_.string());
  const std::string id = store.Create("tus", 10, "", "{}", 4102444800);
  {
    auto a = store.BeginAppend(id, 0, false, 0);
    a->Write("hel", 3);
  }  // no Commit: the client went away
  EXPECT_EQ(store.Get(id)->offset, 3);
  {
    auto a = store.BeginAppend(id, 3, true, 0);  // checksummed and dropped: nothing of it counts
    a->Write("lo", 2);
  }
  EXPECT_EQ(store.Get(id)->offset, 3);
  EXPECT_EQ(std::filesystem::file_size(store.DataPath(id)), 3u);
  EXPECT_THROW(store.BeginAppend(id, 0, false, 0), UploadError);
}

TEST_F(UploadStoreTest, BytesPastTheLastCheckpointAreNotTrustedAfterACrash) {
  {
    UploadStore store(dir_.string());
    store.Create("tus", 100, "", "{}", 4102444800);
  }
  // A child process appends and dies mid-request (no destructor, no commit), like a kill -9.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    UploadStore store(dir_.string());
    auto a = store.BeginAppend(store.List(1)[0].id, 0, false, 0, /*checkpointBytes=*/4);
    a->Write("abcd", 4);  // checkpoint at 4
    a->Write("ef", 2);    // written, not yet durable
    ::_exit(store.Get(store.List(1)[0].id)->offset == 4 ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  UploadStore reopened(dir_.string());
  const auto uploads = reopened.List(10);
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads[0].offset, 4);
  auto a = reopened.BeginAppend(uploads[0].id, 4, false, 0);
  a->Write("XY", 2);
  a->Commit("");
  EXPECT_EQ(Content(reopened.DataPath(uploads[0].id)), "abcdXY");
}

TEST_F(UploadStoreTest, OneAppenderAtATimeAndNoBytesPastTheLength) {
  UploadStore store(dir_.string());
  const std::string id = store.Create("tus", 4, "", "{}", 4102444800);
  auto a = store.BeginAppend(id, 0, false, 0);
  try {
    store.BeginAppend(id, 0, false, 0);
    FAIL();
  } catch (const UploadError& e) {
    EXPECT_EQ(e.kind(), UploadError::Kind::Busy);
  }
  try {
    a->Write("12345", 5);
    FAIL();
  } catch (const UploadError& e) {
    EXPECT_EQ(e.kind(), UploadError::Kind::TooLarge);
  }
}

TEST_F(UploadStoreTest, ExpiryDeletesOnlyUnfinishedUploads) {
  UploadStore store(dir_.string());
  const std::string stale = store.Create("tus", 4, "", "{}", 100);
  const std::string done = store.Create("tus", 2, "", "{}", 100);
  auto a = store.BeginAppend(done, 0, false, 0);
  a->Write("ok", 2);
  a->Commit("");
  const auto expired = store.ExpireDue(200);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], stale);
  EXPECT_FALSE(store.Get(stale).has_value());
  EXPECT_FALSE(std::filesystem::exists(dir_ / (stale + ".part")));
  EXPECT_TRUE(store.Get(done).has_value());
}

TEST_F(UploadStoreTest, IngestStatesAndRecovery) {
  UploadStore store(dir_.string());
  const std::string id = store.Create("stow", 0, "", "{}", 4102444800);  // empty: complete at once
  EXPECT_TRUE(store.MarkIngesting(id, "job-1"));
  EXPECT_FALSE(store.MarkIngesting(id, "job-2"));
  EXPECT_THROW(store.Delete(id), UploadError);
  EXPECT_EQ(store.RecoverInterrupted(3), 1);
  EXPECT_EQ(store.Get(id)->state, UploadState::Complete);
  EXPECT_TRUE(store.MarkIngesting(id, "job-3"));
  store.MarkFailed(id, "bad video");
  EXPECT_TRUE(store.Requeue(id));
  EXPECT_TRUE(store.MarkIngesting(id, "job-4"));
  EXPECT_EQ(store.Get(id)->attempts, 3);
  EXPECT_EQ(store.RecoverInterrupted(3), 0);  // third crash: fails visibly
  EXPECT_EQ(store.Get(id)->state, UploadState::Failed);
  store.Delete(id);
  EXPECT_FALSE(store.Get(id).has_value());
}

TEST_F(UploadStoreTest, UnknownOrMalformedIdsAreNotFound) {
  UploadStore store(dir_.string());
  EXPECT_FALSE(store.Get("../../etc/passwd").has_value());
  EXPECT_FALSE(store.Get("0123456789abcdef0123456789abcdef").has_value());
  EXPECT_THROW(store.DataPath("../x"), UploadError);
}

TEST(Sha256Test, KnownVector) {
  Sha256 sha;
  sha.Update("abc", 3);
  EXPECT_EQ(sha.HexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace va::archive
