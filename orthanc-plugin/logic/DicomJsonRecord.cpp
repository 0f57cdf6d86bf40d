#include "DicomJsonRecord.h"

#include <json/json.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "DicomValueRules.h"

namespace va::plugin {

namespace {

const char* const kDocument = "application/dicom+json";

struct Tag {
  const char* hex;
  const char* keyword;
  const char* vr;
};

// The attributes we read.
constexpr Tag kPatientId{"00100020", "PatientID", "LO"};
constexpr Tag kPatientName{"00100010", "PatientName", "PN"};
constexpr Tag kBirthDate{"00100030", "PatientBirthDate", "DA"};
constexpr Tag kSex{"00100040", "PatientSex", "CS"};
constexpr Tag kAccession{"00080050", "AccessionNumber", "SH"};
constexpr Tag kStudyDescription{"00081030", "StudyDescription", "LO"};
constexpr Tag kStudyUid{"0020000D", "StudyInstanceUID", "UI"};
constexpr Tag kSeriesUid{"0020000E", "SeriesInstanceUID", "UI"};
constexpr Tag kSeriesDescription{"0008103E", "SeriesDescription", "LO"};
constexpr Tag kSopInstanceUid{"00080018", "SOPInstanceUID", "UI"};
constexpr Tag kSopClassUid{"00080016", "SOPClassUID", "UI"};
constexpr Tag kProcedureCodes{"00081032", "ProcedureCodeSequence", "SQ"};
constexpr Tag kCodeValue{"00080100", "CodeValue", "SH"};
constexpr Tag kCodingScheme{"00080102", "CodingSchemeDesignator", "SH"};
constexpr Tag kCodeMeaning{"00080104", "CodeMeaning", "LO"};
constexpr Tag kOperators{"00081070", "OperatorsName", "PN"};
constexpr Tag kInstitution{"00080080", "InstitutionName", "LO"};
constexpr Tag kManufacturer{"00080070", "Manufacturer", "LO"};
constexpr Tag kModel{"00081090", "ManufacturerModelName", "LO"};
constexpr Tag kSerial{"00181000", "DeviceSerialNumber", "LO"};
constexpr Tag kAcquisitionDateTime{"0008002A", "AcquisitionDateTime", "DT"};
constexpr Tag kContentDate{"00080023", "ContentDate", "DA"};
constexpr Tag kContentTime{"00080033", "ContentTime", "TM"};
constexpr Tag kTimezoneOffset{"00080201", "TimezoneOffsetFromUTC", "SH"};
constexpr Tag kTransferSyntax{"00020010", "TransferSyntaxUID", "UI"};
constexpr Tag kPixelData{"7FE00010", "PixelData", "OB"};

struct VideoSopClass {
  const char* uid;
  const char* name;
  VideoKind kind;
};
constexpr VideoSopClass kVideoSopClasses[] = {
    {"1.2.840.10008.5.1.4.1.1.77.1.1.1", "Video Endoscopic Image Storage", VideoKind::Endoscopic},
    {"1.2.840.10008.5.1.4.1.1.77.1.2.1", "Video Microscopic Image Storage", VideoKind::Microscopic},
    {"1.2.840.10008.5.1.4.1.1.77.1.4.1", "Video Photographic Image Storage", VideoKind::Photographic},
};

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// One data set object (the top level, or a sequence item) indexed by tag, with typed readers that check the VR
// and the shape PS3.18 F.2 prescribes.
class DataSet {
 public:
  // context is appended to attribute names inside a sequence item, e.g. " in ProcedureCodeSequence (00081032)".
  DataSet(const Json::Value& object, std::string context) : context_(std::move(context)) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      std::string tag = it.name();
      bool valid = tag.size() == 8;
      for (char& c : tag) {
        valid = valid && IsHexDigit(c);
        if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
      }
      if (!valid)
        throw MetadataError(kDocument, "has a member that is not a DICOM tag (8 hexadecimal digits)" + context_);
      if (!it->isObject()) {
        throw MetadataError(NameOf(tag.c_str(), "attribute"),
                            "must be a JSON object such as {\"vr\": \"LO\", "
                            "\"Value\": [...]}");
      }
      if (!attributes_.emplace(tag, &*it).second)
        throw MetadataError(NameOf(tag.c_str(), "attribute"), "is given twice");
    }
  }

