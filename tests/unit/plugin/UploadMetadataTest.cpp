#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "UploadMetadata.h"
#include "va/archive/Base64.h"

using namespace va::plugin;

namespace {

constexpr int64_t kNow = 1795780800;  // 2026-11-27T12:00:00Z

// An Upload-Metadata header from plain key/value pairs, as a tus client writes it.
std::string Header(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string header;
  for (const auto& [key, value] : pairs)
    header += (header.empty() ? "" : ",") + key + " " + va::archive::EncodeBase64(value);
  return header;
}

// The required fields, with some replaced or added.
std::string Minimal(const std::vector<std::pair<std::string, std::string>>& changes = {}) {
  std::vector<std::pair<std::string, std::string>> pairs = {{"organisation", "Hôpital Nord"},
                                                            {"manufacturer", "Acme Medical"},
                                                            {"model", "EndoCam 4K"},
                                                            {"recordingStart", "2026-11-27T10:15:00Z"},
                                                            {"videoKind", "endoscopic"}};
  for (const auto& change : changes) {
    bool replaced = false;
    for (auto& pair : pairs) {
      if (pair.first == change.first) pair.second = change.second, replaced = true;
    }
    if (!replaced) pairs.push_back(change);
  }
  return Header(pairs);
}

std::string ErrorOf(const std::string& header) {
  try {
    ParseUploadMetadata(header, kNow);
  } catch (const MetadataError& e) {
    return e.what();
  }
  return "";
}

std::string FieldOf(const std::string& header) {
  try {
    ParseUploadMetadata(header, kNow);
  } catch (const MetadataError& e) {
    return e.field();
  }
  return "";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(UploadMetadataTest, ReadsEveryField) {
  const ProcedureRecord r =
      ParseUploadMetadata(Header({{"patientId", "PAT-0042"},
                                  {"patientName", "DOE^JANE"},
                                  {"patientBirthDate", "1961-04-12"},
                                  {"patientSex", "female"},
                                  {"accessionNumber", "ACC123"},
                                  {"studyDescription", "Colonoscopy"},
                                  {"studyInstanceUid", "1.2.826.0.1.3680043.8.498.1"},
                                  {"procedureCode", "45378^C4^Colonoscopy, diagnostic"},
                                  {"operator", "SMITH^JOHN^^DR"},
                                  {"organisation", "Hôpital Nord"},
                                  {"manufacturer", "Acme Medical"},
                                  {"model", "EndoCam 4K"},
                                  {"serialNumber", "SN-0001"},
                                  {"recordingStart", "2026-11-27T10:15:00.250Z"},
                                  {"videoKind", "microscopic"},
                                  {"stereo", "side-by-side"},
                                  {"sha256", "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"}}),
                          kNow);
  EXPECT_EQ(r.patientId, "PAT-0042");
  EXPECT_EQ(r.patientName, "DOE^JANE");
  EXPECT_EQ(r.patientBirthDate, "19610412");
  EXPECT_EQ(r.patientSex, "F");
  EXPECT_EQ(r.accessionNumber, "ACC123");
  EXPECT_EQ(r.studyDescription, "Colonoscopy");
  EXPECT_EQ(r.studyInstanceUid, "1.2.826.0.1.3680043.8.498.1");
  EXPECT_EQ(r.procedureCodeValue, "45378");
  EXPECT_EQ(r.procedureCodeScheme, "C4");
  EXPECT_EQ(r.procedureCodeMeaning, "Colonoscopy, diagnostic");
  EXPECT_EQ(r.operatorName, "SMITH^JOHN^^DR");
  EXPECT_EQ(r.organisation, "Hôpital Nord");
  EXPECT_EQ(r.manufacturer, "Acme Medical");
  EXPECT_EQ(r.modelName, "EndoCam 4K");
  EXPECT_EQ(r.deviceSerialNumber, "SN-0001");
  EXPECT_EQ(r.recordingStartUtc, "20261127101500.250+0000");
  EXPECT_EQ(r.videoKind, VideoKind::Microscopic);
  EXPECT_EQ(r.stereo, StereoLayout::SideBySide);
  EXPECT_EQ(r.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(UploadMetadataTest, MinimalUploadHasDefaults) {
  const ProcedureRecord r = ParseUploadMetadata(Minimal(), kNow);
  EXPECT_EQ(r.patientId, "");
  EXPECT_EQ(r.patientName, "");
  EXPECT_EQ(r.videoKind, VideoKind::Endoscopic);
  EXPECT_EQ(r.stereo, StereoLayout::None);
  EXPECT_EQ(r.sha256, "");
  EXPECT_EQ(r.recordingStartUtc, "20261127101500+0000");
}

TEST(UploadMetadataTest, HeaderSyntaxFollowsTus) {
  // Spaces around pairs, an empty list element, a key without value and generic tus client keys.
  const std::string header = " " + Minimal() + " , ,stereo,filename " + va::archive::EncodeBase64("colon.mp4") +
                             ",filetype " + va::archive::EncodeBase64("video/mp4") + ",relativePath " +
                             va::archive::EncodeBase64("a/b.mp4") + ",name,type,contentType ,";
  EXPECT_EQ(ParseUploadMetadata(header, kNow).stereo, StereoLayout::None);
  // An empty or blank value is the same as an absent one.
  EXPECT_EQ(ParseUploadMetadata(Minimal({{"patientId", "   "}, {"stereo", ""}}), kNow).patientId, "");
}

TEST(UploadMetadataTest, MalformedHeadersAreRefused) {
  EXPECT_EQ(ErrorOf(Minimal() + ",patientId UEF"),
            "metadata field 'patientId': is not valid base64 (RFC 4648 standard alphabet, with '=' padding); tus "
            "sends every value base64-encoded");
  EXPECT_EQ(FieldOf(Minimal() + ",patientId UEFUMQ"), "patientId");     // unpadded
  EXPECT_EQ(FieldOf(Minimal() + ",patientId UEFU MQ=="), "patientId");  // two values
  EXPECT_EQ(FieldOf(Minimal() + ",patientId UEF_MQ=="), "patientId");   // URL-safe alphabet
  EXPECT_EQ(FieldOf(Minimal() + ",filename !!!!"), "filename");         // even ignored keys are base64
  EXPECT_TRUE(Contains(ErrorOf(Minimal() + ",model " + va::archive::EncodeBase64("x")), "'model': is given twice"));
  EXPECT_EQ(FieldOf(Minimal() + ",p\xc3\xa9 UEFU"), "Upload-Metadata");  // non-ASCII key
  EXPECT_EQ(FieldOf(Minimal() + ",\x01 UEFU"), "Upload-Metadata");
}

TEST(UploadMetadataTest, UnknownKeysAreNamedWithTheKnownOnes) {
  const std::string error = ErrorOf(Minimal({{"patientID", "X"}}));
  EXPECT_TRUE(Contains(error,
                       "metadata field 'patientID': unknown field; did you mean patientId? known fields are "
                       "patientId, patientName,"))
      << error;
  EXPECT_TRUE(Contains(ErrorOf(Minimal({{"colour", "red"}})), "'colour': unknown field; known fields are patientId"));
}

TEST(UploadMetadataTest, RequiredFieldsAreNamed) {
  for (const char* field : {"organisation", "manufacturer", "model", "recordingStart", "videoKind"}) {
    std::vector<std::pair<std::string, std::string>> pairs = {{"organisation", "O"},
                                                              {"manufacturer", "M"},
                                                              {"model", "X"},
                                                              {"recordingStart", "2026-11-27T10:15:00Z"},
                                                              {"videoKind", "endoscopic"}};
    for (auto& [key, value] : pairs) {
      if (key == field) value = " ";  // blank counts as absent
    }
    EXPECT_EQ(FieldOf(Header(pairs)), field);
    EXPECT_TRUE(Contains(ErrorOf(Header(pairs)), "is required; fields are")) << field;
  }
  EXPECT_EQ(FieldOf(""), "organisation");
}

TEST(UploadMetadataTest, EachValueIsValidated) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"patientId", std::string(65, '1')},
      {"patientName", "A^B^C^D^E^F"},
      {"patientBirthDate", "2027-01-01"},
      {"patientSex", "unknown"},
      {"accessionNumber", "ACC-12345678901234"},
      {"studyDescription", "line\nbreak"},
      {"studyInstanceUid", "1.2.03"},
      {"procedureCode", "45378^C4"},
      {"operator", "SMITH\\JONES"},
      {"organisation", std::string(65, 'o')},
      {"serialNumber", "\xff"},
      {"recordingStart", "2026-11-27T10:15:00+01:00"},
      {"videoKind", "radiographic"},
      {"stereo", "anaglyph"},
      {"sha256", "abc"},
  };
  for (const auto& [key, value] : bad) {
    const std::string header = key == "organisation" ? Header({{"organisation", value}}) : Minimal({{key, value}});
    EXPECT_EQ(FieldOf(header), key) << ErrorOf(header);
  }
}

TEST(UploadMetadataTest, ProcedureCodeParts) {
  const ProcedureRecord r = ParseUploadMetadata(Minimal({{"procedureCode", " 45378 ^ C4 ^ Colonoscopy "}}), kNow);
  EXPECT_EQ(r.procedureCodeValue, "45378");
  EXPECT_EQ(r.procedureCodeScheme, "C4");
  EXPECT_EQ(r.procedureCodeMeaning, "Colonoscopy");
  EXPECT_TRUE(Contains(ErrorOf(Minimal({{"procedureCode", "a^^c"}})), "all three parts"));
  EXPECT_TRUE(Contains(ErrorOf(Minimal({{"procedureCode", "a^b^c^d"}})), "all three parts"));
  EXPECT_TRUE(Contains(ErrorOf(Minimal({{"procedureCode", std::string(17, '1') + "^C4^x"}})), "code value"));
  EXPECT_TRUE(Contains(ErrorOf(Minimal({{"procedureCode", "1^" + std::string(17, 'S') + "^x"}})), "coding scheme"));
  EXPECT_TRUE(Contains(ErrorOf(Minimal({{"procedureCode", "1^S^" + std::string(65, 'm')}})), "code meaning"));
}

TEST(UploadMetadataTest, EnumsAreCaseInsensitive) {
  EXPECT_EQ(ParseUploadMetadata(Minimal({{"videoKind", "Photographic"}}), kNow).videoKind, VideoKind::Photographic);
  EXPECT_EQ(ParseUploadMetadata(Minimal({{"stereo", "TOP-BOTTOM"}}), kNow).stereo, StereoLayout::TopBottom);
}

TEST(UploadMetadataTest, PatientIdentificationIsCheckedSeparately) {
  ProcedureRecord r = ParseUploadMetadata(Minimal({{"accessionNumber", "ACC1"}}), kNow);
  try {
    CheckPatientIdentified(r);
    FAIL();
  } catch (const MetadataError& e) {
    EXPECT_EQ(e.field(), "patientId");
    EXPECT_TRUE(Contains(e.what(), "accessionNumber"));
  }
  r.patientId = "P1";
  try {
    CheckPatientIdentified(r);
    FAIL();
  } catch (const MetadataError& e) {
    EXPECT_EQ(e.field(), "patientName");
  }
  r.patientName = "DOE^JANE";
  EXPECT_NO_THROW(CheckPatientIdentified(r));
}

TEST(UploadMetadataTest, DescribeFieldsMarksTheRequiredOnes) {
  const std::string d = DescribeFields();
  EXPECT_EQ(d.find('\n'), std::string::npos);
  for (const char* field : {"patientId,", "organisation*", "manufacturer*", "model*", "recordingStart*", "videoKind*",
                            "stereo,", "sha256 "}) {
    EXPECT_TRUE(Contains(d, field)) << field << " in " << d;
  }
}

TEST(UploadMetadataTest, UsesTheClockWithoutAGivenNow) {
  // A recording from the past is accepted by the overload that reads the clock.
  EXPECT_NO_THROW(ParseUploadMetadata(Minimal()));
}

}  // namespace
