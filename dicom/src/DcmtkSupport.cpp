#include "DcmtkSupport.h"

#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcvrda.h>
#include <dcmtk/dcmdata/dcvrtm.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace va::dicom::detail {

void EnsureDictionary() {
  if (!dcmDataDict.isDictionaryLoaded())
    throw DicomError(
        "DCMTK has no data dictionary loaded; install the dcmtk data files or set DCMDICTPATH to dicom.dic");
}

void Check(const OFCondition& cond, const std::string& what) {
  if (cond.bad()) throw DicomError(what + ": " + cond.text());
}

std::string GetString(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFStringArray(tag, value).bad()) return "";
  return std::string(value.c_str(), value.length());
}

std::vector<std::string> GetStrings(DcmItem& item, const DcmTagKey& tag) {
  std::vector<std::string> values;
  DcmElement* element = nullptr;
  if (item.findAndGetElement(tag, element).bad() || element == nullptr) return values;
  const unsigned long vm = element->getVM();
  for (unsigned long i = 0; i < vm; ++i) {
    OFString v;
    if (element->getOFString(v, i).good()) values.emplace_back(v.c_str(), v.length());
  }
  return values;
}

// Parsing the string form works for every numeric VR (US, IS, DS...) and never trusts the binary layout.
long GetLong(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFString(tag, value).bad()) return 0;
  char* end = nullptr;
  const long v = std::strtol(value.c_str(), &end, 10);
  return end == value.c_str() ? 0 : v;
}

double GetDouble(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFString(tag, value).bad()) return 0;
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  return end == value.c_str() ? 0 : v;
}

void PutString(DcmItem& item, const DcmTagKey& tag, const std::string& value) {
  Check(item.putAndInsertOFStringArray(tag, OFString(value.c_str(), value.size())),
        std::string("cannot set ") + DcmTag(tag).getTagName());
}

void PutUint16(DcmItem& item, const DcmTagKey& tag, unsigned value) {
  Check(item.putAndInsertUint16(tag, static_cast<Uint16>(value)),
        std::string("cannot set ") + DcmTag(tag).getTagName());
}

void PutEmpty(DcmItem& item, const DcmTagKey& tag) {
  Check(item.insertEmptyElement(tag), std::string("cannot set ") + DcmTag(tag).getTagName());
}

DcmItem& AppendItem(DcmItem& parent, const DcmTagKey& seqTag) {
  DcmItem* child = nullptr;
  Check(parent.findOrCreateSequenceItem(seqTag, child, -2 /* append */),
        std::string("cannot add an item to ") + DcmTag(seqTag).getTagName());
  if (child == nullptr) throw DicomError(std::string("cannot add an item to ") + DcmTag(seqTag).getTagName());
  return *child;
}

void AddCodeItem(DcmItem& parent, const DcmTagKey& seqTag, const char* value, const char* scheme, const char* meaning) {
  DcmItem& code = AppendItem(parent, seqTag);
  PutString(code, DCM_CodeValue, value);
  PutString(code, DCM_CodingSchemeDesignator, scheme);
  PutString(code, DCM_CodeMeaning, meaning);
}

void AddCode(DcmItem& parent, const DcmTagKey& seqTag, const CodedConcept& code, const std::string& what) {
  const bool urn =
      code.value.rfind("urn:", 0) == 0 || code.value.rfind("http://", 0) == 0 || code.value.rfind("https://", 0) == 0;
  if ((code.scheme.empty() && !urn) || code.meaning.empty())
    throw DicomError(what + " '" + code.value +
                     "' needs a coding scheme designator and a code meaning (PS3.3 Code Sequence Macro)");
  if (code.scheme.size() > 16)
    throw DicomError(what + " coding scheme designator '" + code.scheme + "' is longer than 16 characters");
  DcmItem& item = AppendItem(parent, seqTag);
  if (urn)
    PutString(item, DCM_URNCodeValue, code.value);
  else if (code.value.size() > 16)  // SH holds 16
    PutString(item, DCM_LongCodeValue, code.value);
  else
    PutString(item, DCM_CodeValue, code.value);
  if (!code.scheme.empty()) PutString(item, DCM_CodingSchemeDesignator, code.scheme);
  PutString(item, DCM_CodeMeaning, TruncateUtf8(code.meaning, 64));  // LO holds 64
}

