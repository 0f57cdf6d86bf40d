// De-identified copies (PS3.15 Annex E Basic Profile): no identifying value left in the written file, UIDs replaced
// consistently within the study, the profile's own attributes set, the new stream in Pixel Data.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "../../../dicom/src/BasicProfileTable.h"
#include "DicomTestSupport.h"
#include "va/dicom/Deidentify.h"
#include "va/dicom/VideoInstance.h"

namespace va::dicom {
namespace {

using test::Get;
using test::ReadAll;
using test::ScratchDir;

const char* const kStudyUid = "1.2.826.0.1.3680043.10.511.7.1001";
const char* const kLeftUid = "1.2.826.0.1.3680043.10.511.7.1002";
const char* const kRightUid = "1.2.826.0.1.3680043.10.511.7.1003";
const char* const kFrameOfReferenceUid = "1.2.826.0.1.3680043.10.511.7.1004";
const char* const kDeviceUid = "1.2.826.0.1.3680043.10.511.7.1005";
const char* const kEndoscopeClass = "1.2.840.10008.5.1.4.1.1.77.1.1.1";

// Values that identify the patient, the staff, the site, the device or the date: none may survive.
const char* const kIdentifying[] = {"Doe^Jane^Q",
                                    "PID-778812",
                                    "19561123",
                                    "ACC-55501",
                                    "Smith^Referring",
                                    "Surgeon^Operating",
                                    "Nurse^Operator",
                                    "St Elsewhere Clin",
                                    "SN-XK-99812",
                                    "Laparoscopic chol",
                                    "Left view Dr Who",
                                    "20230417",
                                    "101112",
                                    "Other^Alias",
                                    "OTHER-ID-4",
                                    "12 Baker Street",
                                    "Ward 7B ENT",
                                    "ST-ENDO-3",
                                    "Card^Attending",
                                    "REQ-PROC-4411",
                                    "Patient says hi",
                                    "Secret private",
                                    "Overlay remark",
                                    "Image remark Doe",
                                    "Diag^Reader",
                                    "PPS-ID-92",
                                    "Scheduled by Doe",
                                    "OR-Tower-2",
                                    "Institution Dept X"};

// Two views of one stereoscopic recording, in one study, each carrying identifying values in every category.
class Deidentify : public ::testing::Test {
 protected:
  ScratchDir dir;
  std::string left = dir / "left.dcm";
  std::string right = dir / "right.dcm";
  std::map<std::string, std::string> uidMap;  // what the mapper handed out: old -> new
  int mapperCalls = 0;

  void SetUp() override {
    WriteSource(left, kLeftUid, kRightUid);
    WriteSource(right, kRightUid, kLeftUid);
  }

