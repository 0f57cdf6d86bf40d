// Tokens, study ownership, shares and legal grants on both SqlDatabase engines (PostgreSQL when VA_PG_CONNINFO is set,
// skipped otherwise), and password hashes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "va/archive/AccessStore.h"

namespace va::archive {
namespace {

constexpr int64_t kNow = 1795865065;
constexpr int64_t kDay = 86400;

std::vector<std::string> UidsOf(const std::vector<StudyAccess>& studies) {
  std::vector<std::string> uids;
  uids.reserve(studies.size());
  for (const auto& s : studies) uids.push_back(s.studyUid);
  return uids;
}

class AccessStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string folder = (std::filesystem::temp_directory_path() / "va-access.XXXXXX").string();
    ASSERT_NE(mkdtemp(folder.data()), nullptr);
    folder_ = folder;
    if (GetParam() == "SQLite") {
      db_ = OpenSqlDatabase("SQLite", folder_ + "/access.db");
    } else {
      const char* conninfo = std::getenv("VA_PG_CONNINFO");
      if (conninfo == nullptr || *conninfo == '\0') GTEST_SKIP() << "VA_PG_CONNINFO is not set";
      db_ = OpenSqlDatabase("PostgreSQL", conninfo);
      db_->Script(
          "DROP TABLE IF EXISTS access_tokens; DROP TABLE IF EXISTS access_studies; DROP TABLE IF EXISTS "
          "access_shares; DROP TABLE IF EXISTS access_grants");
    }
    store_ = std::make_unique<AccessStore>(*db_);
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
    std::filesystem::remove_all(folder_);
  }

  std::string folder_;
  std::unique_ptr<SqlDatabase> db_;
  std::unique_ptr<AccessStore> store_;
};

TEST_P(AccessStoreTest, IssuesAndChecksTokens) {
  const IssuedToken issued = store_->IssueToken("OR 3 recorder", "recorder", "north", "", kNow + kDay, "admin", kNow);
  ASSERT_EQ(issued.info.id.size(), 16u);
  EXPECT_EQ(issued.info.id.find_first_not_of("0123456789abcdef"), std::string::npos);
  ASSERT_EQ(issued.secret.size(), 64u);
  EXPECT_EQ(issued.secret.rfind("va1." + issued.info.id + ".", 0), 0u);
  EXPECT_EQ(
      issued.secret.substr(21).find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);

  TokenInfo info;
  EXPECT_EQ(store_->CheckToken(issued.secret, kNow, &info), TokenCheck::Valid);
  EXPECT_EQ(info.id, issued.info.id);
  EXPECT_EQ(info.role, "recorder");
  EXPECT_EQ(info.organisation, "north");
  EXPECT_EQ(info.label, "OR 3 recorder");
  EXPECT_EQ(info.createdBy, "admin");
  EXPECT_EQ(store_->CheckToken(issued.secret, kNow + kDay - 1, nullptr), TokenCheck::Valid);
  EXPECT_EQ(store_->CheckToken(issued.secret, kNow + kDay, &info), TokenCheck::Expired);
  EXPECT_EQ(info.id, issued.info.id);

  // The same ID with another secret is unknown, not valid.
  std::string forged = issued.secret;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(store_->CheckToken(forged, kNow, &info), TokenCheck::Unknown);
  const IssuedToken other = store_->IssueToken("x", "auditor", "", "", kNow + 10, "admin", kNow);
  EXPECT_NE(other.info.id, issued.info.id);
  EXPECT_NE(other.secret.substr(21), issued.secret.substr(21));
  EXPECT_EQ(store_->CheckToken("va1.0123456789abcdef." + issued.secret.substr(21), kNow, &info), TokenCheck::Unknown);

  ASSERT_TRUE(store_->RevokeToken(issued.info.id, "security officer", kNow + 5));
  EXPECT_EQ(store_->CheckToken(issued.secret, kNow + 6, &info), TokenCheck::Revoked);
  EXPECT_EQ(info.revokedBy, "security officer");
  EXPECT_EQ(info.revokedAt, kNow + 5);
  EXPECT_TRUE(store_->RevokeToken(issued.info.id, "someone later", kNow + 50));  // known; the first revocation stays
  EXPECT_EQ(store_->FindToken(issued.info.id)->revokedBy, "security officer");
  EXPECT_FALSE(store_->RevokeToken("0000000000000000", "x", kNow));
  EXPECT_EQ(store_->CheckToken(other.secret, kNow + 10, nullptr), TokenCheck::Expired);

  EXPECT_EQ(store_->ListTokens().size(), 2u);
  EXPECT_FALSE(store_->FindToken("ffffffffffffffff").has_value());
}

