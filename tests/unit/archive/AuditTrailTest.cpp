// The audit trail on both SqlDatabase engines: SQLite in a scratch folder always, PostgreSQL when VA_PG_CONNINFO
// names a server (tests/services/with-services.sh sets it); without it the PostgreSQL cases skip.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "va/archive/AuditTrail.h"

namespace va::archive {
namespace {

AuditEvent Event(int i, const std::string& study = "1.2.3") {
  AuditEvent e;
  e.actor = "user" + std::to_string(i % 3);
  e.role = "clinician";
  e.organisation = "north";
  e.sourceAddress = "10.0.0." + std::to_string(i % 250);
  e.action = "GET /studies/{id}";
  e.resource = "/studies/abc" + std::to_string(i);
  e.studyUid = study;
  e.outcome = "allowed";
  e.detail = "";
  return e;
}

bool Mentions(const AuditVerification& v, int64_t sequence, const std::string& words) {
  for (const auto& p : v.problems) {
    if (p.sequence == sequence && p.what.find(words) != std::string::npos) return true;
  }
  return false;
}

std::string Describe(const AuditVerification& v) {
  std::string text;
  for (const auto& p : v.problems) text += std::to_string(p.sequence) + ": " + p.what + "\n";
  return text;
}

class AuditTrailTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string folder = (std::filesystem::temp_directory_path() / "va-audit.XXXXXX").string();
    ASSERT_NE(mkdtemp(folder.data()), nullptr);
    folder_ = folder;
    if (GetParam() == "SQLite") {
      db_ = OpenSqlDatabase("SQLite", folder_ + "/audit.db");
    } else {
      const char* conninfo = std::getenv("VA_PG_CONNINFO");
      if (conninfo == nullptr || *conninfo == '\0') GTEST_SKIP() << "VA_PG_CONNINFO is not set";
      db_ = OpenSqlDatabase("PostgreSQL", conninfo);
      db_->Script("DROP TABLE IF EXISTS audit_records; DROP TABLE IF EXISTS audit_checkpoints");
    }
  }
  void TearDown() override {
    trail_.reset();
    db_.reset();
    std::filesystem::remove_all(folder_);
  }

  AuditSigner Signer(const std::string& name = "audit.key") const {
    return AuditSigner::LoadOrCreate(folder_ + "/" + name);
  }
  AuditTrail& Trail(int every = 10) {
    trail_ = std::make_unique<AuditTrail>(*db_, Signer(), every);
    return *trail_;
  }
  void Fill(int count) {
    for (int i = 1; i <= count; ++i) trail_->Append(Event(i));
  }

  std::string folder_;
  std::unique_ptr<SqlDatabase> db_;
  std::unique_ptr<AuditTrail> trail_;
};

TEST_P(AuditTrailTest, ChainsRecordsAndCheckpointsEveryN) {
  AuditTrail& trail = Trail(10);
  EXPECT_FALSE(trail.Checkpoint().has_value());  // nothing to sign yet
  EXPECT_TRUE(trail.Verify().intact);
  Fill(25);
  const auto records = trail.Query({});
  ASSERT_EQ(records.size(), 25u);
  EXPECT_EQ(records[0].sequence, 1);
  EXPECT_EQ(records[0].previousHash, std::string(64, '0'));
  for (size_t i = 1; i < records.size(); ++i) {
    EXPECT_EQ(records[i].sequence, records[i - 1].sequence + 1);
    EXPECT_EQ(records[i].previousHash, records[i - 1].hash);
    EXPECT_NE(records[i].hash, records[i - 1].hash);
  }
  EXPECT_EQ(records[4].event.resource, "/studies/abc5");
  const auto checkpoints = trail.Checkpoints();
  ASSERT_EQ(checkpoints.size(), 2u);
  EXPECT_EQ(checkpoints[0].sequence, 10);
  EXPECT_EQ(checkpoints[1].hash, records[19].hash);
  EXPECT_EQ(checkpoints[1].keyId.size(), 16u);

  AuditVerification v = trail.Verify();
  EXPECT_TRUE(v.intact) << Describe(v);
  EXPECT_EQ(v.records, 25);
  EXPECT_EQ(v.checkpoints, 2);
  EXPECT_EQ(v.lastSequence, 25);
  EXPECT_EQ(v.lastCheckpointSequence, 20);
  EXPECT_EQ(v.uncheckpointedRecords, 5);

  const auto now = trail.Checkpoint();
  ASSERT_TRUE(now.has_value());
  EXPECT_EQ(now->sequence, 25);
  const auto again = trail.Checkpoint();  // nothing new: the same checkpoint
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->signature, now->signature);
  v = trail.Verify();
  EXPECT_TRUE(v.intact) << Describe(v);
  EXPECT_EQ(v.uncheckpointedRecords, 0);
  EXPECT_TRUE(VerifyAuditSignature(trail.PublicKeyPem(), CheckpointMessage(now->sequence, now->hash, now->timeMicros),
                                   now->signature));
}