  std::string Name(const Tag& tag) const { return NameOf(tag.hex, tag.keyword); }

  // The attribute object after checking its VR, or nullptr when absent.
  const Json::Value* Find(const Tag& tag, const char* otherVr = nullptr) const {
    const auto it = attributes_.find(tag.hex);
    if (it == attributes_.end()) return nullptr;
    const Json::Value& attribute = *it->second;
    if (attribute.isMember("vr")) {
      const Json::Value& vr = attribute["vr"];
      if (!vr.isString() || (vr.asString() != tag.vr && (otherVr == nullptr || vr.asString() != otherVr))) {
        throw MetadataError(Name(tag),
                            std::string("must have VR ") + tag.vr + (otherVr ? std::string(" or ") + otherVr : ""));
      }
    }
    return &attribute;
  }

  // The Value array of an attribute given inline (not as bulk data); nullptr when absent or without a value.
  const Json::Value* Values(const Tag& tag) const {
    const Json::Value* attribute = Find(tag);
    if (attribute == nullptr) return nullptr;
    if (attribute->isMember("InlineBinary") || attribute->isMember("BulkDataURI"))
      throw MetadataError(Name(tag), "must be given as a \"Value\", not as binary or bulk data");
    if (!attribute->isMember("Value")) return nullptr;
    const Json::Value& values = (*attribute)["Value"];
    if (!values.isArray()) throw MetadataError(Name(tag), "\"Value\" must be a JSON array");
    return values.empty() ? nullptr : &values;
  }

  // The one value of an attribute; nullptr when absent, empty or null. firstOfMany: keep the first of several.
  const Json::Value* Single(const Tag& tag, bool firstOfMany) const {
    const Json::Value* values = Values(tag);
    if (values == nullptr) return nullptr;
    if (values->size() > 1 && !firstOfMany) {
      throw MetadataError(Name(tag), "has " + std::to_string(values->size()) + " values; it takes one");
    }
    const Json::Value& value = (*values)[0];
    return value.isNull() ? nullptr : &value;
  }

  // A single string value; "" when absent, empty or null.
  std::string String(const Tag& tag, bool firstOfMany = false) const {
    const Json::Value* value = Single(tag, firstOfMany);
    if (value == nullptr) return "";
    if (!value->isString()) throw MetadataError(Name(tag), "value must be a JSON string");
    return value->asString();
  }

  // A PN value ({"Alphabetic": ..., "Ideographic": ..., "Phonetic": ...}) as DICOM's "A=I=P", unchecked.
  std::string PersonName(const Tag& tag, bool firstOfMany = false) const {
    const Json::Value* single = Single(tag, firstOfMany);
    if (single == nullptr) return "";
    const Json::Value& value = *single;
    if (!value.isObject()) {
      throw MetadataError(Name(tag), "a person name must be a JSON object such as {\"Alphabetic\": \"DOE^JANE\"}");
    }
    std::string groups[3];
    const char* const kGroups[3] = {"Alphabetic", "Ideographic", "Phonetic"};
    for (int i = 0; i < 3; ++i) {
      if (!value.isMember(kGroups[i]) || value[kGroups[i]].isNull()) continue;
      if (!value[kGroups[i]].isString()) throw MetadataError(Name(tag), std::string(kGroups[i]) + " must be a string");
      groups[i] = value[kGroups[i]].asString();
      if (groups[i].find('=') != std::string::npos)
        throw MetadataError(Name(tag), std::string(kGroups[i]) + " must not contain '='");
    }
    std::string name = groups[0];
    if (!groups[1].empty() || !groups[2].empty()) name += "=" + groups[1];
    if (!groups[2].empty()) name += "=" + groups[2];
    return name;
  }

  // The first item of a sequence, or nullptr when absent or empty.
  const Json::Value* FirstItem(const Tag& tag) const {
    const Json::Value* values = Values(tag);
    if (values == nullptr) return nullptr;
    for (const Json::Value& item : *values) {
      if (!item.isObject()) throw MetadataError(Name(tag), "items must be JSON objects (data sets)");
    }
    return &(*values)[0];
  }

 private:
  std::string NameOf(const char* hex, const char* keyword) const {
    return std::string(keyword) + " (" + hex + ")" + context_;
  }

