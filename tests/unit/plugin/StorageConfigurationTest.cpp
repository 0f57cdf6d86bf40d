#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "Configuration.h"
#include "JsonText.h"

using va::plugin::OrganisationOf;
using va::plugin::ParseConfiguration;

namespace {

Json::Value Parse(const std::string& text) {
  return ParseJsonText(text);
}

std::string StorageError(const std::string& storage) {
  try {
    ParseConfiguration(Parse(R"({"StorageDirectory": "/srv/o", "VideoArchive": {"Storage": )" + storage + "}}"));
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

const char* const kTwoTiers = R"({
  "Tiers": [ {"Name": "hot", "Kind": "Folder", "Country": "de"},
             {"Name": "cold", "Kind": "S3", "Country": "DE", "Endpoint": "http://127.0.0.1:7480", "Bucket": "b",
              "AccessKey": "a", "SecretKey": "s", "ObjectLock": true} ],
  "Organisations": {"Klinikum": {"InstitutionNames": ["Klinikum Nord"], "Countries": ["DE"]}},
  "Policies": [ {"Name": "cold after 30 days", "MinAgeDays": 30, "Tiers": ["cold"]} ],
  "Retention": [ {"Country": "DE", "YearsAfterLastVisit": 10} ],
  "Worm": true, "KeyFile": "/etc/va/keys", "ChunkKilobytes": 256
})";

}  // namespace

TEST(StorageConfigurationTest, EmbeddedDefaultsAreOneHotFolderSqliteAndAGeneratedKey) {
  const auto c = ParseConfiguration(Parse(R"({"StorageDirectory": "/srv/o"})"));
  EXPECT_TRUE(c.storage.enable);
  ASSERT_EQ(c.storage.tiers.size(), 1u);
  EXPECT_EQ(c.storage.tiers[0].info.kind, "folder");
  EXPECT_EQ(c.storage.tiers[0].path, "/srv/o/video-archive/tiers/hot");
  EXPECT_EQ(c.storage.store.hotTier, "hot");
  EXPECT_EQ(c.storage.catalogEngine, "SQLite");
  EXPECT_EQ(c.storage.catalogTarget, "/srv/o/video-archive/storage-catalog.sqlite");
  EXPECT_TRUE(c.storage.createKeyFile);
  EXPECT_EQ(c.storage.legacyStorageDirectory, "/srv/o");
  EXPECT_FALSE(c.storage.worm);
}

TEST(StorageConfigurationTest, TiersPoliciesOrganisationsAndRetentionAreRead) {
  const auto c = ParseConfiguration(
      Parse(std::string(R"({"StorageDirectory": "/srv/o", "VideoArchive": {"Storage": )") + kTwoTiers + "}}"));
  const auto& s = c.storage;
  ASSERT_EQ(s.tiers.size(), 2u);
  EXPECT_EQ(s.tiers[0].info.country, "DE");  // normalised
  EXPECT_EQ(s.tiers[1].info.kind, "s3");
  EXPECT_TRUE(s.tiers[1].s3.objectLock);
  EXPECT_EQ(s.store.rules.at(0).tiers, std::vector<std::string>{"cold"});
  EXPECT_DOUBLE_EQ(s.store.rules.at(0).minAgeDays, 30);
  EXPECT_EQ(s.store.retention.at(0).country, "DE");
  EXPECT_TRUE(s.worm);
  EXPECT_TRUE(s.store.worm);
  EXPECT_FALSE(s.createKeyFile);
  EXPECT_EQ(s.store.chunkSize, 256u << 10);
  EXPECT_EQ(OrganisationOf(s, "  KLINIKUM nord "), "Klinikum");
  EXPECT_EQ(OrganisationOf(s, "Elsewhere"), "");
  // Secrets stay out of the report.
  EXPECT_EQ(c.ToJson().toStyledString().find("\"s\""), std::string::npos);
}

TEST(StorageConfigurationTest, MistakesNameTheOption) {
  const struct {
    const char* storage;
    const char* expected;
  } cases[] = {
      {R"({"Tierz": []})", "Tierz"},
      {R"({"Tiers": [{"Name": "hot", "Kind": "Tape", "Country": "DE"}]})", "Kind"},
      {R"({"Tiers": [{"Name": "hot", "Country": "Germany"}]})", "Country"},
      {R"({"Tiers": [{"Name": "a b", "Country": "DE"}]})", "Name"},
      {R"({"Tiers": [{"Name": "x", "Country": "DE"}, {"Name": "x", "Country": "DE"}]})", "twice"},
      {R"({"Tiers": [{"Name": "s", "Kind": "S3", "Country": "DE", "Bucket": "b"}]})", "Endpoint"},
      {R"({"Tiers": [{"Name": "s", "Kind": "S3", "Country": "DE", "Endpoint": "http://x", "Bucket": "b",
                      "AccessKey": "a", "SecretKey": "s"}]})",
       "HotTier"},
      {R"({"HotTier": "nowhere"})", "HotTier"},
      {R"({"Catalog": {"Engine": "Oracle"}})", "Engine"},
      {R"({"Catalog": {"Engine": "PostgreSQL"}})", "ConnectionString"},
      {R"({"Policies": [{"Name": "p", "Tiers": ["missing"]}]})", "missing"},
      {R"({"Policies": [{"Name": "p", "Tiers": []}]})", "Tiers"},
      {R"({"Policies": [{"Name": "p", "Tiers": ["hot"], "CopyKind": "copy"}]})", "CopyKind"},
      {R"({"Retention": [{"YearsAfterLastVisit": -1}]})", "YearsAfterLastVisit"},
      {R"({"ChunkKilobytes": 1})", "ChunkKilobytes"},
  };
  for (const auto& c : cases) {
    const std::string error = StorageError(c.storage);
    EXPECT_NE(error.find(c.expected), std::string::npos) << c.storage << " -> " << error;
  }
}

TEST(StorageConfigurationTest, ARuleThatCanNeverPlaceAnOrganisationsDataIsRefused) {
  const std::string error = StorageError(R"({
    "Tiers": [ {"Name": "hot", "Country": "DE"}, {"Name": "us", "Kind": "S3", "Country": "US",
               "Endpoint": "http://x", "Bucket": "b", "AccessKey": "a", "SecretKey": "s"} ],
    "Organisations": {"Klinikum": {"Countries": ["DE"]}},
    "Policies": [ {"Name": "to the US", "Organisations": ["Klinikum"], "Tiers": ["us"]} ] })");
  EXPECT_NE(error.find("to the US"), std::string::npos) << error;
}