TEST_P(AuditTrailTest, DetectsAnEditedRecord) {
  Trail(10);
  Fill(12);
  db_->Run("UPDATE audit_records SET actor = 'someone-else' WHERE sequence = 5");
  const AuditVerification v = trail_->Verify();
  EXPECT_FALSE(v.intact);
  EXPECT_TRUE(Mentions(v, 5, "record 5 was edited")) << Describe(v);
  EXPECT_EQ(v.problems.size(), 1u) << Describe(v);
}

TEST_P(AuditTrailTest, DetectsADeletedRecord) {
  Trail(10);
  Fill(12);
  db_->Run("DELETE FROM audit_records WHERE sequence = 7");
  const AuditVerification v = trail_->Verify();
  EXPECT_FALSE(v.intact);
  EXPECT_TRUE(Mentions(v, 7, "record 7 is missing")) << Describe(v);
  db_->Run("DELETE FROM audit_records WHERE sequence IN (8, 9)");
  EXPECT_TRUE(Mentions(trail_->Verify(), 7, "records 7..9 are missing")) << Describe(trail_->Verify());
}

TEST_P(AuditTrailTest, DetectsTruncationAfterACheckpoint) {
  Trail(10);
  Fill(30);
  db_->Run("DELETE FROM audit_records WHERE sequence > 20");
  const AuditVerification v = trail_->Verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.lastSequence, 20);
  EXPECT_TRUE(Mentions(v, 30, "the trail ends at record 20 but checkpoint 30 was signed: records 21..30 are removed"))
      << Describe(v);
}

TEST_P(AuditTrailTest, DetectsAForgedCheckpointAndARewrittenTrail) {
  Trail(10);
  Fill(20);
  const auto checkpoints = trail_->Checkpoints();
  // A checkpoint re-pointed at other content keeps a signature that no longer matches.
  db_->Run("UPDATE audit_checkpoints SET signature = ? WHERE sequence = 10", {checkpoints[1].signature});
  AuditVerification v = trail_->Verify();
  EXPECT_TRUE(Mentions(v, 10, "checkpoint 10 has an invalid signature")) << Describe(v);
  db_->Run("UPDATE audit_checkpoints SET signature = 'not base64!' WHERE sequence = 20");
  v = trail_->Verify();
  EXPECT_TRUE(Mentions(v, 20, "checkpoint 20 has an invalid signature")) << Describe(v);
}

TEST_P(AuditTrailTest, DetectsSwappedRecords) {
  Trail(10);
  Fill(8);
  db_->Run("UPDATE audit_records SET sequence = -4 WHERE sequence = 4");
  db_->Run("UPDATE audit_records SET sequence = 4 WHERE sequence = 3");
  db_->Run("UPDATE audit_records SET sequence = 3 WHERE sequence = -4");
  const AuditVerification v = trail_->Verify();
  EXPECT_FALSE(v.intact);
  EXPECT_TRUE(Mentions(v, 3, "record 3 was edited")) << Describe(v);
  EXPECT_TRUE(Mentions(v, 4, "record 4 was edited")) << Describe(v);
}