  std::string context_;
  std::map<std::string, const Json::Value*> attributes_;
};

// jsoncpp's "* Line 1, Column 3\n  Missing '}'...\n" as one line for an HTTP answer.
std::string OneLine(const std::string& text) {
  std::string line;
  for (const char c : text) {
    const bool space = c == '\n' || c == ' ' || c == '\t';
    if (space && (line.empty() || line.back() == ' ')) continue;
    line.push_back(space ? ' ' : c);
  }
  if (line.rfind("* ", 0) == 0) line.erase(0, 2);
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

Json::Value ParseJson(const std::string& json) {
  if (json.size() > kMaxStowMetadataBytes) {
    throw MetadataError(kDocument, "is larger than 1 MiB; send the video as a bulk data part, not inline");
  }
  Json::CharReaderBuilder builder;
  Json::CharReaderBuilder::strictMode(&builder.settings_);
  builder["stackLimit"] = 64;  // DICOM JSON of a video nests a few sequences at most
  const std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  Json::Value root;
  std::string errors;
  try {
    if (!reader->parse(json.data(), json.data() + json.size(), &root, &errors)) {
      throw MetadataError(kDocument, "is not valid JSON: " + OneLine(errors));
    }
  } catch (const Json::Exception& e) {
    throw MetadataError(kDocument, std::string("is not acceptable JSON: ") + e.what());
  }
  return root;
}

void ReadProcedureCode(const DataSet& dataSet, ProcedureRecord& record) {
  const Json::Value* item = dataSet.FirstItem(kProcedureCodes);
  if (item == nullptr) return;
  const DataSet code(*item, " in " + dataSet.Name(kProcedureCodes));
  record.procedureCodeValue = CheckShortString(code.Name(kCodeValue), code.String(kCodeValue));
  record.procedureCodeScheme = CheckShortString(code.Name(kCodingScheme), code.String(kCodingScheme));
  record.procedureCodeMeaning = CheckLongString(code.Name(kCodeMeaning), code.String(kCodeMeaning));
  if (record.procedureCodeValue.empty())
    throw MetadataError(code.Name(kCodeValue),
                        "is required in a procedure code item (long code values are not supported)");
  if (record.procedureCodeScheme.empty())
    throw MetadataError(code.Name(kCodingScheme), "is required in a procedure code item");
  if (record.procedureCodeMeaning.empty())
    throw MetadataError(code.Name(kCodeMeaning), "is required in a procedure code item");
}

std::string ReadBulkDataUri(const DataSet& dataSet) {
  const std::string name = dataSet.Name(kPixelData);
  const std::string expected =
      "is required and must reference the video part: {\"vr\": \"OB\", \"BulkDataURI\": \"<Content-Location of the "
      "video part>\"}";
  const Json::Value* attribute = dataSet.Find(kPixelData, "OW");
  if (attribute == nullptr) throw MetadataError(name, expected);
  if (attribute->isMember("InlineBinary") || attribute->isMember("Value")) {
    throw MetadataError(name,
                        "inline pixel data is not accepted; send the video as a bulk data part and reference it "
                        "with \"BulkDataURI\"");
  }
  if (!attribute->isMember("BulkDataURI")) throw MetadataError(name, expected);
  const Json::Value& uri = (*attribute)["BulkDataURI"];
  if (!uri.isString() || uri.asString().empty())
    throw MetadataError(name, "\"BulkDataURI\" must be a non-empty string");
  // URIs are visible ASCII (RFC 3986); anything else cannot match a part's Content-Location.
  for (const char c : uri.asString()) {
    if (c <= 0x20 || c >= 0x7F) throw MetadataError(name, "\"BulkDataURI\" must be a URI (visible ASCII, no spaces)");
  }
  return uri.asString();
}

}  // namespace

StowVideoMetadata ParseStowVideoMetadata(const std::string& json) {
  return ParseStowVideoMetadata(json, NowUnixSeconds());
}

