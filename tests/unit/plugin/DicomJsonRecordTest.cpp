#include <gtest/gtest.h>

#include <string>

#include "DicomJsonRecord.h"

using namespace va::plugin;

namespace {

constexpr int64_t kNow = 1795780800;  // 2026-11-27T12:00:00Z
const std::string kEndoscopic = "1.2.840.10008.5.1.4.1.1.77.1.1.1";

// A data set with the two required attributes plus the given members ("\"00100020\": {...}, ...").
std::string DataSet(const std::string& members = "", const std::string& sopClass = kEndoscopic) {
  return "[{\"00080016\": {\"vr\": \"UI\", \"Value\": [\"" + sopClass +
         "\"]}, \"7FE00010\": {\"vr\": \"OB\", \"BulkDataURI\": \"video.mp4\"}" + (members.empty() ? "" : ", ") +
         members + "}]";
}

std::string ErrorOf(const std::string& json) {
  try {
    ParseStowVideoMetadata(json, kNow);
  } catch (const MetadataError& e) {
    return e.what();
  }
  return "";
}

std::string FieldOf(const std::string& json) {
  try {
    ParseStowVideoMetadata(json, kNow);
  } catch (const MetadataError& e) {
    return e.field();
  }
  return "";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(DicomJsonRecordTest, ReadsEveryMappedAttribute) {
  const StowVideoMetadata m = ParseStowVideoMetadata(R"([{
    "00020010": {"vr": "UI", "Value": ["1.2.840.10008.1.2.4.107"]},
    "00080016": {"vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.77.1.2.1"]},
    "00080018": {"vr": "UI", "Value": ["1.2.826.0.1.3680043.8.498.3"]},
    "0008002A": {"vr": "DT", "Value": ["20261127111500.5+0100"]},
    "00080050": {"vr": "SH", "Value": ["ACC123"]},
    "00080070": {"vr": "LO", "Value": ["Acme Medical"]},
    "00080080": {"vr": "LO", "Value": ["Hôpital Nord"]},
    "00081030": {"vr": "LO", "Value": ["Colonoscopy"]},
    "00081032": {"vr": "SQ", "Value": [{
        "00080100": {"vr": "SH", "Value": ["45378"]},
        "00080102": {"vr": "SH", "Value": ["C4"]},
        "00080104": {"vr": "LO", "Value": ["Colonoscopy, diagnostic"]}}, {
        "00080100": {"vr": "SH", "Value": ["ignored"]}}]},
    "0008103E": {"vr": "LO", "Value": ["Left eye"]},
    "00081070": {"vr": "PN", "Value": [{"Alphabetic": "SMITH^JOHN"}, {"Alphabetic": "ROE^RICHARD"}]},
    "00081090": {"vr": "LO", "Value": ["EndoCam 4K"]},
    "00100010": {"vr": "PN", "Value": [{"Alphabetic": "YAMADA^TARO", "Ideographic": "山田^太郎"}]},
    "00100020": {"vr": "LO", "Value": ["PAT-0042"]},
    "00100030": {"vr": "DA", "Value": ["19610412"]},
    "00100040": {"vr": "CS", "Value": ["M"]},
    "00181000": {"vr": "LO", "Value": ["SN-0001"]},
    "0020000D": {"vr": "UI", "Value": ["1.2.826.0.1.3680043.8.498.1"]},
    "0020000E": {"vr": "UI", "Value": ["1.2.826.0.1.3680043.8.498.2"]},
    "00280008": {"vr": "IS", "Value": [1500]},
    "7FE00010": {"vr": "OB", "BulkDataURI": "http://recorder.local/studies/1/video.mp4"}
  }])",
                                                     kNow);
  const ProcedureRecord& r = m.record;
  EXPECT_EQ(m.transferSyntaxUid, "1.2.840.10008.1.2.4.107");
  EXPECT_EQ(m.sopClassUid, "1.2.840.10008.5.1.4.1.1.77.1.2.1");
  EXPECT_EQ(r.videoKind, VideoKind::Microscopic);
  EXPECT_EQ(m.sopInstanceUid, "1.2.826.0.1.3680043.8.498.3");
  EXPECT_EQ(r.recordingStartUtc, "20261127101500.5+0000");
  EXPECT_EQ(r.accessionNumber, "ACC123");
  EXPECT_EQ(r.manufacturer, "Acme Medical");
  EXPECT_EQ(r.organisation, "Hôpital Nord");
  EXPECT_EQ(r.studyDescription, "Colonoscopy");
  EXPECT_EQ(r.procedureCodeValue, "45378");
  EXPECT_EQ(r.procedureCodeScheme, "C4");
  EXPECT_EQ(r.procedureCodeMeaning, "Colonoscopy, diagnostic");
  EXPECT_EQ(m.seriesDescription, "Left eye");
  EXPECT_EQ(r.operatorName, "SMITH^JOHN");  // the first of several operators
  EXPECT_EQ(r.modelName, "EndoCam 4K");
  EXPECT_EQ(r.patientName, "YAMADA^TARO=山田^太郎");
  EXPECT_EQ(r.patientId, "PAT-0042");
  EXPECT_EQ(r.patientBirthDate, "19610412");
  EXPECT_EQ(r.patientSex, "M");
  EXPECT_EQ(r.deviceSerialNumber, "SN-0001");
  EXPECT_EQ(r.studyInstanceUid, "1.2.826.0.1.3680043.8.498.1");
  EXPECT_EQ(m.seriesInstanceUid, "1.2.826.0.1.3680043.8.498.2");
  EXPECT_EQ(m.bulkDataUri, "http://recorder.local/studies/1/video.mp4");
  EXPECT_EQ(r.stereo, StereoLayout::None);
  EXPECT_EQ(r.sha256, "");
}

