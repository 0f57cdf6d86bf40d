#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "va/archive/KeyRing.h"

namespace va::archive {
namespace {

const std::string kHexA = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string kHexB = "FFEEDDCCBBAA99887766554433221100ffeeddccbbaa99887766554433221100";

std::string ErrorOf(const std::string& text) {
  try {
    KeyRing::FromText(text, "test.keys");
  } catch (const KeyError& e) {
    return e.what();
  }
  return "";
}

TEST(KeyRingTest, ParsesCommentsAndTakesTheLastKeyAsCurrent) {
  const KeyRing ring =
      KeyRing::FromText("# master keys\n\n  old-2023 " + kHexA + "  # retired\r\n\tnew_2024.1\t" + kHexB + "\n# end");
  EXPECT_EQ(ring.CurrentId(), "new_2024.1");
  EXPECT_TRUE(ring.Has("old-2023"));
  EXPECT_TRUE(ring.Has("new_2024.1"));
  EXPECT_FALSE(ring.Has("other"));
}

TEST(KeyRingTest, WrapsAndUnwraps) {
  const KeyRing ring = KeyRing::FromText("a " + kHexA + "\nb " + kHexB + "\n");
  const std::string dataKey = NewDataKey();
  ASSERT_EQ(dataKey.size(), 32u);
  EXPECT_NE(dataKey, NewDataKey());
  const std::string wrapped = ring.Wrap(dataKey, ring.CurrentId());
  ASSERT_EQ(wrapped.size(), 60u);
  EXPECT_EQ(wrapped.find(dataKey), std::string::npos);
  EXPECT_NE(ring.Wrap(dataKey, "b"), wrapped);  // fresh nonce each time
  EXPECT_EQ(ring.Unwrap(wrapped, "b"), dataKey);
  EXPECT_EQ(ring.Unwrap(ring.Wrap(dataKey, "a"), "a"), dataKey);

  // Rotation: a ring with a new current key still unwraps what the old one wrapped.
  const KeyRing rotated = KeyRing::FromText("b " + kHexB + "\nc " + kHexA + "\n");
  EXPECT_EQ(rotated.Unwrap(wrapped, "b"), dataKey);
}

TEST(KeyRingTest, RefusesUnknownIdsWrongKeysAndAlteredBlobs) {
  const KeyRing ring = KeyRing::FromText("a " + kHexA + "\nb " + kHexB + "\n");
  const std::string dataKey = NewDataKey();
  const std::string wrapped = ring.Wrap(dataKey, "a");
  EXPECT_THROW(ring.Wrap(dataKey, "zz"), KeyError);
  EXPECT_THROW(ring.Unwrap(wrapped, "zz"), KeyError);
  EXPECT_THROW(ring.Unwrap(wrapped, "b"), KeyError);  // wrong master key
  const KeyRing impostor = KeyRing::FromText("a " + kHexB + "\n");
  EXPECT_THROW(impostor.Unwrap(wrapped, "a"), KeyError);  // same ID, other key material
  for (size_t i : {size_t{0}, size_t{20}, size_t{59}}) {
    std::string bad = wrapped;
    bad[i] = static_cast<char>(bad[i] ^ 1);
    EXPECT_THROW(ring.Unwrap(bad, "a"), KeyError);
  }
  EXPECT_THROW(ring.Unwrap(wrapped.substr(0, 59), "a"), KeyError);
  EXPECT_THROW(ring.Wrap(dataKey.substr(0, 16), "a"), KeyError);
  try {
    ring.Unwrap(wrapped, "b");
  } catch (const KeyError& e) {
    EXPECT_NE(std::string(e.what()).find("failed authentication"), std::string::npos) << e.what();
  }
}

TEST(KeyRingTest, RejectsBadLinesWithLineNumbersAndWithoutKeys) {
  EXPECT_NE(ErrorOf("").find("holds no keys"), std::string::npos);
  EXPECT_NE(ErrorOf("# nothing\n\n").find("holds no keys"), std::string::npos);
  const std::string shortHex = kHexA.substr(0, 62);
  const std::string cases[] = {
      "a " + kHexA + "\nb " + shortHex + "\n",                          // short key
      "a " + kHexA + "\nb " + kHexA + "00\n",                           // long key
      "a " + kHexA + "\nb " + kHexA.substr(0, 63) + "g\n",              // not hex
      "a " + kHexA + "\nb\n",                                           // no key
      "a " + kHexA + "\nb " + kHexA + " extra\n",                       // trailing text
      "a " + kHexA + "\nb/c " + kHexA + "\n",                           // bad ID character
      "a " + kHexA + "\n" + std::string(65, 'i') + " " + kHexA + "\n",  // ID too long
      "a " + kHexA + "\na " + kHexB + "\n",                             // duplicated ID
  };
  for (const std::string& text : cases) {
    const std::string error = ErrorOf(text);
    SCOPED_TRACE(error);
    EXPECT_NE(error.find("test.keys line 2:"), std::string::npos);
    EXPECT_EQ(error.find(kHexA.substr(0, 16)), std::string::npos);  // no key material
    EXPECT_EQ(error.find(kHexB.substr(0, 16)), std::string::npos);
    EXPECT_EQ(error.find(shortHex.substr(0, 16)), std::string::npos);
  }
  EXPECT_NE(ErrorOf("a " + kHexA + "\na " + kHexB).find("already used on line 1"), std::string::npos);
  EXPECT_NO_THROW(KeyRing::FromText(std::string(64, 'i') + " " + kHexA));
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() / ("va-keys-" + std::to_string(::getpid()) + "-" +
                                                       ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
    std::ofstream(path_) << "# keys\nk1 " << kHexA << "\nk2 " << kHexB << "\n";
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_;
};

TEST_F(KeyFileTest, ReadsAPrivateFile) {
  for (mode_t mode : {mode_t{0600}, mode_t{0400}}) {
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
    const KeyRing ring = KeyRing::FromFile(path_);
    EXPECT_EQ(ring.CurrentId(), "k2");
    EXPECT_TRUE(ring.Has("k1"));
  }
}

TEST_F(KeyFileTest, RefusesAFileOthersCanRead) {
  for (mode_t mode : {mode_t{0644}, mode_t{0640}, mode_t{0604}, mode_t{0620}}) {
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
    try {
      KeyRing::FromFile(path_);
      ADD_FAILURE() << "mode " << mode << " accepted";
    } catch (const KeyError& e) {
      const std::string error = e.what();
      EXPECT_NE(error.find("chmod 600"), std::string::npos) << error;
      EXPECT_NE(error.find(path_), std::string::npos) << error;
    }
  }
}

TEST_F(KeyFileTest, NamesTheFileAndLineOfAnError) {
  std::ofstream(path_) << "k1 " << kHexA << "\n\nk2 " << kHexB.substr(1) << "\n";
  ASSERT_EQ(::chmod(path_.c_str(), 0600), 0);
  try {
    KeyRing::FromFile(path_);
    ADD_FAILURE() << "accepted";
  } catch (const KeyError& e) {
    const std::string error = e.what();
    EXPECT_NE(error.find("key file " + path_ + " line 3:"), std::string::npos) << error;
    EXPECT_EQ(error.find(kHexB.substr(1, 16)), std::string::npos) << error;
  }
}

TEST_F(KeyFileTest, RefusesAMissingFile) {
  EXPECT_THROW(KeyRing::FromFile(path_ + ".missing"), KeyError);
  EXPECT_THROW(KeyRing::FromFile(std::filesystem::temp_directory_path().string()), KeyError);
}

}  // namespace
}  // namespace va::archive