TEST_P(AuditTrailTest, DetectsARecordReplacedWithOneFromAnotherChain) {
  Trail(100);
  Fill(8);
  // Record 5 of another trail is self-consistent (its hash matches its content) but does not follow our record 4.
  auto other = OpenSqlDatabase("SQLite", folder_ + "/other.db");
  AuditTrail otherTrail(*other, Signer("other.key"), 100);
  for (int i = 1; i <= 5; ++i) otherTrail.Append(Event(100 + i));
  const AuditRecord stranger = otherTrail.Query({4, 0, 0, "", "", 1}).at(0);
  const AuditEvent& e = stranger.event;
  db_->Run("DELETE FROM audit_records WHERE sequence = 5");
  db_->Run(
      "INSERT INTO audit_records (sequence, time_us, actor, role, organisation, source, action, resource, study_uid, "
      "outcome, detail, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {stranger.sequence, stranger.timeMicros, e.actor, e.role, e.organisation, e.sourceAddress, e.action, e.resource,
       e.studyUid, e.outcome, e.detail, stranger.previousHash, stranger.hash});
  const AuditVerification v = trail_->Verify();
  EXPECT_TRUE(Mentions(v, 5, "record 5 does not follow record 4")) << Describe(v);
  EXPECT_TRUE(Mentions(v, 6, "record 6 does not follow record 5")) << Describe(v);
}

TEST_P(AuditTrailTest, VerificationWithAnotherKeyFails) {
  Trail(5);
  Fill(10);
  const AuditSigner impostor = Signer("impostor.key");
  EXPECT_NE(impostor.KeyId(), Signer().KeyId());
  const AuditVerification v = trail_->Verify(impostor.PublicKeyPem());
  EXPECT_FALSE(v.intact);
  EXPECT_TRUE(Mentions(v, 5, "invalid signature")) << Describe(v);
  EXPECT_TRUE(Mentions(v, 10, "invalid signature")) << Describe(v);
  EXPECT_TRUE(trail_->Verify(Signer().PublicKeyPem()).intact);  // the auditor's copy of the right key
  EXPECT_FALSE(trail_->Verify("not a key").intact);
}

TEST_P(AuditTrailTest, ReopeningContinuesTheChain) {
  Trail(10);
  Fill(7);
  const std::string head = trail_->Query({6, 0, 0, "", "", 10}).at(0).hash;
  trail_.reset();
  Trail(10);
  const AuditRecord next = trail_->Append(Event(8));
  EXPECT_EQ(next.sequence, 8);
  EXPECT_EQ(next.previousHash, head);
  Fill(5);
  const AuditVerification v = trail_->Verify();
  EXPECT_TRUE(v.intact) << Describe(v);
  EXPECT_EQ(v.lastSequence, 13);
  EXPECT_EQ(v.lastCheckpointSequence, 10);
}

TEST_P(AuditTrailTest, ConcurrentAppendsGiveAGaplessChain) {
  Trail(25);
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 50; ++i) trail_->Append(Event(t * 1000 + i));
    });
  }
  for (auto& thread : threads) thread.join();
  const AuditVerification v = trail_->Verify();
  EXPECT_TRUE(v.intact) << Describe(v);
  EXPECT_EQ(v.records, 200);
  EXPECT_EQ(v.lastSequence, 200);
  EXPECT_EQ(v.checkpoints, 8);
}

TEST_P(AuditTrailTest, TwoWritersSharingADatabaseKeepOneChain) {
  Trail(4);
  // A second process's trail: its own connection and its own idea of the head.
  auto second = GetParam() == "SQLite" ? OpenSqlDatabase("SQLite", folder_ + "/audit.db")
                                       : OpenSqlDatabase("PostgreSQL", std::getenv("VA_PG_CONNINFO"));
  AuditTrail other(*second, Signer(), 4);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(trail_->Append(Event(i)).sequence, 2 * i + 1);
    EXPECT_EQ(other.Append(Event(i)).sequence, 2 * i + 2);
  }
  const AuditVerification v = trail_->Verify();
  EXPECT_TRUE(v.intact) << Describe(v);
  EXPECT_EQ(v.lastSequence, 10);
  EXPECT_EQ(v.checkpoints, 2);
}