TEST(DicomJsonRecordTest, MinimalDataSet) {
  const StowVideoMetadata m = ParseStowVideoMetadata(DataSet(), kNow);
  EXPECT_EQ(m.record.videoKind, VideoKind::Endoscopic);
  EXPECT_EQ(m.bulkDataUri, "video.mp4");
  EXPECT_EQ(m.record.recordingStartUtc, "");
  EXPECT_EQ(m.record.patientId, "");
  EXPECT_EQ(m.sopInstanceUid, "");
  EXPECT_EQ(ParseStowVideoMetadata(DataSet("", "1.2.840.10008.5.1.4.1.1.77.1.4.1"), kNow).record.videoKind,
            VideoKind::Photographic);
  // Lowercase tags, absent vr, empty and null values are tolerated.
  const StowVideoMetadata lenient = ParseStowVideoMetadata(
      DataSet(R"("00100020": {"Value": ["P1"]}, "00100010": {"vr": "PN"}, "00081070": {"vr": "PN", "Value": [null]},
              "0008103e": {"vr": "LO", "Value": []})"),
      kNow);
  EXPECT_EQ(lenient.record.patientId, "P1");
  EXPECT_EQ(lenient.record.patientName, "");
}

TEST(DicomJsonRecordTest, RecordingStartFallsBackToContentDateAndTime) {
  EXPECT_EQ(ParseStowVideoMetadata(DataSet(R"("00080023": {"vr": "DA", "Value": ["20261127"]},
                                             "00080033": {"vr": "TM", "Value": ["101500"]})"),
                                   kNow)
                .record.recordingStartUtc,
            "20261127101500+0000");
  // Timezone Offset From UTC applies to both forms when they carry no offset of their own.
  EXPECT_EQ(ParseStowVideoMetadata(DataSet(R"("00080023": {"vr": "DA", "Value": ["20261127"]},
                                             "00080033": {"vr": "TM", "Value": ["101500"]},
                                             "00080201": {"vr": "SH", "Value": ["+0200"]})"),
                                   kNow)
                .record.recordingStartUtc,
            "20261127081500+0000");
  EXPECT_EQ(ParseStowVideoMetadata(DataSet(R"("0008002A": {"vr": "DT", "Value": ["20261127101500"]},
                                             "00080201": {"vr": "SH", "Value": ["-0100"]})"),
                                   kNow)
                .record.recordingStartUtc,
            "20261127111500+0000");
  // AcquisitionDateTime wins over ContentDate/Time.
  EXPECT_EQ(ParseStowVideoMetadata(DataSet(R"("0008002A": {"vr": "DT", "Value": ["20261127090000"]},
                                             "00080023": {"vr": "DA", "Value": ["20261127"]},
                                             "00080033": {"vr": "TM", "Value": ["101500"]})"),
                                   kNow)
                .record.recordingStartUtc,
            "20261127090000+0000");
  EXPECT_EQ(ParseStowVideoMetadata(DataSet(R"("00080023": {"vr": "DA", "Value": ["20261127"]})"), kNow)
                .record.recordingStartUtc,
            "");
  EXPECT_EQ(FieldOf(DataSet(R"("0008002A": {"vr": "DT", "Value": ["20271127090000"]})")),
            "AcquisitionDateTime (0008002A)");
  EXPECT_EQ(FieldOf(DataSet(R"("00080023": {"vr": "DA", "Value": ["2026-11-27"]},
                               "00080033": {"vr": "TM", "Value": ["101500"]})")),
            "ContentDate (00080023)");
}

TEST(DicomJsonRecordTest, SopClassMustBeAVideo) {
  EXPECT_EQ(ErrorOf(R"([{"7FE00010": {"vr": "OB", "BulkDataURI": "v"}}])"),
            "metadata field 'SOPClassUID (00080016)': is required (Video Endoscopic, Microscopic or Photographic "
            "Image Storage)");
  const std::string error = ErrorOf(DataSet("", "1.2.840.10008.5.1.4.1.1.7"));
  EXPECT_TRUE(Contains(error,
                       "'SOPClassUID (00080016)': is not a video SOP class this route accepts; use one of "
                       "Video Endoscopic Image Storage 1.2.840.10008.5.1.4.1.1.77.1.1.1"))
      << error;
  EXPECT_TRUE(Contains(ErrorOf(DataSet("", "1.2.840.10008.5.1.4.1.1.77.1.1.01")), "leading zero"));
}

TEST(DicomJsonRecordTest, PixelDataMustBeABulkDataReference) {
  const std::string sop = R"("00080016": {"vr": "UI", "Value": [")" + kEndoscopic + R"("]})";
  EXPECT_TRUE(Contains(ErrorOf("[{" + sop + "}]"), "'PixelData (7FE00010)': is required and must reference"));
  EXPECT_TRUE(Contains(ErrorOf("[{" + sop + R"(, "7FE00010": {"vr": "OB", "InlineBinary": "AAAA"}}])"),
                       "inline pixel data is not accepted"));
  EXPECT_TRUE(Contains(ErrorOf("[{" + sop + R"(, "7FE00010": {"vr": "OB", "Value": ["AAAA"]}}])"),
                       "inline pixel data is not accepted"));
  EXPECT_TRUE(Contains(ErrorOf("[{" + sop + R"(, "7FE00010": {"vr": "OB", "BulkDataURI": ""}}])"), "non-empty"));
  EXPECT_TRUE(Contains(ErrorOf("[{" + sop + R"(, "7FE00010": {"vr": "OB", "BulkDataURI": 3}}])"), "non-empty"));
  EXPECT_TRUE(
      Contains(ErrorOf("[{" + sop + R"(, "7FE00010": {"vr": "OB", "BulkDataURI": "my video"}}])"), "visible ASCII"));
  EXPECT_TRUE(
      Contains(ErrorOf("[{" + sop + R"(, "7FE00010": {"vr": "LO", "BulkDataURI": "v"}}])"), "must have VR OB or OW"));
  EXPECT_EQ(ParseStowVideoMetadata("[{" + sop + R"(, "7FE00010": {"vr": "OW", "BulkDataURI": "cid:v@x"}}])", kNow)
                .bulkDataUri,
            "cid:v@x");
}

TEST(DicomJsonRecordTest, ValuesFollowTheSharedRules) {
  EXPECT_EQ(FieldOf(DataSet(R"("00100020": {"vr": "LO", "Value": ["P\\1"]})")), "PatientID (00100020)");
  EXPECT_EQ(ErrorOf(DataSet(R"("00100020": {"vr": "LO", "Value": ["P\\1"]})")),
            "metadata field 'PatientID (00100020)': contains a backslash, which DICOM reserves to separate values");
  EXPECT_EQ(FieldOf(DataSet(R"("00100030": {"vr": "DA", "Value": ["19610231"]})")), "PatientBirthDate (00100030)");
  EXPECT_EQ(FieldOf(DataSet(R"("00100040": {"vr": "CS", "Value": ["X"]})")), "PatientSex (00100040)");
  EXPECT_EQ(FieldOf(DataSet(R"("00080050": {"vr": "SH", "Value": ["12345678901234567"]})")),
            "AccessionNumber (00080050)");
  EXPECT_EQ(FieldOf(DataSet(R"("0020000D": {"vr": "UI", "Value": ["1.2.3."]})")), "StudyInstanceUID (0020000D)");
  EXPECT_EQ(FieldOf(DataSet(R"("00080080": {"vr": "LO", "Value": ["line\nbreak"]})")), "InstitutionName (00080080)");
  EXPECT_EQ(FieldOf(DataSet(R"("00100010": {"vr": "PN", "Value": [{"Alphabetic": "A^B^C^D^E^F"}]})")),
            "PatientName (00100010)");
  EXPECT_EQ(FieldOf(DataSet(R"("00080201": {"vr": "SH", "Value": ["+01:00"]})")), "TimezoneOffsetFromUTC (00080201)");
  EXPECT_EQ(FieldOf(DataSet(R"("00020010": {"vr": "UI", "Value": ["H.265"]})")), "TransferSyntaxUID (00020010)");
}

TEST(DicomJsonRecordTest, ProcedureCodeItemsNeedAllThreeParts) {
  EXPECT_EQ(FieldOf(DataSet(R"("00081032": {"vr": "SQ", "Value": [{
      "00080102": {"vr": "SH", "Value": ["C4"]}, "00080104": {"vr": "LO", "Value": ["Colonoscopy"]}}]})")),
            "CodeValue (00080100) in ProcedureCodeSequence (00081032)");
  EXPECT_EQ(FieldOf(DataSet(R"("00081032": {"vr": "SQ", "Value": [{
      "00080100": {"vr": "SH", "Value": ["1"]}, "00080102": {"vr": "SH", "Value": ["C4"]},
      "00080104": {"vr": "LO", "Value": [")" +
                            std::string(65, 'm') + R"("]}}]})")),
            "CodeMeaning (00080104) in ProcedureCodeSequence (00081032)");
  EXPECT_EQ(ParseStowVideoMetadata(DataSet(R"("00081032": {"vr": "SQ", "Value": []})"), kNow).record.procedureCodeValue,
            "");
  EXPECT_TRUE(Contains(ErrorOf(DataSet(R"("00081032": {"vr": "SQ", "Value": ["x"]})")), "items must be JSON objects"));
}

