#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "va/archive/Tier.h"

using va::archive::ByteReader;
using va::archive::OpenFolderTier;
using va::archive::PutOptions;
using va::archive::TierError;

namespace {

class FolderTierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("va-folder-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static ByteReader From(const std::string& data, size_t piece = 7) {
    auto at = std::make_shared<size_t>(0);
    return [&data, at, piece](uint8_t* buffer, size_t length) -> size_t {
      const size_t n = std::min({length, piece, data.size() - *at});
      std::memcpy(buffer, data.data() + *at, n);
      *at += n;
      return n;
    };
  }

  size_t CountFiles() {
    size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_)) n += e.is_regular_file() ? 1 : 0;
    return n;
  }

  std::filesystem::path dir_;
};

TEST_F(FolderTierTest, PutReadSizeRemove) {
  auto tier = OpenFolderTier({"hot", "folder", "DE"}, dir_.string());
  EXPECT_EQ(tier->Info().name, "hot");
  const std::string data = "hello, archive: some bytes that span several pieces";
  tier->Put("obj-1", From(data), data.size(), {});
  ASSERT_TRUE(tier->SizeOf("obj-1"));
  EXPECT_EQ(*tier->SizeOf("obj-1"), data.size());
  std::string out(10, '\0');
  EXPECT_EQ(tier->ReadAt("obj-1", 7, reinterpret_cast<uint8_t*>(out.data()), out.size()), 10u);
  EXPECT_EQ(out, data.substr(7, 10));
  EXPECT_EQ(tier->ReadAt("obj-1", data.size(), reinterpret_cast<uint8_t*>(out.data()), out.size()), 0u);
  EXPECT_EQ(tier->ReadAt("obj-1", data.size() - 3, reinterpret_cast<uint8_t*>(out.data()), out.size()), 3u);
  // Overwrite.
  const std::string other = "short";
  tier->Put("obj-1", From(other), other.size(), {});
  EXPECT_EQ(*tier->SizeOf("obj-1"), other.size());
  tier->Remove("obj-1");
  tier->Remove("obj-1");  // idempotent
  EXPECT_FALSE(tier->SizeOf("obj-1"));
  try {
    tier->ReadAt("obj-1", 0, reinterpret_cast<uint8_t*>(out.data()), out.size());
    FAIL();
  } catch (const TierError& e) {
    EXPECT_EQ(e.kind(), TierError::Kind::NotFound);
  }
  tier->ExtendRetention("obj-1", 123);  // no-op
}

TEST_F(FolderTierTest, RejectsKeysThatEscapeTheFolder) {
  auto tier = OpenFolderTier({"hot", "folder", "DE"}, dir_.string());
  for (const std::string key : {"", "..", "../x", "a/b", "/etc/passwd", "a..b", "x y", "x.tmp-1"}) {
    EXPECT_THROW(tier->Put(key, From("x"), 1, {}), TierError) << key;
    EXPECT_THROW(tier->SizeOf(key), TierError) << key;
    EXPECT_THROW(tier->Remove(key), TierError) << key;
  }
}

TEST_F(FolderTierTest, FailedWriteLeavesNothing) {
  auto tier = OpenFolderTier({"hot", "folder", "DE"}, dir_.string());
  const std::string data(100, 'x');
  size_t calls = 0;
  const ByteReader failing = [&](uint8_t* buffer, size_t length) -> size_t {
    if (++calls == 3) throw std::runtime_error("source broke");
    std::memset(buffer, 'x', std::min<size_t>(length, 10));
    return std::min<size_t>(length, 10);
  };
  EXPECT_THROW(tier->Put("obj", failing, 100, {}), std::runtime_error);
  EXPECT_FALSE(tier->SizeOf("obj"));
  EXPECT_EQ(CountFiles(), 0u);
  // A size that does not match what the reader gives is refused too.
  EXPECT_THROW(tier->Put("obj", From(data), 200, {}), TierError);
  EXPECT_EQ(CountFiles(), 0u);
}

TEST_F(FolderTierTest, StaleTemporaryFilesAreRemovedOnOpen) {
  {
    auto tier = OpenFolderTier({"hot", "folder", "DE"}, dir_.string());
    tier->Put("keep", From("abc"), 3, {});
  }
  std::filesystem::create_directories(dir_ / "ab" / "cd");
  std::ofstream(dir_ / "ab" / "cd" / "obj.tmp-0123456789abcdef") << "partial";
  std::filesystem::last_write_time(dir_ / "ab" / "cd" / "obj.tmp-0123456789abcdef",
                                   std::filesystem::file_time_type::clock::now() - std::chrono::hours(25));
  auto tier = OpenFolderTier({"hot", "folder", "DE"}, dir_.string());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "ab" / "cd" / "obj.tmp-0123456789abcdef"));
  EXPECT_EQ(*tier->SizeOf("keep"), 3u);
}

TEST_F(FolderTierTest, OnlyOldTemporaryFilesAreRemovedOnOpen) {
  // Another process sharing the folder may be writing the fresh one right now.
  std::filesystem::create_directories(dir_ / "ab" / "cd");
  const auto old = dir_ / "ab" / "cd" / "crashed.tmp-0123456789abcdef";
  const auto fresh = dir_ / "ab" / "cd" / "busy.tmp-fedcba9876543210";
  const auto recent = dir_ / "ab" / "cd" / "recent.tmp-00112233445566ff";
  std::ofstream(old) << "partial";
  std::ofstream(fresh) << "in progress";
  std::ofstream(recent) << "in progress too";
  const auto now = std::filesystem::file_time_type::clock::now();
  std::filesystem::last_write_time(old, now - std::chrono::hours(2));
  std::filesystem::last_write_time(recent, now - std::chrono::minutes(50));
  auto tier = OpenFolderTier({"hot", "folder", "DE"}, dir_.string());
  EXPECT_FALSE(std::filesystem::exists(old));
  EXPECT_TRUE(std::filesystem::exists(fresh));
  EXPECT_TRUE(std::filesystem::exists(recent));
}

TEST_F(FolderTierTest, FullDiskIsNoSpaceAndLeavesNothing) {
  // /dev/full answers every write with ENOSPC: a root whose files are /dev/full is not possible, so the tier is
  // pointed at a tiny tmpfs when we may mount one, else the check is done on a read-only folder (Refused).
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
  std::filesystem::create_directories(dir_ / "small");
  const std::string mount = "mount -t tmpfs -o size=64k tmpfs " + (dir_ / "small").string() + " 2>/dev/null";
  if (std::system(mount.c_str()) != 0) GTEST_SKIP() << "cannot mount a tmpfs here";
  {
    auto tier = OpenFolderTier({"hot", "folder", "DE"}, (dir_ / "small").string());
    const std::string big(1 << 20, 'x');
    try {
      tier->Put("big", From(big, 1 << 16), big.size(), {});
      FAIL() << "a 1 MiB object fit into 64 KiB";
    } catch (const TierError& e) {
      EXPECT_EQ(e.kind(), TierError::Kind::NoSpace) << e.what();
    }
    size_t files = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ / "small")) files += e.is_regular_file();
    EXPECT_EQ(files, 0u);
  }
  if (std::system(("umount " + (dir_ / "small").string()).c_str()) != 0) ADD_FAILURE() << "umount failed";
}

}  // namespace