TEST_P(AccessStoreTest, StoresOnlyTheHashOfTheSecret) {
  const IssuedToken issued = store_->IssueToken("t", "clinician", "north", "dr x", kNow + kDay, "admin", kNow);
  const auto rows = db_->Run("SELECT * FROM access_tokens");
  ASSERT_EQ(rows.rows.size(), 1u);
  const std::string secretPart = issued.secret.substr(21);
  bool sawHash = false;
  for (size_t i = 0; i < rows.rows[0].values.size(); ++i) {
    const std::string value = rows.rows[0].Text(i);
    EXPECT_EQ(value.find(secretPart), std::string::npos) << "column " << i << " holds the secret";
    if (value.size() == 64 && value.find_first_not_of("0123456789abcdef") == std::string::npos) sawHash = true;
  }
  EXPECT_TRUE(sawHash);
}

TEST_P(AccessStoreTest, RejectsMalformedSecretsAndBadTokenRequests) {
  const IssuedToken issued = store_->IssueToken("t", "admin", "", "", kNow + kDay, "admin", kNow);
  const std::string& s = issued.secret;
  const std::string malformed[] = {
      "",
      std::string(1 << 20, 'a'),
      s + "A",
      s.substr(0, 63),
      "va2" + s.substr(3),
      "VA1" + s.substr(3),
      s.substr(0, 4) + "0123456789ABCDEF" + s.substr(20),  // upper-case hex
      s.substr(0, 4) + "0123456789abcdeg" + s.substr(20),
      s.substr(0, 20) + "x" + s.substr(21),
      s.substr(0, 21) + "+" + s.substr(22),  // not base64url
      s.substr(0, 21) + std::string(1, '\0') + s.substr(22),
      "Bearer " + s,
  };
  for (const std::string& bad : malformed)
    EXPECT_EQ(store_->CheckToken(bad, kNow, nullptr), TokenCheck::Malformed) << bad.substr(0, 80);
  EXPECT_STREQ(ToString(TokenCheck::Malformed), "malformed");
  EXPECT_STREQ(ToString(TokenCheck::Valid), "valid");

  EXPECT_THROW(store_->IssueToken("t", "superuser", "", "", kNow + kDay, "admin", kNow), AccessError);
  EXPECT_THROW(store_->IssueToken("t", "", "", "", kNow + kDay, "admin", kNow), AccessError);
  EXPECT_THROW(store_->IssueToken("t", "admin", "", "", kNow, "admin", kNow), AccessError);
  for (const char* role : {"admin", "clinician", "researcher", "legal", "recorder", "auditor"})
    EXPECT_NO_THROW(store_->IssueToken("t", role, "", "", kNow + 1, "admin", kNow));
}

TEST_P(AccessStoreTest, KeepsAStudysOrganisationUnlessOverwritten) {
  store_->RecordStudy("1.1", "", "north", "upload", false, false);
  auto s = store_->StudyByUid("1.1");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->organisation, "north");
  EXPECT_EQ(s->origin, "upload");
  EXPECT_EQ(s->orthancStudyId, "");
  EXPECT_FALSE(s->isPublic);
  EXPECT_FALSE(s->deidentified);

  // A later instance: the Orthanc ID is learnt, the de-identified flag follows, the owner stays.
  store_->RecordStudy("1.1", "orthanc-a", "south", "worklist", true, false);
  s = store_->StudyByUid("1.1");
  EXPECT_EQ(s->organisation, "north");
  EXPECT_EQ(s->origin, "upload");
  EXPECT_EQ(s->orthancStudyId, "orthanc-a");
  EXPECT_TRUE(s->deidentified);
  store_->RecordStudy("1.1", "orthanc-b", "", "", false, false);
  EXPECT_EQ(store_->StudyByUid("1.1")->orthancStudyId, "orthanc-a");  // a known Orthanc ID is kept

  // An admin's change overwrites.
  store_->RecordStudy("1.1", "", "south", "admin", false, true);
  s = store_->StudyByOrthancId("orthanc-a");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->organisation, "south");
  EXPECT_EQ(s->origin, "admin");

  // An unassigned study takes the first organisation offered.
  store_->RecordStudy("1.2", "orthanc-c", "", "default", false, false);
  EXPECT_EQ(store_->StudyByUid("1.2")->organisation, "");
  store_->RecordStudy("1.2", "", "east", "institution", false, false);
  EXPECT_EQ(store_->StudyByUid("1.2")->organisation, "east");
  EXPECT_EQ(store_->StudyByUid("1.2")->origin, "institution");

  EXPECT_FALSE(store_->StudyByUid("9.9").has_value());
  EXPECT_FALSE(store_->StudyByOrthancId("").has_value());
  EXPECT_THROW(store_->RecordStudy("", "", "x", "upload", false, false), AccessError);
}