TEST_P(AuditTrailTest, QueriesByActorStudyTimeAndSequence) {
  Trail(100);
  for (int i = 1; i <= 30; ++i) trail_->Append(Event(i, i % 2 == 0 ? "1.2.even" : "1.2.odd"));
  AuditQuery q;
  q.actor = "user1";
  for (const auto& r : trail_->Query(q)) EXPECT_EQ(r.event.actor, "user1");
  EXPECT_EQ(trail_->Query(q).size(), 10u);
  q = {};
  q.studyUid = "1.2.even";
  q.afterSequence = 20;
  const auto even = trail_->Query(q);
  ASSERT_EQ(even.size(), 5u);
  EXPECT_EQ(even.front().sequence, 22);
  q = {};
  q.limit = 3;
  EXPECT_EQ(trail_->Query(q).size(), 3u);
  const auto all = trail_->Query({});
  q = {};
  q.fromMicros = all[9].timeMicros;
  q.toMicros = all[9].timeMicros;
  for (const auto& r : trail_->Query(q)) EXPECT_EQ(r.timeMicros, all[9].timeMicros);
  EXPECT_GE(trail_->Query(q).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, AuditTrailTest, ::testing::Values("SQLite", "PostgreSQL"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// Measures appends per second (durable: one transaction each). Run with --gtest_also_run_disabled_tests.
TEST(AuditTrailPerformance, DISABLED_AppendRate) {
  const std::string folder = (std::filesystem::temp_directory_path() / "va-audit-rate").string();
  std::filesystem::remove_all(folder);
  auto db = OpenSqlDatabase("SQLite", folder + "/audit.db");
  AuditTrail trail(*db, AuditSigner::LoadOrCreate(folder + "/audit.key"), 1000);
  const auto start = std::chrono::steady_clock::now();
  constexpr int kCount = 2000;
  for (int i = 0; i < kCount; ++i) trail.Append(Event(i));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << kCount / seconds << " appends/s on SQLite\n";
  const auto verifyStart = std::chrono::steady_clock::now();
  EXPECT_TRUE(trail.Verify().intact);
  std::cout << "verify: " << std::chrono::duration<double>(std::chrono::steady_clock::now() - verifyStart).count()
            << " s for " << kCount << " records\n";
  std::filesystem::remove_all(folder);
}

class AuditSignerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string folder = (std::filesystem::temp_directory_path() / "va-audit-key.XXXXXX").string();
    ASSERT_NE(mkdtemp(folder.data()), nullptr);
    folder_ = folder;
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }
  std::string folder_;
};

TEST_F(AuditSignerTest, CreatesAPrivateKeyFileAndLoadsItAgain) {
  const std::string path = folder_ + "/keys/audit.pem";
  const AuditSigner created = AuditSigner::LoadOrCreate(path);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const AuditSigner loaded = AuditSigner::LoadOrCreate(path);
  EXPECT_EQ(loaded.KeyId(), created.KeyId());
  EXPECT_EQ(loaded.PublicKeyPem(), created.PublicKeyPem());
  EXPECT_NE(created.PublicKeyPem().find("BEGIN PUBLIC KEY"), std::string::npos);
  const std::string signature = created.Sign("hello");
  EXPECT_TRUE(VerifyAuditSignature(loaded.PublicKeyPem(), "hello", signature));
  EXPECT_FALSE(VerifyAuditSignature(loaded.PublicKeyPem(), "hellO", signature));
  EXPECT_FALSE(VerifyAuditSignature(loaded.PublicKeyPem(), "hello", signature.substr(1)));
  EXPECT_FALSE(VerifyAuditSignature("", "hello", signature));
  EXPECT_FALSE(VerifyAuditSignature(loaded.PublicKeyPem(), "hello", ""));
}

TEST_F(AuditSignerTest, RefusesAKeyFileOthersCanRead) {
  const std::string path = folder_ + "/audit.pem";
  AuditSigner::LoadOrCreate(path);
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  try {
    AuditSigner::LoadOrCreate(path);
    FAIL() << "a group-readable key was accepted";
  } catch (const AuditError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("chmod 600"), std::string::npos) << e.what();
  }
}

