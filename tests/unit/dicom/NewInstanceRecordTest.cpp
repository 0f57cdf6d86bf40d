// The procedure record of a recorder upload in new instances: dates, codes, operators, stereo references.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <gtest/gtest.h>

#include "DicomTestSupport.h"
#include "va/dicom/VideoInstance.h"

namespace va::dicom {
namespace {

using test::Get;
using test::ScratchDir;

// A segment of a UTC recording that started at 10:00:00 and whose segment starts 15 minutes in.
NewVideoSpec SegmentSpec() {
  NewVideoSpec spec = test::EndovisSpec(test::EvenClip());
  spec.acquisitionDateTime = "20261127100000+0000";
  spec.contentDateTime = "20261127101500.250000+0000";
  spec.timezoneOffsetFromUtc = "+0000";
  spec.instanceNumber = 2;
  spec.procedureCode = {"44441009", "SCT", "Laparoscopy"};
  spec.operatorsName = "Nurse^Anna\\Tech^Ben";
  spec.imageComments = "Segment 2 of 3";
  return spec;
}

class NewInstanceRecord : public ::testing::Test {
 protected:
  ScratchDir dir;
  DcmFileFormat file;

  DcmDataset& Write(const NewVideoSpec& spec) {
    const std::string path = dir / "new.dcm";
    WriteNewVideoInstance(spec, path);
    EXPECT_TRUE(file.loadFile(path.c_str()).good());
    return *file.getDataset();
  }
};

TEST_F(NewInstanceRecord, SegmentDatesCodesAndOperators) {
  DcmDataset& d = Write(SegmentSpec());
  EXPECT_EQ(Get(d, DCM_ContentDate), "20261127");
  EXPECT_EQ(Get(d, DCM_ContentTime), "101500.250000");  // the segment's first frame
  EXPECT_EQ(Get(d, DCM_AcquisitionDateTime), "20261127100000+0000");
  EXPECT_EQ(Get(d, DCM_SeriesDate), "20261127");
  EXPECT_EQ(Get(d, DCM_SeriesTime), "100000");  // the recording start
  EXPECT_EQ(Get(d, DCM_StudyDate), "20261127");
  EXPECT_EQ(Get(d, DCM_StudyTime), "100000");
  EXPECT_EQ(Get(d, DCM_TimezoneOffsetFromUTC), "+0000");
  EXPECT_EQ(Get(d, DCM_InstanceNumber), "2");
  EXPECT_EQ(Get(d, DCM_OperatorsName), "Nurse^Anna\\Tech^Ben");
  EXPECT_EQ(Get(d, DCM_ImageComments), "Segment 2 of 3");
  DcmItem* code = nullptr;
  ASSERT_TRUE(d.findAndGetSequenceItem(DCM_ProcedureCodeSequence, code, 0).good());
  EXPECT_EQ(Get(*code, DCM_CodeValue), "44441009");
  EXPECT_EQ(Get(*code, DCM_CodingSchemeDesignator), "SCT");
  EXPECT_EQ(Get(*code, DCM_CodeMeaning), "Laparoscopy");
  EXPECT_FALSE(d.tagExists(DCM_SpecificCharacterSet));  // all ASCII
  EXPECT_FALSE(d.tagExists(DCM_ReferencedImageSequence));
}

TEST_F(NewInstanceRecord, ContentDateTimeAloneIsTheRecordingStart) {
  NewVideoSpec spec = SegmentSpec();
  spec.acquisitionDateTime.clear();
  spec.timezoneOffsetFromUtc.clear();  // taken from the DT
  DcmDataset& d = Write(spec);
  EXPECT_EQ(Get(d, DCM_AcquisitionDateTime), "20261127101500.250000+0000");
  EXPECT_EQ(Get(d, DCM_SeriesTime), "101500.250000");
  EXPECT_EQ(Get(d, DCM_StudyTime), "101500.250000");
  EXPECT_EQ(Get(d, DCM_TimezoneOffsetFromUTC), "+0000");
}

TEST_F(NewInstanceRecord, DatesMoveToTheInstanceOffset) {
  NewVideoSpec spec = SegmentSpec();
  spec.acquisitionDateTime = "20261127233000+0000";
  spec.contentDateTime = "20261127234500+0000";
  spec.timezoneOffsetFromUtc = "+0100";
  DcmDataset& d = Write(spec);
  EXPECT_EQ(Get(d, DCM_TimezoneOffsetFromUTC), "+0100");
  EXPECT_EQ(Get(d, DCM_ContentDate), "20261128");
  EXPECT_EQ(Get(d, DCM_ContentTime), "004500");
  EXPECT_EQ(Get(d, DCM_SeriesDate), "20261128");
  EXPECT_EQ(Get(d, DCM_SeriesTime), "003000");
  EXPECT_EQ(Get(d, DCM_AcquisitionDateTime), "20261127233000+0000");  // a DT keeps its own offset
}

TEST_F(NewInstanceRecord, ExplicitStudyDateWins) {
  NewVideoSpec spec = SegmentSpec();
  spec.studyDate = "20261126";
  spec.studyTime = "090000";
  DcmDataset& d = Write(spec);
  EXPECT_EQ(Get(d, DCM_StudyDate), "20261126");
  EXPECT_EQ(Get(d, DCM_StudyTime), "090000");
  EXPECT_EQ(Get(d, DCM_SeriesTime), "100000");
}

TEST_F(NewInstanceRecord, WithoutTimesEverythingFollowsTheStudy) {
  NewVideoSpec spec = test::EndovisSpec(test::EvenClip());
  spec.studyDate = "20260101";
  spec.studyTime = "080000";
  DcmDataset& d = Write(spec);
  EXPECT_EQ(Get(d, DCM_ContentDate), "20260101");
  EXPECT_EQ(Get(d, DCM_ContentTime), "080000");
  EXPECT_EQ(Get(d, DCM_SeriesTime), "080000");
  EXPECT_EQ(Get(d, DCM_AcquisitionDateTime), "20260101080000");
  EXPECT_EQ(Get(d, DCM_InstanceNumber), "1");
  EXPECT_FALSE(d.tagExists(DCM_TimezoneOffsetFromUTC));
  EXPECT_FALSE(d.tagExists(DCM_ProcedureCodeSequence));
  EXPECT_FALSE(d.tagExists(DCM_OperatorsName));
}

TEST_F(NewInstanceRecord, StereoViewsReferenceEachOther) {
  const std::string left = GenerateUid(), right = GenerateUid();
  NewVideoSpec spec = SegmentSpec();
  spec.sopInstanceUid = left;
  spec.referencedImages = {{spec.sopClassUid, right}};
  DcmDataset& d = Write(spec);
  DcmItem* ref = nullptr;
  ASSERT_TRUE(d.findAndGetSequenceItem(DCM_ReferencedImageSequence, ref, 0).good());
  EXPECT_EQ(Get(*ref, DCM_ReferencedSOPClassUID), spec.sopClassUid);
  EXPECT_EQ(Get(*ref, DCM_ReferencedSOPInstanceUID), right);
  DcmItem* purpose = nullptr;
  ASSERT_TRUE(ref->findAndGetSequenceItem(DCM_PurposeOfReferenceCodeSequence, purpose, 0).good());
  EXPECT_EQ(Get(*purpose, DCM_CodeValue), "121315");
  EXPECT_EQ(Get(*purpose, DCM_CodingSchemeDesignator), "DCM");
  EXPECT_EQ(Get(*purpose, DCM_CodeMeaning), "Other image of stereoscopic pair");
}

TEST_F(NewInstanceRecord, Utf8RecordSwitchesTheCharacterSet) {
  NewVideoSpec spec = SegmentSpec();
  spec.operatorsName = "Müller^Jürgen";
  spec.procedureCode.meaning = "Laparoskopie (Bauchspiegelung)";
  DcmDataset& d = Write(spec);
  EXPECT_EQ(Get(d, DCM_SpecificCharacterSet), "ISO_IR 192");
  EXPECT_EQ(Get(d, DCM_OperatorsName), "Müller^Jürgen");
}

TEST_F(NewInstanceRecord, LongCodesUseTheLongCodeValue) {
  NewVideoSpec spec = SegmentSpec();
  spec.procedureCode = {"LOCAL-PROC-ENDO-000042", "99HOSP", "Diagnostic endoscopy"};
  DcmDataset& d = Write(spec);
  DcmItem* code = nullptr;
  ASSERT_TRUE(d.findAndGetSequenceItem(DCM_ProcedureCodeSequence, code, 0).good());
  EXPECT_FALSE(code->tagExists(DCM_CodeValue));
  EXPECT_EQ(Get(*code, DCM_LongCodeValue), "LOCAL-PROC-ENDO-000042");
}

TEST_F(NewInstanceRecord, ImageCommentsAreCutToTheLtLimit) {
  NewVideoSpec spec = SegmentSpec();
  spec.imageComments = std::string(10239, 'a') + "ü";  // the two-byte character would end past 10240 bytes
  DcmDataset& d = Write(spec);
  EXPECT_EQ(Get(d, DCM_ImageComments), std::string(10239, 'a'));
}

TEST(NewInstanceRecordErrors, InvalidRecordsAreRefusedWithTheReason) {
  ScratchDir dir;
  const auto refused = [&](const NewVideoSpec& spec, const std::string& part) {
    try {
      WriteNewVideoInstance(spec, dir / "bad.dcm");
      ADD_FAILURE() << "accepted; expected an error about " << part;
    } catch (const DicomError& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(dir / "bad.dcm"));
  };
  NewVideoSpec spec = SegmentSpec();
  spec.contentDateTime = "2026-11-27T10:15:00Z";
  refused(spec, "contentDateTime '2026-11-27T10:15:00Z' is not a DICOM date-time");
  spec = SegmentSpec();
  spec.acquisitionDateTime = "20261127";
  refused(spec, "acquisitionDateTime");
  spec = SegmentSpec();
  spec.timezoneOffsetFromUtc = "UTC";
  refused(spec, "timezoneOffsetFromUtc 'UTC' is not a UTC offset");
  spec = SegmentSpec();
  spec.instanceNumber = 0;
  refused(spec, "instance number 0");
  spec = SegmentSpec();
  spec.procedureCode = {"44441009", "", "Laparoscopy"};
  refused(spec, "procedure code '44441009' needs a coding scheme designator");
  spec = SegmentSpec();
  spec.referencedImages = {{"1.2.840.10008.5.1.4.1.1.77.1.1.1", "not-a-uid"}};
  refused(spec, "not a valid (SOP Class UID, SOP Instance UID) pair");
  spec = SegmentSpec();
  spec.sopInstanceUid = "1.2.3.4";
  spec.referencedImages = {{"1.2.840.10008.5.1.4.1.1.77.1.1.1", "1.2.3.4"}};
  refused(spec, "references itself");
}

}  // namespace
}  // namespace va::dicom