  void WriteSource(const std::string& path, const char* sopUid, const char* otherView) {
    NewVideoSpec spec = test::EndovisSpec(test::EvenClip());
    spec.patientName = "Doe^Jane^Q";
    spec.patientId = "PID-778812";
    spec.patientBirthDate = "19561123";
    spec.patientSex = "F";
    spec.accessionNumber = "ACC-55501";
    spec.studyDescription = "Laparoscopic chole";
    spec.seriesDescription = "Left view Dr Who";
    spec.studyDate = "20230417";
    spec.studyTime = "101112";
    spec.acquisitionDateTime = "20230417101500";
    spec.referringPhysicianName = "Smith^Referring";
    spec.operatorsName = "Nurse^Operator";
    spec.institutionName = "St Elsewhere Clinic";
    spec.deviceSerialNumber = "SN-XK-99812";
    spec.studyInstanceUid = kStudyUid;
    spec.sopInstanceUid = sopUid;
    spec.imageComments = "Image remark Doe";
    spec.referencedImages = {{kEndoscopeClass, otherView}};
    const std::string plain = path + ".plain";
    WriteNewVideoInstance(spec, plain);

    // What other systems add: more names and IDs, a request, private data, an overlay.
    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile(plain.c_str()).good());
    DcmDataset& d = *file.getDataset();
    auto put = [&](DcmItem& item, const DcmTagKey& tag, const char* value) {
      ASSERT_TRUE(item.putAndInsertString(tag, value).good()) << DcmTag(tag).getTagName();
    };
    put(d, DCM_PerformingPhysicianName, "Surgeon^Operating");
    put(d, DCM_OtherPatientNames, "Other^Alias");
    put(d, DCM_PatientAddress, "12 Baker Street");
    put(d, DCM_PatientAge, "066Y");
    put(d, DCM_PatientWeight, "71");
    put(d, DCM_PatientComments, "Patient says hi");
    put(d, DCM_InstitutionalDepartmentName, "Institution Dept X");
    put(d, DCM_InstitutionAddress, "Ward 7B ENT");
    put(d, DCM_StationName, "ST-ENDO-3");
    put(d, DCM_PhysiciansOfRecord, "Card^Attending");
    put(d, DCM_NameOfPhysiciansReadingStudy, "Diag^Reader");
    put(d, DCM_PerformedProcedureStepID, "PPS-ID-92");
    put(d, DCM_PerformedProcedureStepStartDate, "20230417");
    put(d, DCM_FrameOfReferenceUID, kFrameOfReferenceUid);
    put(d, DCM_DeviceUID, kDeviceUid);
    put(d, DCM_ProtocolName, "OR-Tower-2");
    DcmItem* other = nullptr;
    ASSERT_TRUE(d.findOrCreateSequenceItem(DCM_OtherPatientIDsSequence, other, -2).good());
    put(*other, DCM_PatientID, "OTHER-ID-4");
    DcmItem* request = nullptr;
    ASSERT_TRUE(d.findOrCreateSequenceItem(DCM_RequestAttributesSequence, request, -2).good());
    put(*request, DCM_RequestedProcedureID, "REQ-PROC-4411");
    put(*request, DCM_ScheduledProcedureStepDescription, "Scheduled by Doe");
    DcmItem* device = nullptr;  // a nested serial number: the table applies inside sequences too
    ASSERT_TRUE(d.findOrCreateSequenceItem(DCM_DeviceSequence, device, -2).good());
    put(*device, DCM_CodeValue, "A-04000");
    put(*device, DCM_CodingSchemeDesignator, "SRT");
    put(*device, DCM_CodeMeaning, "Endoscope");
    put(*device, DCM_DeviceSerialNumber, "SN-XK-99812");
    ASSERT_TRUE(d.putAndInsertString(DcmTag(0x0009, 0x0010, EVR_LO), "VA TEST").good());
    ASSERT_TRUE(d.putAndInsertString(DcmTag(0x0009, 0x1001, EVR_LO), "Secret private").good());
    ASSERT_TRUE(d.putAndInsertString(DcmTag(0x6000, 0x0022, EVR_LO), "Overlay remark").good());  // Overlay Description
    ASSERT_TRUE(d.putAndInsertString(DcmTag(0x6000, 0x0010, EVR_US), "8").good());
    ASSERT_TRUE(file.saveFile(path.c_str()).good());  // in the transfer syntax it was read in
  }

  DeidentifyOptions Options() {
    DeidentifyOptions o;
    o.newUid = [this](const std::string& old) {
      ++mapperCalls;
      auto [it, added] = uidMap.emplace(old, "");
      if (added) it->second = "2.25." + std::to_string(900000 + uidMap.size());
      return it->second;
    };
    o.patientName = "ANON^RESEARCH";
    o.patientId = "R-0042";
    o.burnedInAnnotation = "NO";
    return o;
  }

  static DeidentifiedVideoSpec Spec() {
    DeidentifiedVideoSpec spec;
    spec.bitstreamPath = test::OddClip();
    spec.pixels = test::EndovisPixels();
    spec.derivationDescription = "Burned-in regions masked; re-encoded";
    return spec;
  }