TEST_F(AuditSignerTest, RefusesAFileThatIsNotAnEd25519Key) {
  const std::string path = folder_ + "/audit.pem";
  {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "junk\n", 5), 5);
    ::close(fd);
  }
  EXPECT_THROW(AuditSigner::LoadOrCreate(path), AuditError);
  EXPECT_THROW(AuditSigner::FromPrivateKeyPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
               AuditError);
}

AuditRecord SampleRecord(const std::string& action, const std::string& outcome, const std::string& study) {
  AuditRecord r;
  r.sequence = 42;
  r.timeMicros = 1795865065123456;  // 2026-11-28T11:24:25.123456Z
  r.event.actor = "dr <who> & \"co\"";
  r.event.role = "clinician";
  r.event.organisation = "north";
  r.event.sourceAddress = "192.0.2.7";
  r.event.action = action;
  r.event.resource = "/studies/x";
  r.event.studyUid = study;
  r.event.outcome = outcome;
  r.event.detail = std::string("bad\x01 bytes \xff and \xc3\xa9 'quoted'\n");
  return r;
}

// Parses the message with libxml2 and returns the attribute of the first element with that name ("" when absent).
std::string XmlAttribute(const std::string& xml, const char* element, const char* attribute, bool* wellFormed) {
  xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "audit.xml", nullptr,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  *wellFormed = doc != nullptr;
  if (doc == nullptr) return "";
  std::string value;
  std::vector<xmlNodePtr> pending{xmlDocGetRootElement(doc)};
  while (!pending.empty() && value.empty()) {
    xmlNodePtr node = pending.back();
    pending.pop_back();
    for (; node != nullptr; node = node->next) {
      if (node->type != XML_ELEMENT_NODE) continue;
      if (xmlStrEqual(node->name, reinterpret_cast<const xmlChar*>(element))) {
        xmlChar* text = xmlGetProp(node, reinterpret_cast<const xmlChar*>(attribute));
        if (text != nullptr) value = reinterpret_cast<const char*>(text);
        xmlFree(text);
        break;
      }
      if (node->children != nullptr) pending.push_back(node->children);
    }
  }
  xmlFreeDoc(doc);
  return value;
}