TEST(DicomJsonRecordTest, ShapeErrorsNameTheAttribute) {
  EXPECT_EQ(ErrorOf(DataSet(R"("00100020": {"vr": "PN", "Value": ["P1"]})")),
            "metadata field 'PatientID (00100020)': must have VR LO");
  EXPECT_EQ(ErrorOf(DataSet(R"("00100020": {"vr": "LO", "Value": ["P1", "P2"]})")),
            "metadata field 'PatientID (00100020)': has 2 values; it takes one");
  EXPECT_EQ(ErrorOf(DataSet(R"("00100020": {"vr": "LO", "Value": [42]})")),
            "metadata field 'PatientID (00100020)': value must be a JSON string");
  EXPECT_EQ(ErrorOf(DataSet(R"("00100020": {"vr": "LO", "Value": "P1"})")),
            "metadata field 'PatientID (00100020)': \"Value\" must be a JSON array");
  EXPECT_EQ(ErrorOf(DataSet(R"("00100020": {"vr": "LO", "InlineBinary": "UDE="})")),
            "metadata field 'PatientID (00100020)': must be given as a \"Value\", not as binary or bulk data");
  EXPECT_TRUE(Contains(ErrorOf(DataSet(R"("00100010": {"vr": "PN", "Value": ["DOE^JANE"]})")),
                       "{\"Alphabetic\": \"DOE^JANE\"}"));
  EXPECT_TRUE(Contains(ErrorOf(DataSet(R"("00100010": {"vr": "PN", "Value": [{"Alphabetic": "A=B"}]})")),
                       "must not contain '='"));
  EXPECT_TRUE(Contains(ErrorOf(DataSet(R"("00100010": {"vr": "PN", "Value": [{"Alphabetic": 7}]})")),
                       "Alphabetic must be a string"));
  EXPECT_EQ(ErrorOf(DataSet(R"("00100020": "P1")")),
            "metadata field 'attribute (00100020)': must be a JSON object such as {\"vr\": \"LO\", \"Value\": [...]}");
  EXPECT_TRUE(Contains(ErrorOf(DataSet(R"("PatientID": {"vr": "LO", "Value": ["P1"]})")), "not a DICOM tag"));
  EXPECT_TRUE(Contains(ErrorOf(DataSet(R"("0010002g": {"vr": "LO", "Value": ["P1"]})")), "not a DICOM tag"));
  EXPECT_EQ(ErrorOf(DataSet(R"("7fe00010": {"vr": "OB", "BulkDataURI": "v"})")),
            "metadata field 'attribute (7FE00010)': is given twice");
}

