#include "UploadMetadata.h"

#include <functional>
#include <set>
#include <vector>

#include "DicomValueRules.h"
#include "va/archive/Base64.h"

namespace va::plugin {

namespace {

const char* const kHeader = "Upload-Metadata";

struct Field {
  const char* key;
  bool required;
  std::function<void(ProcedureRecord&, const std::string& key, const std::string& value, int64_t now)> apply;
};

std::string Lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text;
}

VideoKind ParseVideoKind(const std::string& key, const std::string& value) {
  const std::string v = Lowercase(value);
  if (v == "endoscopic") return VideoKind::Endoscopic;
  if (v == "microscopic") return VideoKind::Microscopic;
  if (v == "photographic") return VideoKind::Photographic;
  throw MetadataError(key, "must be endoscopic, microscopic or photographic");
}

StereoLayout ParseStereo(const std::string& key, const std::string& value) {
  const std::string v = Lowercase(value);
  if (v == "none") return StereoLayout::None;
  if (v == "side-by-side") return StereoLayout::SideBySide;
  if (v == "top-bottom") return StereoLayout::TopBottom;
  throw MetadataError(key, "must be none, side-by-side or top-bottom");
}

void ApplyProcedureCode(ProcedureRecord& r, const std::string& key, const std::string& value) {
  const std::string text = CheckText(key, value);
  std::vector<std::string> parts;
  size_t begin = 0;
  for (size_t end; (end = text.find('^', begin)) != std::string::npos; begin = end + 1)
    parts.push_back(text.substr(begin, end - begin));
  parts.push_back(text.substr(begin));
  for (std::string& part : parts) part = CheckText(key, part);  // trims each part
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty()) {
    throw MetadataError(key, "must be value^scheme^meaning with all three parts, e.g. 45378^C4^Colonoscopy");
  }
  if (CountCharacters(parts[0]) > kMaxShortString)
    throw MetadataError(key, "code value (first part) is longer than 16 characters (DICOM SH)");
  if (CountCharacters(parts[1]) > kMaxShortString)
    throw MetadataError(key, "coding scheme (second part) is longer than 16 characters (DICOM SH)");
  if (CountCharacters(parts[2]) > kMaxLongString)
    throw MetadataError(key, "code meaning (third part) is longer than 64 characters (DICOM LO)");
  r.procedureCodeValue = parts[0];
  r.procedureCodeScheme = parts[1];
  r.procedureCodeMeaning = parts[2];
}

// The fields in documentation order. Each apply() sees a non-empty decoded value.
const std::vector<Field>& Fields() {
  using R = ProcedureRecord;
  using S = const std::string&;
  static const std::vector<Field> fields = {
      {"patientId", false, [](R& r, S k, S v, int64_t) { r.patientId = CheckLongString(k, v); }},
      {"patientName", false, [](R& r, S k, S v, int64_t) { r.patientName = CheckPersonName(k, v); }},
      {"patientBirthDate", false, [](R& r, S k, S v, int64_t now) { r.patientBirthDate = CheckBirthDate(k, v, now); }},
      {"patientSex", false, [](R& r, S k, S v, int64_t) { r.patientSex = CheckSex(k, v); }},
      {"accessionNumber", false, [](R& r, S k, S v, int64_t) { r.accessionNumber = CheckShortString(k, v); }},
      {"studyDescription", false, [](R& r, S k, S v, int64_t) { r.studyDescription = CheckLongString(k, v); }},
      {"studyInstanceUid", false, [](R& r, S k, S v, int64_t) { r.studyInstanceUid = CheckUid(k, v); }},
      {"procedureCode", false, [](R& r, S k, S v, int64_t) { ApplyProcedureCode(r, k, v); }},
      {"operator", false, [](R& r, S k, S v, int64_t) { r.operatorName = CheckPersonName(k, v); }},
      {"organisation", true, [](R& r, S k, S v, int64_t) { r.organisation = CheckLongString(k, v); }},
      {"manufacturer", true, [](R& r, S k, S v, int64_t) { r.manufacturer = CheckLongString(k, v); }},
      {"model", true, [](R& r, S k, S v, int64_t) { r.modelName = CheckLongString(k, v); }},
      {"serialNumber", false, [](R& r, S k, S v, int64_t) { r.deviceSerialNumber = CheckLongString(k, v); }},
      {"recordingStart", true,
       [](R& r, S k, S v, int64_t now) { r.recordingStartUtc = CheckIsoUtcDateTime(k, v, now); }},
      {"videoKind", true, [](R& r, S k, S v, int64_t) { r.videoKind = ParseVideoKind(k, CheckText(k, v)); }},
      {"stereo", false, [](R& r, S k, S v, int64_t) { r.stereo = ParseStereo(k, CheckText(k, v)); }},
      {"sha256", false, [](R& r, S k, S v, int64_t) { r.sha256 = CheckSha256Hex(k, v); }},
  };
  return fields;
}