StowVideoMetadata ParseStowVideoMetadata(const std::string& json, int64_t nowUnixSeconds) {
  const Json::Value root = ParseJson(json);
  if (!root.isArray() || root.size() != 1 || !root[0].isObject()) {
    throw MetadataError(kDocument,
                        "must be a JSON array holding exactly one data set object (one video per request "
                        "on this route)");
  }
  const DataSet ds(root[0], "");
  StowVideoMetadata m;
  ProcedureRecord& r = m.record;

  m.sopClassUid = CheckUid(ds.Name(kSopClassUid), ds.String(kSopClassUid));
  if (m.sopClassUid.empty()) {
    throw MetadataError(ds.Name(kSopClassUid),
                        "is required (Video Endoscopic, Microscopic or Photographic Image "
                        "Storage)");
  }
  const VideoSopClass* sopClass = nullptr;
  for (const VideoSopClass& c : kVideoSopClasses) {
    if (m.sopClassUid == c.uid) sopClass = &c;
  }
  if (sopClass == nullptr) {
    std::string known;
    for (const VideoSopClass& c : kVideoSopClasses)
      known += std::string(known.empty() ? "" : ", ") + c.name + " " + c.uid;
    throw MetadataError(ds.Name(kSopClassUid), "is not a video SOP class this route accepts; use one of " + known);
  }
  r.videoKind = sopClass->kind;

  r.patientId = CheckLongString(ds.Name(kPatientId), ds.String(kPatientId));
  r.patientName = CheckPersonName(ds.Name(kPatientName), ds.PersonName(kPatientName));
  r.patientBirthDate = CheckBirthDate(ds.Name(kBirthDate), ds.String(kBirthDate), nowUnixSeconds);
  r.patientSex = CheckSex(ds.Name(kSex), ds.String(kSex));
  r.accessionNumber = CheckShortString(ds.Name(kAccession), ds.String(kAccession));
  r.studyDescription = CheckLongString(ds.Name(kStudyDescription), ds.String(kStudyDescription));
  r.studyInstanceUid = CheckUid(ds.Name(kStudyUid), ds.String(kStudyUid));
  ReadProcedureCode(ds, r);
  // Operators' Name may hold several people; the record keeps the first.
  r.operatorName = CheckPersonName(ds.Name(kOperators), ds.PersonName(kOperators, true));
  r.organisation = CheckLongString(ds.Name(kInstitution), ds.String(kInstitution));
  r.manufacturer = CheckLongString(ds.Name(kManufacturer), ds.String(kManufacturer));
  r.modelName = CheckLongString(ds.Name(kModel), ds.String(kModel));
  r.deviceSerialNumber = CheckLongString(ds.Name(kSerial), ds.String(kSerial));

  // PS3.3 C.12.1.1.8: Timezone Offset From UTC applies to date-times given without an offset.
  const std::optional<int> offset = CheckTimezoneOffset(ds.Name(kTimezoneOffset), ds.String(kTimezoneOffset));
  r.recordingStartUtc =
      CheckDicomDateTime(ds.Name(kAcquisitionDateTime), ds.String(kAcquisitionDateTime), offset, nowUnixSeconds);
  if (r.recordingStartUtc.empty()) {
    r.recordingStartUtc = CheckDicomDateAndTime(ds.Name(kContentDate), ds.String(kContentDate), ds.Name(kContentTime),
                                                ds.String(kContentTime), offset, nowUnixSeconds);
  }

  m.sopInstanceUid = CheckUid(ds.Name(kSopInstanceUid), ds.String(kSopInstanceUid));
  m.seriesInstanceUid = CheckUid(ds.Name(kSeriesUid), ds.String(kSeriesUid));
  m.seriesDescription = CheckLongString(ds.Name(kSeriesDescription), ds.String(kSeriesDescription));
  m.transferSyntaxUid = CheckUid(ds.Name(kTransferSyntax), ds.String(kTransferSyntax));
  m.bulkDataUri = ReadBulkDataUri(ds);
  return m;
}

void CheckPatientIdentified(const StowVideoMetadata& metadata) {
  if (metadata.record.patientId.empty()) {
    throw MetadataError("PatientID (00100020)",
                        "is required: send it, or an AccessionNumber (00080050) the worklist "
                        "knows");
  }
  if (metadata.record.patientName.empty()) {
    throw MetadataError("PatientName (00100010)",
                        "is required: send it, or an AccessionNumber (00080050) the "
                        "worklist knows");
  }
}

}  // namespace va::plugin
