// The watermark master secret (HKDF-derived keys, archive IDs, de-identified UIDs) and the catalog's watermark
// registry.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "va/archive/Catalog.h"
#include "va/archive/ProvenanceKeys.h"

namespace {

using va::archive::WatermarkSecret;

std::filesystem::path TempDir() {
  char name[] = "/tmp/va-provkeys-XXXXXX";
  return mkdtemp(name);
}

TEST(ProvenanceKeys, SecretIsCreatedOnceOwnerOnlyAndLoadedBack) {
  const auto dir = TempDir();
  const std::string path = (dir / "keys" / "watermark-master.key").string();
  EXPECT_THROW(WatermarkSecret::Load(path), std::exception);  // an offline tool never creates one
  const WatermarkSecret a = WatermarkSecret::LoadOrCreate(path);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const WatermarkSecret b = WatermarkSecret::Load(path);
  EXPECT_EQ(a.PixelKey(), b.PixelKey());
  ::chmod(path.c_str(), 0644);
  EXPECT_THROW(WatermarkSecret::Load(path), std::exception);  // readable by others: refused, with the fix named
  std::ofstream(path) << "not hex\n";
  ::chmod(path.c_str(), 0600);
  EXPECT_THROW(WatermarkSecret::Load(path), std::exception);
  std::filesystem::remove_all(dir);
}

TEST(ProvenanceKeys, PurposesGiveIndependentKeys) {
  std::array<uint8_t, 32> master{};
  master[0] = 1;
  const WatermarkSecret s = WatermarkSecret::FromBytes(master);
  EXPECT_EQ(s.Derive("x"), s.Derive("x"));
  EXPECT_NE(s.Derive("x"), s.Derive("y"));
  master[31] = 2;
  EXPECT_NE(WatermarkSecret::FromBytes(master).PixelKey(), s.PixelKey());
}

TEST(ProvenanceKeys, ArchiveIdsAreDistinctPerKindAndInstance) {
  const WatermarkSecret s = WatermarkSecret::FromBytes({});
  std::set<uint64_t> ids;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t a = s.ArchiveIdFor("archival", "1.2.3." + std::to_string(i));
    const uint64_t d = s.ArchiveIdFor("deidentified", "1.2.3." + std::to_string(i));
    EXPECT_NE(a, 0u);
    EXPECT_NE(a, d);
    ids.insert(a);
  }
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(s.ArchiveIdFor("archival", "1.2.3.4"), s.ArchiveIdFor("archival", "1.2.3.4"));
}

TEST(ProvenanceKeys, PseudonymUidsAreValidConsistentAndKeyed) {
  const WatermarkSecret s = WatermarkSecret::FromBytes({});
  std::array<uint8_t, 32> other{};
  other[5] = 9;
  const std::regex uid("2\\.25\\.(0|[1-9][0-9]{0,38})");
  const std::string u = s.PseudonymUid("1.2.840.113619.2.55.3.604688119");
  EXPECT_TRUE(std::regex_match(u, uid)) << u;
  EXPECT_LE(u.size(), 64u);
  EXPECT_EQ(u, s.PseudonymUid("1.2.840.113619.2.55.3.604688119"));
  EXPECT_NE(u, s.PseudonymUid("1.2.840.113619.2.55.3.604688120"));
  EXPECT_NE(u, WatermarkSecret::FromBytes(other).PseudonymUid("1.2.840.113619.2.55.3.604688119"));
  const std::string p = s.Pseudonym("VA-", "PAT-1");
  EXPECT_EQ(p.size(), 15u);
  EXPECT_EQ(p.find("PAT"), std::string::npos);
}

TEST(ProvenanceKeys, CatalogRegistryFindsTheRecordBehindAnId) {
  const auto dir = TempDir();
  va::archive::Catalog catalog((dir / "catalog.sqlite").string());
  va::archive::WatermarkRecord w;
  w.archiveId = 0xfedcba9876543210ULL;  // above INT64_MAX: stored as hex, not as a signed integer
  w.sopInstanceUid = "1.2.3.9";
  w.studyInstanceUid = "1.2.3";
  w.kind = "archival";
  w.sourceSopUid = "1.2.3.1";
  catalog.RecordWatermark(w);
  catalog.RecordWatermark(w);  // a job run again after a crash: no error
  const auto found = catalog.FindWatermark(w.archiveId);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->sopInstanceUid, "1.2.3.9");
  EXPECT_EQ(found->kind, "archival");
  EXPECT_FALSE(catalog.FindWatermark(42));
  w.sopInstanceUid = "1.2.3.10";
  EXPECT_THROW(catalog.RecordWatermark(w), va::archive::CatalogError);  // one ID, one instance
  EXPECT_EQ(catalog.WatermarksOfStudy("1.2.3").size(), 1u);
  std::filesystem::remove_all(dir);
}

}  // namespace