TEST(AuditMessageTest, IsWellFormedEscapedDicomAuditXml) {
  const AuditRecord r = SampleRecord("GET /studies/{id}", "allowed", "1.2.840.1");
  EXPECT_EQ(r.IsoTime(), "2026-11-28T11:24:25.123456Z");
  const std::string xml = ToDicomAuditMessage(r, "archive<1>");
  bool ok = false;
  EXPECT_EQ(XmlAttribute(xml, "ActiveParticipant", "UserID", &ok), "dr <who> & \"co\"");
  ASSERT_TRUE(ok) << xml;
  EXPECT_EQ(xml.find("<who>"), std::string::npos);
  EXPECT_EQ(XmlAttribute(xml, "EventID", "csd-code", &ok), "110103");
  EXPECT_EQ(XmlAttribute(xml, "EventID", "codeSystemName", &ok), "DCM");
  EXPECT_EQ(XmlAttribute(xml, "EventIdentification", "EventActionCode", &ok), "R");
  EXPECT_EQ(XmlAttribute(xml, "EventIdentification", "EventOutcomeIndicator", &ok), "0");
  EXPECT_EQ(XmlAttribute(xml, "EventIdentification", "EventDateTime", &ok), "2026-11-28T11:24:25.123456Z");
  EXPECT_EQ(XmlAttribute(xml, "ActiveParticipant", "NetworkAccessPointID", &ok), "192.0.2.7");
  EXPECT_EQ(XmlAttribute(xml, "AuditSourceIdentification", "AuditSourceID", &ok), "archive<1>");
  EXPECT_EQ(XmlAttribute(xml, "ParticipantObjectIdentification", "ParticipantObjectID", &ok), "1.2.840.1");
  EXPECT_EQ(XmlAttribute(xml, "ParticipantObjectIDTypeCode", "csd-code", &ok), "110180");

  struct Case {
    const char* action;
    const char* outcome;
    const char* study;
    const char* code;
    const char* actionCode;
    const char* indicator;
  };
  const Case cases[] = {
      {"C-STORE", "success", "1.2", "110104", "C", "0"},
      {"POST /studies", "success", "1.2", "110104", "C", "0"},
      {"GET /studies", "allowed", "", "110112", "E", "0"},
      {"C-FIND", "success", "", "110112", "E", "0"},
      {"GET /studies/{id}", "refused", "1.2", "110113", "E", "4"},
      {"token.issue", "success", "", "110113", "E", "0"},
      {"grant.add", "success", "1.2", "110113", "E", "0"},
      {"DELETE /studies/{id}", "success", "1.2", "110105", "D", "0"},
      {"PUT /studies/{id}/organisation", "failure", "1.2", "110110", "U", "8"},
  };
  for (const Case& c : cases) {
    const std::string message = ToDicomAuditMessage(SampleRecord(c.action, c.outcome, c.study), "src");
    EXPECT_EQ(XmlAttribute(message, "EventID", "csd-code", &ok), c.code) << c.action;
    EXPECT_TRUE(ok);
    EXPECT_EQ(XmlAttribute(message, "EventIdentification", "EventActionCode", &ok), c.actionCode) << c.action;
    EXPECT_EQ(XmlAttribute(message, "EventIdentification", "EventOutcomeIndicator", &ok), c.indicator) << c.action;
    EXPECT_EQ(message.find("ParticipantObjectIdentification") != std::string::npos, *c.study != '\0') << c.action;
  }
}

TEST(AuditMessageTest, FormatsRfc5424Syslog) {
  const AuditRecord allowed = SampleRecord("GET /studies/{id}", "allowed", "1.2");
  const std::string line = ToSyslogMessage(allowed, "pacs host", "va-archive", "src");
  EXPECT_EQ(line.rfind("<85>1 2026-11-28T11:24:25.123456Z pacs_host va-archive - - - <AuditMessage>", 0), 0u) << line;
  const std::string refused = ToSyslogMessage(SampleRecord("GET /x", "refused", ""), "", "", "src");
  EXPECT_EQ(refused.rfind("<84>1 2026-11-28T11:24:25.123456Z - - - - - <AuditMessage>", 0), 0u) << refused;
}

TEST(AuditMessageTest, SyslogSenderDeliversOverUdp) {
  const int receiver = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(receiver, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(receiver, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t size = sizeof(address);
  ASSERT_EQ(::getsockname(receiver, reinterpret_cast<sockaddr*>(&address), &size), 0);
  timeval timeout{5, 0};
  ::setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));

  SyslogSender sender("127.0.0.1", ntohs(address.sin_port));
  const std::string message = ToSyslogMessage(SampleRecord("C-STORE", "success", "1.2"), "host", "app", "src");
  EXPECT_TRUE(sender.Send(message));
  std::string received(65536, '\0');
  const ssize_t got = ::recv(receiver, received.data(), received.size(), 0);
  ::close(receiver);
  ASSERT_GT(got, 0);
  received.resize(static_cast<size_t>(got));
  EXPECT_EQ(received, message);

  EXPECT_THROW(SyslogSender("no-such-host.invalid", 514), AuditError);
  EXPECT_THROW(SyslogSender("127.0.0.1", 0), AuditError);
}

}  // namespace
}  // namespace va::archive