  static bool Contains(const std::vector<unsigned char>& bytes, const std::string& text) {
    return std::search(bytes.begin(), bytes.end(), text.begin(), text.end()) != bytes.end();
  }
};

TEST_F(Deidentify, NoIdentifyingValueSurvivesInTheFile) {
  const std::string out = dir / "anon.dcm";
  const auto source = ReadAll(left);
  for (const char* value : kIdentifying) ASSERT_TRUE(Contains(source, value)) << "test input lacks " << value;

  const DeidentificationReport report = WriteDeidentifiedInstance(VideoInstanceReader(left), Spec(), Options(), out);
  const auto bytes = ReadAll(out);
  for (const char* value : kIdentifying) EXPECT_FALSE(Contains(bytes, value)) << value << " survived";
  for (const char* uid : {kStudyUid, kLeftUid, kRightUid, kFrameOfReferenceUid, kDeviceUid})
    EXPECT_FALSE(Contains(bytes, uid)) << uid << " survived";
  VideoInstanceReader plainSource(left);
  EXPECT_FALSE(Contains(bytes, plainSource.header().seriesInstanceUid));
  EXPECT_TRUE(Contains(bytes, "ANON^RESEARCH"));
  EXPECT_TRUE(Contains(bytes, "R-0042"));

  // The report says what happened to each.
  ASSERT_NE(report.Find("(0010,1040)"), nullptr);
  EXPECT_EQ(report.Find("(0010,1040)")->action, 'X');
  EXPECT_EQ(report.Find("(0010,1040)")->keyword, "PatientAddress");
  EXPECT_EQ(report.Find("(0008,0050)")->action, 'Z');
  EXPECT_EQ(report.Find("(0020,000D)")->action, 'U');
  EXPECT_EQ(report.Find("(0010,0010)")->action, 'R');
  EXPECT_EQ(report.Find("(0009,1001)")->action, 'X');
  EXPECT_EQ(report.Find("(6000,0022)")->action, 'X');
  EXPECT_EQ(report.Find("(0050,0010)[0].(0018,1000)")->action, 'X');  // nested Device Serial Number
  EXPECT_EQ(report.Find("(0008,0016)")->action, 'K');
  EXPECT_GT(report.Count('X'), 20u);
}

TEST_F(Deidentify, ProfileAttributesAndIodAttributesAreSet) {
  const std::string out = dir / "anon.dcm";
  WriteDeidentifiedInstance(VideoInstanceReader(left), Spec(), Options(), out);
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(out.c_str()).good());
  DcmDataset& d = *file.getDataset();
  EXPECT_EQ(Get(d, DCM_PatientIdentityRemoved), "YES");
  EXPECT_NE(Get(d, DCM_DeidentificationMethod).find("Basic Application Confidentiality Profile"), std::string::npos);
  EXPECT_EQ(Get(d, DCM_BurnedInAnnotation), "NO");
  EXPECT_EQ(Get(d, DCM_LongitudinalTemporalInformationModified), "REMOVED");
  std::set<std::string> codes;
  DcmItem* item = nullptr;
  for (int i = 0; d.findAndGetSequenceItem(DCM_DeidentificationMethodCodeSequence, item, i).good(); ++i) {
    EXPECT_EQ(Get(*item, DCM_CodingSchemeDesignator), "DCM");
    codes.insert(Get(*item, DCM_CodeValue));
  }
  EXPECT_EQ(codes, (std::set<std::string>{"113100", "113101"}));
  EXPECT_EQ(Get(d, DCM_SOPClassUID), kEndoscopeClass);
  EXPECT_EQ(Get(d, DCM_PatientName), "ANON^RESEARCH");
  EXPECT_EQ(Get(d, DCM_PatientID), "R-0042");
  EXPECT_TRUE(d.tagExists(DCM_StudyDate));  // Type 2: present, empty
  EXPECT_EQ(Get(d, DCM_StudyDate), "");
  EXPECT_EQ(Get(d, DCM_PatientBirthDate), "");
  EXPECT_EQ(Get(d, DCM_ContentDate), "19000101");  // Type 1 in the VL Image module: a dummy
  EXPECT_EQ(Get(d, DCM_ImageType).rfind("DERIVED", 0), 0u);
  EXPECT_EQ(Get(d, DCM_SeriesDescription), "De-identified copy");
  EXPECT_FALSE(d.tagExists(DCM_SourceImageSequence));
  EXPECT_FALSE(d.tagExists(DCM_StudyDescription));
  EXPECT_FALSE(d.tagExists(DCM_PatientAge));
  EXPECT_FALSE(d.tagExists(DCM_RequestAttributesSequence));
  EXPECT_FALSE(d.tagExists(DcmTag(0x0009, 0x1001)));
  EXPECT_FALSE(d.tagExists(DcmTag(0x6000, 0x0010)));
  EXPECT_EQ(Get(d, DCM_LossyImageCompression), "01");