// Keys generic tus clients (tus-js-client, Uppy, tuspy) add on their own; accepted and ignored.
bool IsGenericClientKey(const std::string& key) {
  static const std::set<std::string> keys = {"filename", "filetype", "name", "type", "relativePath", "contentType"};
  return keys.count(key) != 0;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t';
}

std::string TrimOws(const std::string& text) {
  size_t begin = 0, end = text.size();
  while (begin < end && IsSpace(text[begin])) ++begin;
  while (end > begin && IsSpace(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

// tus: the key must not be empty nor contain spaces or commas, and should be ASCII; we require visible ASCII.
void CheckKey(const std::string& key) {
  if (key.empty()) throw MetadataError(kHeader, "has a pair without a key (\"key base64value\" expected)");
  for (const char c : key) {
    if (c < 0x21 || c > 0x7E) {
      throw MetadataError(kHeader,
                          "has a key that is not printable ASCII without spaces; pairs are \"key base64value\""
                          " separated by commas");
    }
  }
}

std::string SuggestionFor(const std::string& key) {
  for (const Field& f : Fields()) {
    if (Lowercase(f.key) == Lowercase(key)) return std::string("did you mean ") + f.key + "? ";
  }
  return "";
}

}  // namespace

ProcedureRecord ParseUploadMetadata(const std::string& header) {
  return ParseUploadMetadata(header, NowUnixSeconds());
}

ProcedureRecord ParseUploadMetadata(const std::string& header, int64_t nowUnixSeconds) {
  ProcedureRecord record;
  std::set<std::string> seen;
  std::set<std::string> present;  // keys with a non-empty value
  size_t begin = 0;
  while (begin <= header.size()) {
    size_t end = header.find(',', begin);
    if (end == std::string::npos) end = header.size();
    // Empty list elements are allowed by HTTP (RFC 9110 5.6.1), e.g. a trailing comma.
    const std::string pair = TrimOws(header.substr(begin, end - begin));
    begin = end + 1;
    if (pair.empty()) continue;

    const size_t space = pair.find_first_of(" \t");
    const std::string key = pair.substr(0, space);
    const std::string encoded = space == std::string::npos ? "" : TrimOws(pair.substr(space + 1));
    CheckKey(key);
    if (!seen.insert(key).second) throw MetadataError(key, "is given twice; each key may appear once");
    const std::optional<std::string> value = archive::DecodeBase64(encoded);
    if (!value) {
      throw MetadataError(key,
                          "is not valid base64 (RFC 4648 standard alphabet, with '=' padding); tus sends every "
                          "value base64-encoded");
    }
    if (IsGenericClientKey(key)) continue;
    const Field* field = nullptr;
    for (const Field& f : Fields()) {
      if (key == f.key) field = &f;
    }
    if (!field)
      throw MetadataError(key, "unknown field; " + SuggestionFor(key) + "known fields are " + DescribeFields());
    // An empty value (or only spaces) is the same as no value.
    if (CheckText(key, *value).empty()) continue;
    field->apply(record, key, *value, nowUnixSeconds);
    present.insert(key);
  }
  for (const Field& f : Fields()) {
    if (f.required && present.count(f.key) == 0) {
      throw MetadataError(f.key, "is required; fields are " + DescribeFields());
    }
  }
  return record;
}

void CheckPatientIdentified(const ProcedureRecord& record) {
  if (record.patientId.empty()) {
    throw MetadataError("patientId", "is required: send patientId, or an accessionNumber the worklist knows");
  }
  if (record.patientName.empty()) {
    throw MetadataError("patientName",
                        "is required: send patientName (FAMILY^GIVEN), or an accessionNumber the "
                        "worklist knows");
  }
}

std::string DescribeFields() {
  std::string text;
  for (const Field& f : Fields()) text += std::string(text.empty() ? "" : ", ") + f.key + (f.required ? "*" : "");
  return text + " (* required; values base64-encoded)";
}

}  // namespace va::plugin