TEST(DicomJsonRecordTest, DocumentErrors) {
  const std::string arrayOfOne = "must be a JSON array holding exactly one data set object";
  EXPECT_TRUE(Contains(ErrorOf("{}"), arrayOfOne));
  EXPECT_TRUE(Contains(ErrorOf("[]"), arrayOfOne));
  EXPECT_TRUE(Contains(ErrorOf("[1]"), arrayOfOne));
  EXPECT_TRUE(Contains(
      ErrorOf("[" + DataSet().substr(1, DataSet().size() - 2) + "," + DataSet().substr(1, DataSet().size() - 2) + "]"),
      arrayOfOne));
  EXPECT_EQ(FieldOf("[{"), "application/dicom+json");
  EXPECT_EQ(ErrorOf("[{,}]"),
            "metadata field 'application/dicom+json': is not valid JSON: Line 1, Column 3 Missing '}' or object "
            "member name");
  EXPECT_TRUE(Contains(ErrorOf(DataSet() + " x"), "is not valid JSON"));                         // trailing text
  EXPECT_TRUE(Contains(ErrorOf("// c\n" + DataSet()), "is not valid JSON"));                     // comments
  EXPECT_TRUE(Contains(ErrorOf(R"([{"00100020": {}, "00100020": {}}])"), "is not valid JSON"));  // duplicate keys
  EXPECT_EQ(ErrorOf("[{'00100020': {}}]").find('\n'), std::string::npos);                        // one-line reason
  // Deep nesting stops at the stack limit instead of exhausting the stack.
  EXPECT_EQ(FieldOf(std::string(100000, '[') + std::string(100000, ']')), "application/dicom+json");
  // Size bound.
  const std::string padding(kMaxStowMetadataBytes, ' ');
  EXPECT_TRUE(Contains(ErrorOf(DataSet() + padding), "larger than 1 MiB"));
}

TEST(DicomJsonRecordTest, PatientIdentificationUsesDicomNames) {
  StowVideoMetadata m = ParseStowVideoMetadata(DataSet(), kNow);
  try {
    CheckPatientIdentified(m);
    FAIL();
  } catch (const MetadataError& e) {
    EXPECT_EQ(e.field(), "PatientID (00100020)");
  }
  m.record.patientId = "P";
  try {
    CheckPatientIdentified(m);
    FAIL();
  } catch (const MetadataError& e) {
    EXPECT_EQ(e.field(), "PatientName (00100010)");
  }
  m.record.patientName = "DOE";
  EXPECT_NO_THROW(CheckPatientIdentified(m));
  EXPECT_NO_THROW(ParseStowVideoMetadata(DataSet()));  // the overload that reads the clock
}

}  // namespace
