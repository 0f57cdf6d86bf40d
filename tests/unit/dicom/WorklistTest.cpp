// Worklist lookup by Accession Number: worklist files in a folder, and DCMTK's real worklist SCP (wlmscpfs).
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "DicomTestSupport.h"
#include "va/dicom/Worklist.h"

namespace va::dicom {
namespace {

using test::ScratchDir;

struct Order {
  std::string accession, patientId, patientName, charset;
};

void Put(DcmItem& item, const DcmTagKey& tag, const std::string& value) {
  ASSERT_TRUE(item.putAndInsertString(tag, value.c_str()).good()) << DcmTag(tag).getTagName();
}

// A complete worklist file (every Type 1 return key wlmscpfs checks before it serves a file).
void WriteWorklist(const std::string& path, const Order& order) {
  DcmFileFormat file;
  DcmDataset& d = *file.getDataset();
  if (!order.charset.empty()) Put(d, DCM_SpecificCharacterSet, order.charset);
  Put(d, DCM_AccessionNumber, order.accession);
  Put(d, DCM_PatientName, order.patientName);
  Put(d, DCM_PatientID, order.patientId);
  Put(d, DCM_PatientBirthDate, "19700101");
  Put(d, DCM_PatientSex, "F");
  Put(d, DCM_StudyInstanceUID, "1.2.826.0.1.3680043.10.1234." + order.patientId.substr(3));
  Put(d, DCM_ReferringPhysicianName, "Referrer^Rita");
  Put(d, DCM_InstitutionName, "General Hospital");
  Put(d, DCM_RequestedProcedureDescription, "Laparoscopy");
  Put(d, DCM_RequestedProcedureID, "RP-" + order.accession);
  DcmItem* code = nullptr;
  ASSERT_TRUE(d.findOrCreateSequenceItem(DCM_RequestedProcedureCodeSequence, code, -2).good());
  Put(*code, DCM_CodeValue, "44441009");
  Put(*code, DCM_CodingSchemeDesignator, "SCT");
  Put(*code, DCM_CodeMeaning, "Laparoscopy");
  DcmItem* step = nullptr;
  ASSERT_TRUE(d.findOrCreateSequenceItem(DCM_ScheduledProcedureStepSequence, step, -2).good());
  Put(*step, DCM_Modality, "ES");
  Put(*step, DCM_ScheduledStationAETitle, "ENDO1");
  Put(*step, DCM_ScheduledProcedureStepStartDate, "20261127");
  Put(*step, DCM_ScheduledProcedureStepStartTime, "100000");
  Put(*step, DCM_ScheduledPerformingPhysicianName, "Surgeon^Sam");
  Put(*step, DCM_ScheduledProcedureStepDescription, "Laparoscopy");
  Put(*step, DCM_ScheduledProcedureStepID, "SPS-" + order.accession);
  ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good()) << path;
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// The standard orders: one UTF-8, one Latin-1 (converted on reading), one for another accession.
void WriteOrders(const std::string& folder) {
  WriteWorklist(folder + "/a.wl", {"ACC-1001", "PAT1001", "Doe^Jane", ""});
  WriteWorklist(folder + "/b.wl", {"ACC-1001", "PAT1002", "M\xFCller^J\xFCrgen", "ISO_IR 100"});
  WriteWorklist(folder + "/c.wl", {"ACC-2002", "PAT2002", "Roe^Richard", ""});
}

void ExpectStandardFields(const WorklistEntry& e) {
  EXPECT_EQ(e.accessionNumber, "ACC-1001");
  EXPECT_EQ(e.patientBirthDate, "19700101");
  EXPECT_EQ(e.patientSex, "F");
  EXPECT_EQ(e.referringPhysicianName, "Referrer^Rita");
  EXPECT_EQ(e.institutionName, "General Hospital");
  EXPECT_EQ(e.requestedProcedureDescription, "Laparoscopy");
  EXPECT_EQ(e.requestedProcedureCode.value, "44441009");
  EXPECT_EQ(e.requestedProcedureCode.scheme, "SCT");
  EXPECT_EQ(e.requestedProcedureCode.meaning, "Laparoscopy");
  EXPECT_EQ(e.scheduledStationAeTitle, "ENDO1");
  EXPECT_EQ(e.scheduledProcedureStepStartDate, "20261127");
  EXPECT_EQ(e.specificCharacterSet, "ISO_IR 192");
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(WorklistFolder, FindsTheMatchingFilesAndSkipsTheRest) {
  ScratchDir dir;
  const std::string folder = dir / "";
  WriteOrders(folder);
  WriteWorklist(folder + "/d.WL", {"ACC-1001", "PAT1003", "Upper^Case", ""});     // extension in any case
  WriteWorklist(folder + "/e.dcm", {"ACC-1001", "PAT1004", "Not^Worklist", ""});  // not a worklist file
  WriteBytes(folder + "/f.wl", "this is not a DICOM file, it is a broken export");
  std::vector<std::string> warnings;
  const std::vector<WorklistEntry> found = FindInWorklistFolder(folder, "ACC-1001", &warnings);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].patientId, "PAT1001");
  EXPECT_EQ(found[0].patientName, "Doe^Jane");
  EXPECT_EQ(found[0].studyInstanceUid, "1.2.826.0.1.3680043.10.1234.1001");
  ExpectStandardFields(found[0]);
  EXPECT_EQ(found[1].patientId, "PAT1002");
  EXPECT_EQ(found[1].patientName, "Müller^Jürgen");  // Latin-1 file, UTF-8 entry
  ExpectStandardFields(found[1]);
  EXPECT_EQ(found[2].patientId, "PAT1003");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(Contains(warnings[0], "f.wl")) << warnings[0];
  EXPECT_NO_THROW(FindInWorklistFolder(folder, "ACC-1001"));  // warnings are optional
}

TEST(WorklistFolder, AccessionMustMatchExactly) {
  ScratchDir dir;
  const std::string folder = dir / "";
  WriteOrders(folder);
  EXPECT_EQ(FindInWorklistFolder(folder, " ACC-2002 ").size(), 1u);  // SH padding is not part of the value
  EXPECT_TRUE(FindInWorklistFolder(folder, "ACC-100").empty());
  EXPECT_TRUE(FindInWorklistFolder(folder, "acc-2002").empty());
  EXPECT_TRUE(FindInWorklistFolder(folder, "ACC-*").empty());  // no wildcard matching in files
}

TEST(WorklistFolder, UnconvertibleCharacterSetIsKeptAndReported) {
  ScratchDir dir;
  const std::string folder = dir / "";
  WriteWorklist(folder + "/x.wl", {"ACC-3003", "PAT3003", "Odd^Set", "ISO_IR 999"});
  std::vector<std::string> warnings;
  const std::vector<WorklistEntry> found = FindInWorklistFolder(folder, "ACC-3003", &warnings);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].specificCharacterSet, "ISO_IR 999");
  EXPECT_EQ(found[0].patientName, "Odd^Set");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(Contains(warnings[0], "x.wl") && Contains(warnings[0], "ISO_IR 999")) << warnings[0];
}