CodedConcept GetCode(DcmItem& parent, const DcmTagKey& seqTag) {
  DcmItem* item = nullptr;
  if (parent.findAndGetSequenceItem(seqTag, item, 0).bad() || item == nullptr) return {};
  CodedConcept code;
  for (const DcmTagKey& tag : {DCM_CodeValue, DCM_LongCodeValue, DCM_URNCodeValue})
    if (code.value.empty()) code.value = GetString(*item, tag);
  code.scheme = GetString(*item, DCM_CodingSchemeDesignator);
  code.meaning = GetString(*item, DCM_CodeMeaning);
  return code;
}

bool IsValidUid(const std::string& uid) {
  if (uid.empty() || uid.size() > 64) return false;
  size_t start = 0;
  while (true) {
    const size_t end = std::min(uid.find('.', start), uid.size());
    if (end == start || (uid[start] == '0' && end - start > 1)) return false;
    for (size_t i = start; i < end; ++i)
      if (uid[i] < '0' || uid[i] > '9') return false;
    if (end == uid.size()) return true;
    start = end + 1;
  }
}

std::string FormatDS(double value) {
  char buf[64];
  for (int precision = 8; precision > 0; --precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, value);
    if (std::string(buf).size() <= 16) return buf;
  }
  return "0";
}

std::string FormatIS(long value) {
  return std::to_string(value);
}

std::string NowDate() {
  OFString date;
  DcmDate::getCurrentDate(date);
  return date.c_str();
}

std::string NowTime() {
  OFString time;
  DcmTime::getCurrentTime(time, OFTrue /* seconds */, OFFalse /* fraction */);
  return time.c_str();
}

bool IsAscii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

std::string TruncateUtf8(const std::string& s, size_t maxBytes) {
  if (s.size() <= maxBytes) return s;
  size_t cut = maxBytes;
  // Back off over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

InstanceHeader HeaderFromFile(DcmFileFormat& file) {
  DcmDataset& ds = *file.getDataset();
  InstanceHeader h;
  h.transferSyntaxUid = GetString(*file.getMetaInfo(), DCM_TransferSyntaxUID);
  if (h.transferSyntaxUid.empty() && ds.getOriginalXfer() != EXS_Unknown)
    h.transferSyntaxUid = DcmXfer(ds.getOriginalXfer()).getXferID();
  h.sopClassUid = GetString(ds, DCM_SOPClassUID);
  h.sopInstanceUid = GetString(ds, DCM_SOPInstanceUID);
  h.studyInstanceUid = GetString(ds, DCM_StudyInstanceUID);
  h.seriesInstanceUid = GetString(ds, DCM_SeriesInstanceUID);
  h.patientId = GetString(ds, DCM_PatientID);
  h.patientName = GetString(ds, DCM_PatientName);
  h.modality = GetString(ds, DCM_Modality);
  h.seriesDescription = GetString(ds, DCM_SeriesDescription);
  h.studyDate = GetString(ds, DCM_StudyDate);
  h.institutionName = GetString(ds, DCM_InstitutionName);
  h.manufacturer = GetString(ds, DCM_Manufacturer);
  h.modelName = GetString(ds, DCM_ManufacturerModelName);
  h.deviceSerialNumber = GetString(ds, DCM_DeviceSerialNumber);
  h.acquisitionDateTime = GetString(ds, DCM_AcquisitionDateTime);
  if (h.acquisitionDateTime.empty()) {
    const std::string contentDate = GetString(ds, DCM_ContentDate);
    h.acquisitionDateTime =
        contentDate.empty() ? h.studyDate + GetString(ds, DCM_StudyTime) : contentDate + GetString(ds, DCM_ContentTime);
  }
  h.patientIdentityRemoved = GetString(ds, DCM_PatientIdentityRemoved) == "YES";
  h.rows = static_cast<int>(GetLong(ds, DCM_Rows));
  h.columns = static_cast<int>(GetLong(ds, DCM_Columns));
  h.numberOfFrames = GetLong(ds, DCM_NumberOfFrames);
  h.frameTimeMs = GetDouble(ds, DCM_FrameTime);
  h.cineRate = GetDouble(ds, DCM_CineRate);
  h.bitsAllocated = static_cast<int>(GetLong(ds, DCM_BitsAllocated));
  h.bitsStored = static_cast<int>(GetLong(ds, DCM_BitsStored));
  h.photometricInterpretation = GetString(ds, DCM_PhotometricInterpretation);
  h.seriesNumber = static_cast<int>(GetLong(ds, DCM_SeriesNumber));
  h.specificCharacterSet = GetString(ds, DCM_SpecificCharacterSet);
  h.lossyImageCompression = GetString(ds, DCM_LossyImageCompression);
  h.lossyImageCompressionMethod = GetString(ds, DCM_LossyImageCompressionMethod);
  return h;
}

}  // namespace va::dicom::detail
