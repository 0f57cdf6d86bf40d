// The S3 tier (OpenS3Tier) against a real single-node Ceph started by with-services.sh (ceph.sh).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "va/archive/S3Client.h"
#include "va/archive/Tier.h"

namespace va::archive {
namespace {

std::string EnvOf(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

ByteReader BytesOf(const std::string& bytes) {
  auto offset = std::make_shared<size_t>(0);
  return [&bytes, offset](uint8_t* buffer, size_t length) {
    const size_t n = std::min(length, bytes.size() - *offset);
    std::copy_n(bytes.data() + *offset, n, buffer);
    *offset += n;
    return n;
  };
}

class S3TierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (EnvOf("VA_S3_ENDPOINT").empty() || EnvOf("VA_S3_ACCESS_KEY").empty() || EnvOf("VA_S3_SECRET_KEY").empty())
      FAIL() << "VA_S3_ENDPOINT, VA_S3_ACCESS_KEY and VA_S3_SECRET_KEY are not set: run this binary under "
                "tests/services/with-services.sh (ctest -R archive.services), which starts Ceph with ceph.sh";
    settings_.endpoint = EnvOf("VA_S3_ENDPOINT");
    settings_.accessKey = EnvOf("VA_S3_ACCESS_KEY");
    settings_.secretKey = EnvOf("VA_S3_SECRET_KEY");
    if (!EnvOf("VA_S3_REGION").empty()) settings_.region = EnvOf("VA_S3_REGION");
    settings_.partSize = 5U << 20;
    settings_.bucket = "va-tier-" + std::to_string(::getpid());
    settings_.objectLock = true;
    settings_.prefix = "archive/";
    S3Client(settings_).CreateBucket();
    tier_ = OpenS3Tier({"ceph-cold", "s3", "DE"}, settings_);
  }

  static std::string Key() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }
  static int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

  S3Settings settings_;
  std::unique_ptr<Tier> tier_;
};

TEST_F(S3TierTest, PutReadSizeRemove) {
  EXPECT_EQ(tier_->Info().kind, "s3");
  const std::string bytes = "tiered bytes";
  tier_->Put(Key(), BytesOf(bytes), bytes.size(), {});
  EXPECT_EQ(tier_->SizeOf(Key()), bytes.size());
  std::string got(bytes.size(), '\0');
  EXPECT_EQ(tier_->ReadAt(Key(), 0, reinterpret_cast<uint8_t*>(got.data()), got.size()), bytes.size());
  EXPECT_EQ(got, bytes);
  EXPECT_EQ(tier_->ReadAt(Key(), bytes.size(), reinterpret_cast<uint8_t*>(got.data()), 1), 0U);

  // Overwritten: the newest version is read; Remove deletes every version, not just the newest.
  tier_->Put(Key(), BytesOf("second"), 6, {});
  EXPECT_EQ(tier_->SizeOf(Key()), 6U);
  tier_->Remove(Key());
  EXPECT_FALSE(tier_->SizeOf(Key()).has_value());
  EXPECT_NO_THROW(tier_->Remove(Key()));  // absent: succeeds
}

TEST_F(S3TierTest, MissingObjectIsNotFound) {
  EXPECT_FALSE(tier_->SizeOf("missing").has_value());
  uint8_t byte = 0;
  try {
    tier_->ReadAt("missing", 0, &byte, 1);
    FAIL() << "read of a missing object succeeded";
  } catch (const TierError& e) {
    EXPECT_EQ(e.kind(), TierError::Kind::NotFound) << e.what();
    EXPECT_NE(std::string(e.what()).find("ceph-cold"), std::string::npos) << e.what();
  }
  try {
    tier_->ExtendRetention("missing", Now() + 60);
    FAIL() << "retention of a missing object succeeded";
  } catch (const TierError& e) {
    EXPECT_EQ(e.kind(), TierError::Kind::NotFound) << e.what();
  }
}

TEST_F(S3TierTest, RetentionRefusesRemoveAndOnlyExtends) {
  PutOptions options;
  options.retainUntil = Now() + 3600;
  tier_->Put(Key(), BytesOf("kept"), 4, options);
  try {
    tier_->Remove(Key());
    FAIL() << "a retained object was removed";
  } catch (const TierError& e) {
    EXPECT_EQ(e.kind(), TierError::Kind::Refused) << e.what();
  }
  EXPECT_EQ(tier_->SizeOf(Key()), 4U);

  S3Client client(settings_);
  tier_->ExtendRetention(Key(), options.retainUntil + 600);
  EXPECT_EQ(client.Head(Key())->retainUntil, options.retainUntil + 600);
  tier_->ExtendRetention(Key(), options.retainUntil);  // shorter: a no-op, not an error
  EXPECT_EQ(client.Head(Key())->retainUntil, options.retainUntil + 600);

  // Without retention asked, an object in the same bucket can go.
  tier_->Put(Key() + "-free", BytesOf("free"), 4, {});
  tier_->Remove(Key() + "-free");
  EXPECT_FALSE(tier_->SizeOf(Key() + "-free").has_value());
}

TEST_F(S3TierTest, ConcurrentUse) {
  std::vector<std::thread> threads;
  std::vector<std::string> errors(8);
  for (size_t t = 0; t < errors.size(); ++t) {
    threads.emplace_back([this, t, &errors] {
      try {
        const std::string key = Key() + "/" + std::to_string(t);
        const std::string bytes(1000 + t, static_cast<char>('a' + t));
        for (int round = 0; round < 3; ++round) {
          tier_->Put(key, BytesOf(bytes), bytes.size(), {});
          std::string got(bytes.size(), '\0');
          if (tier_->ReadAt(key, 0, reinterpret_cast<uint8_t*>(got.data()), got.size()) != bytes.size() || got != bytes)
            throw std::runtime_error("wrong bytes for " + key);
        }
        tier_->Remove(key);
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const std::string& error : errors) EXPECT_EQ(error, "");
}

}  // namespace
}  // namespace va::archive