TEST_P(AccessStoreTest, SharesAndResearchStudies) {
  store_->RecordStudy("1.1", "a", "north", "upload", false, false);
  store_->RecordStudy("1.2", "b", "south", "upload", false, false);
  store_->RecordStudy("1.3", "c", "south", "upload", true, false);
  store_->RecordStudy("1.4", "d", "", "default", false, false);

  EXPECT_TRUE(store_->Share("1.2", "north"));
  EXPECT_TRUE(store_->Share("1.2", "north"));  // idempotent
  EXPECT_TRUE(store_->Share("1.2", "west"));
  EXPECT_FALSE(store_->Share("9.9", "north"));
  EXPECT_THROW(store_->Share("1.2", ""), AccessError);
  EXPECT_EQ(store_->StudyByUid("1.2")->sharedWith, (std::vector<std::string>{"north", "west"}));

  EXPECT_EQ(UidsOf(store_->StudiesOfOrganisation("north")), (std::vector<std::string>{"1.1", "1.2"}));
  EXPECT_EQ(UidsOf(store_->StudiesOfOrganisation("south")), (std::vector<std::string>{"1.2", "1.3"}));
  EXPECT_EQ(UidsOf(store_->StudiesOfOrganisation("west")), (std::vector<std::string>{"1.2"}));
  EXPECT_TRUE(store_->StudiesOfOrganisation("").empty());  // unassigned studies are for admins only
  const auto north = store_->StudiesOfOrganisation("north");
  EXPECT_EQ(north[1].sharedWith.size(), 2u);

  EXPECT_TRUE(store_->Unshare("1.2", "north"));
  EXPECT_FALSE(store_->Unshare("1.2", "north"));
  EXPECT_EQ(UidsOf(store_->StudiesOfOrganisation("north")), (std::vector<std::string>{"1.1"}));

  EXPECT_EQ(UidsOf(store_->ResearchStudies()), (std::vector<std::string>{"1.3"}));
  EXPECT_TRUE(store_->SetPublic("1.1", true));
  EXPECT_FALSE(store_->SetPublic("9.9", true));
  EXPECT_EQ(UidsOf(store_->ResearchStudies()), (std::vector<std::string>{"1.1", "1.3"}));
  EXPECT_TRUE(store_->StudyByUid("1.1")->isPublic);
  EXPECT_TRUE(store_->SetPublic("1.1", false));
  EXPECT_EQ(UidsOf(store_->ResearchStudies()), (std::vector<std::string>{"1.3"}));

  store_->ForgetStudy("1.2");
  EXPECT_FALSE(store_->StudyByUid("1.2").has_value());
  EXPECT_TRUE(store_->StudiesOfOrganisation("west").empty());
  EXPECT_EQ(db_->Run("SELECT COUNT(*) FROM access_shares").rows.at(0).Int(0), 0);
}

TEST_P(AccessStoreTest, GrantsExpireAndCanBeRevoked) {
  const Grant first = store_->AddGrant("1.1", "lawyer", kNow + kDay, "admin", "case 2026/17", kNow);
  const Grant second = store_->AddGrant("1.2", "lawyer", kNow + 2 * kDay, "admin", "case 2026/18", kNow);
  const Grant third = store_->AddGrant("1.1", "judge", kNow + kDay, "admin", "appeal", kNow);
  EXPECT_EQ(first.id, 1);
  EXPECT_EQ(second.id, 2);
  EXPECT_EQ(third.id, 3);

  EXPECT_TRUE(store_->HasGrant("lawyer", "1.1", kNow));
  EXPECT_TRUE(store_->HasGrant("lawyer", "1.1", kNow + kDay - 1));
  EXPECT_FALSE(store_->HasGrant("lawyer", "1.1", kNow + kDay));  // expired
  EXPECT_FALSE(store_->HasGrant("lawyer", "1.3", kNow));
  EXPECT_FALSE(store_->HasGrant("judge", "1.2", kNow));

  EXPECT_TRUE(store_->RevokeGrant(second.id, kNow + 10));
  EXPECT_FALSE(store_->HasGrant("lawyer", "1.2", kNow + 11));
  EXPECT_TRUE(store_->RevokeGrant(second.id, kNow + 20));  // known
  EXPECT_FALSE(store_->RevokeGrant(99, kNow));

  const auto lawyer = store_->ListGrants("lawyer");
  ASSERT_EQ(lawyer.size(), 2u);
  EXPECT_EQ(lawyer[1].revokedAt, kNow + 10);
  EXPECT_EQ(lawyer[0].reason, "case 2026/17");
  EXPECT_EQ(lawyer[0].expiresAt, kNow + kDay);
  EXPECT_EQ(store_->ListGrants().size(), 3u);

  EXPECT_THROW(store_->AddGrant("1.1", "lawyer", kNow, "admin", "", kNow), AccessError);
  EXPECT_THROW(store_->AddGrant("", "lawyer", kNow + 1, "admin", "", kNow), AccessError);
  EXPECT_THROW(store_->AddGrant("1.1", "", kNow + 1, "admin", "", kNow), AccessError);
  EXPECT_EQ(store_->AddGrant("1.4", "x", kNow + 1, "admin", "", kNow).id, 4);
}