TEST(WorklistFolder, BadArgumentsThrow) {
  ScratchDir dir;
  EXPECT_THROW(FindInWorklistFolder(dir / "", "  "), DicomError);
  try {
    FindInWorklistFolder(dir / "missing", "ACC-1001");
    FAIL() << "expected DicomError";
  } catch (const DicomError& e) {
    EXPECT_TRUE(Contains(e.what(), "missing")) << e.what();
  }
}

// A port nothing listens on now (the kernel's pick, released again).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  return ok ? ntohs(addr.sin_port) : -1;
}

// Whether a socket listens on port, from the kernel's tables (a probing connect would disturb the SCP).
bool Listening(int port) {
  char hexPort[8];
  std::snprintf(hexPort, sizeof hexPort, ":%04X", port);
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      if (state == "0A" && local.size() > 5 && local.compare(local.size() - 5, 5, hexPort) == 0) return true;
    }
  }
  return false;
}

bool HaveWlmscpfs() {
  return access("/usr/bin/wlmscpfs", X_OK) == 0;
}

// DCMTK's worklist SCP serving the standard orders to called AE title WLSCP, one process, stopped in TearDown
// whatever the test did.
class WorklistScpTest : public ::testing::Test {
 protected:
  ScratchDir dir;
  pid_t pid = -1;
  int port = -1;