  // Reads back as a video instance; Pixel Data holds the new stream (odd length: one pad byte).
  VideoInstanceReader reader(out);
  EXPECT_TRUE(reader.header().patientIdentityRemoved);
  EXPECT_EQ(reader.header().transferSyntaxUid, test::EndovisPixels().transferSyntaxUid);
  const std::string extracted = dir / "stream.mp4";
  reader.ExtractBitstream(extracted);
  auto expected = ReadAll(test::OddClip());
  expected.push_back(0);
  EXPECT_TRUE(ReadAll(extracted) == expected);
}

TEST_F(Deidentify, UidsAreReplacedConsistentlyWithinTheStudy) {
  const std::string outLeft = dir / "anon-left.dcm", outRight = dir / "anon-right.dcm";
  const DeidentifyOptions options = Options();
  WriteDeidentifiedInstance(VideoInstanceReader(left), Spec(), options, outLeft);
  WriteDeidentifiedInstance(VideoInstanceReader(right), Spec(), options, outRight);
  DcmFileFormat a, b;
  ASSERT_TRUE(a.loadFile(outLeft.c_str()).good());
  ASSERT_TRUE(b.loadFile(outRight.c_str()).good());
  DcmDataset& l = *a.getDataset();
  DcmDataset& r = *b.getDataset();
  EXPECT_EQ(Get(l, DCM_StudyInstanceUID), uidMap.at(kStudyUid));
  EXPECT_EQ(Get(l, DCM_StudyInstanceUID), Get(r, DCM_StudyInstanceUID));  // one new study
  EXPECT_EQ(Get(l, DCM_SOPInstanceUID), uidMap.at(kLeftUid));
  EXPECT_EQ(Get(r, DCM_SOPInstanceUID), uidMap.at(kRightUid));
  EXPECT_EQ(Get(l, DCM_FrameOfReferenceUID), uidMap.at(kFrameOfReferenceUid));
  EXPECT_EQ(Get(l, DCM_DeviceUID), uidMap.at(kDeviceUid));
  EXPECT_EQ(Get(*a.getMetaInfo(), DCM_MediaStorageSOPInstanceUID), uidMap.at(kLeftUid));
  // The stereoscopic pair still points at each other, through the new UIDs (U* of Referenced Image Sequence).
  DcmItem* ref = nullptr;
  ASSERT_TRUE(l.findAndGetSequenceItem(DCM_ReferencedImageSequence, ref, 0).good());
  EXPECT_EQ(Get(*ref, DCM_ReferencedSOPInstanceUID), Get(r, DCM_SOPInstanceUID));
  EXPECT_EQ(Get(*ref, DCM_ReferencedSOPClassUID), kEndoscopeClass);  // classes are not replaced
  // SOP class, transfer syntax and coding scheme UIDs never reach the mapper.
  for (const auto& [old, fresh] : uidMap) EXPECT_NE(old.rfind("1.2.840.10008.", 0), 0u) << old;
}

TEST_F(Deidentify, OptionsKeepWhatTheyRetain) {
  DeidentifyOptions options = Options();
  options.retainLongitudinalTemporalInformation = true;
  options.retainDeviceIdentity = true;
  options.retainPatientCharacteristics = true;
  options.keepDescriptions = true;
  options.burnedInAnnotation = "YES";
  const std::string out = dir / "anon.dcm";
  const DeidentificationReport report = WriteDeidentifiedInstance(VideoInstanceReader(left), Spec(), options, out);
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(out.c_str()).good());
  DcmDataset& d = *file.getDataset();
  EXPECT_EQ(Get(d, DCM_StudyDate), "20230417");
  EXPECT_EQ(Get(d, DCM_DeviceSerialNumber), "SN-XK-99812");
  EXPECT_EQ(Get(d, DCM_StationName), "ST-ENDO-3");
  EXPECT_EQ(Get(d, DCM_PatientAge), "066Y");
  EXPECT_EQ(Get(d, DCM_PatientSex), "F");
  EXPECT_EQ(Get(d, DCM_StudyDescription), "Laparoscopic chole");
  EXPECT_EQ(Get(d, DCM_BurnedInAnnotation), "YES");
  EXPECT_EQ(Get(d, DCM_LongitudinalTemporalInformationModified), "UNMODIFIED");
  // Never retained by any of these options.
  EXPECT_EQ(Get(d, DCM_PatientBirthDate), "");
  EXPECT_EQ(Get(d, DCM_InstitutionName), "");
  EXPECT_FALSE(d.tagExists(DCM_OperatorsName));
  std::set<std::string> codes;
  DcmItem* item = nullptr;
  for (int i = 0; d.findAndGetSequenceItem(DCM_DeidentificationMethodCodeSequence, item, i).good(); ++i)
    codes.insert(Get(*item, DCM_CodeValue));
  EXPECT_EQ(codes, (std::set<std::string>{"113100", "113105", "113106", "113108", "113109"}));
  EXPECT_NE(report.method.find("Retain Device Identity"), std::string::npos);
}