TEST_P(AccessStoreTest, SurvivesReopening) {
  const IssuedToken issued = store_->IssueToken("t", "legal", "", "lawyer", kNow + kDay, "admin", kNow);
  store_->RecordStudy("1.1", "a", "north", "upload", false, false);
  store_.reset();
  store_ = std::make_unique<AccessStore>(*db_);
  EXPECT_EQ(store_->CheckToken(issued.secret, kNow, nullptr), TokenCheck::Valid);
  EXPECT_EQ(store_->StudyByUid("1.1")->organisation, "north");
}

INSTANTIATE_TEST_SUITE_P(Engines, AccessStoreTest, ::testing::Values("SQLite", "PostgreSQL"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(PasswordTest, HashesAndVerifies) {
  const std::string hash = HashPassword("correct horse", 1000);
  EXPECT_EQ(hash.rfind("pbkdf2-sha256$1000$", 0), 0u) << hash;
  EXPECT_TRUE(VerifyPassword("correct horse", hash));
  EXPECT_FALSE(VerifyPassword("correct horsE", hash));
  EXPECT_FALSE(VerifyPassword("", hash));
  EXPECT_FALSE(VerifyPassword(std::string("correct horse\0", 14), hash));  // HMAC would pad it to the same key
  EXPECT_THROW(HashPassword(std::string("a\0b", 3), 10), AccessError);
  EXPECT_NE(HashPassword("correct horse", 1000), hash);  // random salt
  const std::string defaultHash = HashPassword("pw");
  EXPECT_EQ(defaultHash.rfind("pbkdf2-sha256$200000$", 0), 0u);
  EXPECT_TRUE(VerifyPassword("pw", defaultHash));
  EXPECT_THROW(HashPassword("x", 0), AccessError);
  EXPECT_THROW(HashPassword("x", -5), AccessError);
}

TEST(PasswordTest, MatchesAKnownVector) {
  // RFC 7914 section 11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64).
  const std::string hash =
      "pbkdf2-sha256$1$c2FsdA==$"
      "VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLxJypzM8Xm2RZkWZLOdd+8xfHG4RbHjC9UJESBB06GXgw==";
  EXPECT_TRUE(VerifyPassword("passwd", hash));
  EXPECT_FALSE(VerifyPassword("passwd2", hash));
}

TEST(PasswordTest, MalformedHashesAreFalseNeverThrown) {
  const std::string good = HashPassword("pw", 10);
  const size_t last = good.rfind('$');
  const std::string salt = good.substr(good.find('$', 15) + 1, last - good.find('$', 15) - 1);
  const std::string digest = good.substr(last + 1);
  const std::string bad[] = {
      "",
      "$$$",
      "pbkdf2-sha256",
      "pbkdf2-sha1$10$" + salt + "$" + digest,
      "pbkdf2-sha256$0$" + salt + "$" + digest,
      "pbkdf2-sha256$010$" + salt + "$" + digest,
      "pbkdf2-sha256$-10$" + salt + "$" + digest,
      "pbkdf2-sha256$+10$" + salt + "$" + digest,
      "pbkdf2-sha256$99999999$" + salt + "$" + digest,  // past the cap: refused without hashing
      "pbkdf2-sha256$999999999999999999999$" + salt + "$" + digest,
      "pbkdf2-sha256$10$$" + digest,
      "pbkdf2-sha256$10$" + salt + "$",
      "pbkdf2-sha256$10$" + salt + "$" + digest + "$",
      "pbkdf2-sha256$10$" + salt + "$" + digest.substr(1),
      "pbkdf2-sha256$10$" + salt + "$" + "AAAA",  // too short a digest
      "pbkdf2-sha256$10$" + salt + "!$" + digest,
      "pbkdf2-sha256$10$" + salt + "$" + std::string(4000, 'A'),
      "pbkdf2-sha256$ten$" + salt + "$" + digest,
  };
  for (const std::string& encoded : bad) {
    bool result = true;
    EXPECT_NO_THROW(result = VerifyPassword("pw", encoded)) << encoded;
    EXPECT_FALSE(result) << encoded;
  }
  EXPECT_TRUE(VerifyPassword("pw", good));
}

}  // namespace
}  // namespace va::archive