  void SetUp() override {
    if (!HaveWlmscpfs()) GTEST_SKIP() << "wlmscpfs not installed (apt-get install dcmtk)";
    const std::string aeFolder = dir / "WLSCP";
    std::filesystem::create_directories(aeFolder);
    WriteBytes(aeFolder + "/lockfile", "");  // wlmscpfs serves a folder only with one
    WriteOrders(aeFolder);
    port = FreePort();
    ASSERT_GT(port, 0);
    const std::string log = dir / "wlmscpfs.log", data = dir / "", portText = std::to_string(port);
    // --keep-char-set: answers carry the files' Specific Character Set, so the Latin-1 order tests conversion.
    std::vector<std::string> args = {
        "/usr/bin/wlmscpfs", "--single-process", "--keep-char-set", "--data-files-path", data, portText};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test binary
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      execv(argv[0], argv.data());
      _exit(127);
    }
    for (int i = 0; i < 200 && !Listening(port); ++i) {
      int status = 0;
      ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0) << "wlmscpfs exited: " << Log();
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ASSERT_TRUE(Listening(port)) << "wlmscpfs does not listen on " << port << ": " << Log();
  }

  void TearDown() override {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (waitpid(pid, &status, WNOHANG) == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
    pid = -1;
  }

  std::string Log() const {
    std::ifstream in(dir / "wlmscpfs.log");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  WorklistScp Scp(const std::string& calledAe = "WLSCP") const { return {"127.0.0.1", port, calledAe, "VA_TEST", 5}; }
};

TEST_F(WorklistScpTest, QueryFindsTheOrder) {
  const std::vector<WorklistEntry> found = QueryWorklistScp(Scp(), "ACC-1001");
  ASSERT_EQ(found.size(), 2u) << Log();
  const bool janeFirst = found[0].patientId == "PAT1001";
  const WorklistEntry& jane = found[janeFirst ? 0 : 1];
  const WorklistEntry& juergen = found[janeFirst ? 1 : 0];
  EXPECT_EQ(jane.patientId, "PAT1001");
  EXPECT_EQ(jane.patientName, "Doe^Jane");
  EXPECT_EQ(jane.studyInstanceUid, "1.2.826.0.1.3680043.10.1234.1001");
  ExpectStandardFields(jane);
  EXPECT_EQ(juergen.patientId, "PAT1002");
  EXPECT_EQ(juergen.patientName, "Müller^Jürgen");  // sent in ISO_IR 100, converted
  ExpectStandardFields(juergen);
}

TEST_F(WorklistScpTest, OtherAccessionsAreNotReturned) {
  const std::vector<WorklistEntry> found = QueryWorklistScp(Scp(), "ACC-2002");
  ASSERT_EQ(found.size(), 1u) << Log();
  EXPECT_EQ(found[0].patientName, "Roe^Richard");
  EXPECT_TRUE(QueryWorklistScp(Scp(), "ACC-9999").empty());
}

TEST_F(WorklistScpTest, UnknownCalledAeTitleIsRejectedClearly) {
  try {
    QueryWorklistScp(Scp("NOSUCHAE"), "ACC-1001");
    FAIL() << "expected DicomError";
  } catch (const DicomError& e) {
    const std::string what = e.what();
    EXPECT_TRUE(Contains(what, "rejected")) << what;
    EXPECT_TRUE(Contains(what, "NOSUCHAE")) << what;
    EXPECT_TRUE(Contains(what, "127.0.0.1:" + std::to_string(port))) << what;
  }
}

TEST(WorklistScpErrors, ClosedPortThrowsWithTheAddress) {
  const int port = FreePort();
  ASSERT_GT(port, 0);
  try {
    QueryWorklistScp({"127.0.0.1", port, "WLSCP", "VA_TEST", 2}, "ACC-1001");
    FAIL() << "expected DicomError";
  } catch (const DicomError& e) {
    const std::string what = e.what();
    EXPECT_TRUE(Contains(what, "127.0.0.1:" + std::to_string(port))) << what;
    EXPECT_TRUE(Contains(what, "WLSCP")) << what;
    EXPECT_TRUE(Contains(what, "association")) << what;
  }
}

// A peer that takes the connection and never answers: the query gives up after timeoutSec, not never.
TEST(WorklistScpErrors, SilentPeerTimesOut) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ASSERT_EQ(listen(fd, 4), 0);  // the kernel completes the handshake; nobody reads
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(QueryWorklistScp({"127.0.0.1", ntohs(addr.sin_port), "WLSCP", "VA_TEST", 1}, "ACC-1001"), DicomError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  close(fd);
}

TEST(WorklistScpErrors, QueriesThatWouldMatchOtherOrdersAreRefused) {
  const WorklistScp scp{"127.0.0.1", 1, "WLSCP", "VA_TEST", 1};  // never contacted
  for (const char* accession : {"", "   ", "ACC-*", "ACC-100?", "ACC-1\\ACC-2"})
    EXPECT_THROW(QueryWorklistScp(scp, accession), DicomError) << accession;
  EXPECT_THROW(QueryWorklistScp({"127.0.0.1", 1, "", "VA_TEST", 1}, "ACC-1"), DicomError);
  EXPECT_THROW(QueryWorklistScp({"127.0.0.1", 1, "WLSCP", "A_CALLING_TITLE_TOO_LONG", 1}, "ACC-1"), DicomError);
  EXPECT_THROW(QueryWorklistScp({"127.0.0.1", 0, "WLSCP", "VA_TEST", 1}, "ACC-1"), DicomError);
}

}  // namespace
}  // namespace va::dicom