TEST_F(Deidentify, PassesDciodvfy) {
  if (std::system("command -v dciodvfy >/dev/null 2>&1") != 0) GTEST_SKIP() << "dciodvfy not installed";
  const std::string out = dir / "anon.dcm";
  WriteDeidentifiedInstance(VideoInstanceReader(left), Spec(), Options(), out);
  std::string report;
  EXPECT_EQ(test::CountLinesStartingWith("dciodvfy '" + out + "'", "Error", &report), 0) << report;
}

TEST(DeidentifyDataset, WorksOnABareDataSetAndRefusesBadOptions) {
  DcmDataset d;
  ASSERT_TRUE(d.putAndInsertString(DCM_PatientName, "Roe^Richard").good());
  ASSERT_TRUE(d.putAndInsertString(DCM_StudyInstanceUID, "1.2.3.4").good());
  ASSERT_TRUE(d.putAndInsertString(DCM_CodingSchemeUID, "2.16.840.1.113883.6.96").good());  // SNOMED: kept
  ASSERT_TRUE(d.putAndInsertString(DCM_VerifyingObserverName, "Check^Er").good());          // PN not in video IODs
  ASSERT_TRUE(d.putAndInsertString(DCM_ContentDate, "20240101").good());
  DeidentifyOptions options;
  EXPECT_ERROR_MENTIONS(DeidentifyDataset(d, options), "UID mapper");
  options.newUid = [](const std::string&) { return std::string("not-a-uid"); };
  EXPECT_ERROR_MENTIONS(DeidentifyDataset(d, options), "not a valid new UID");
  options.newUid = [](const std::string& old) { return "2.25.1" + std::to_string(old.size()); };
  options.burnedInAnnotation = "maybe";
  EXPECT_ERROR_MENTIONS(DeidentifyDataset(d, options), "YES or NO");
  options.burnedInAnnotation = "YES";
  const DeidentificationReport report = DeidentifyDataset(d, options);
  EXPECT_EQ(Get(d, DCM_StudyInstanceUID), "2.25.17");
  EXPECT_EQ(Get(d, DCM_CodingSchemeUID), "2.16.840.1.113883.6.96");
  EXPECT_EQ(Get(d, DCM_PatientName), "");
  EXPECT_EQ(Get(d, DCM_ContentDate), "19000101");
  EXPECT_EQ(Get(d, DCM_VerifyingObserverName), "ANONYMOUS");
  EXPECT_EQ(report.Find("(0008,010C)")->action, 'K');
}

// The table itself: no tag twice, and each keyword is DCMTK's name for the tag when DCMTK knows it (a typo in a
// tag number shows up here).
TEST(BasicProfileTable, KeywordsMatchTheDictionary) {
  std::set<std::pair<Uint16, Uint16>> seen;
  for (auto* e = detail::ProfileTableBegin(); e != detail::ProfileTableEnd(); ++e) {
    EXPECT_TRUE(seen.insert({e->group, e->element}).second) << e->keyword << " listed twice";
    DcmTag tag(e->group, e->element);
    std::string name = tag.getTagName();
    if (name.rfind("RETIRED_", 0) == 0) name.erase(0, 8);
    if (name != DcmTag_ERROR_TagName) {
      EXPECT_EQ(name, e->keyword);
    }
  }
  EXPECT_GT(seen.size(), 300u);
}

}  // namespace
}  // namespace va::dicom
