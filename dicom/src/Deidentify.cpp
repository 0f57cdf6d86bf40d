// DeidentifyDataset: PS3.15 Annex E Basic Profile (and options) applied to a DCMTK data set, recursing into
// sequences. The table itself lives in BasicProfileTable.cpp.
#include "va/dicom/Deidentify.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dctag.h>
#include <dcmtk/dcmdata/dcvr.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "BasicProfileTable.h"
#include "DcmtkSupport.h"
#include "InstanceWriting.h"

namespace va::dicom {

size_t DeidentificationReport::Count(char action) const {
  size_t n = 0;
  for (const auto& a : attributes) n += a.action == action ? 1 : 0;
  return n;
}

const DeidentifiedAttribute* DeidentificationReport::Find(const std::string& tag) const {
  for (const auto& a : attributes)
    if (a.tag == tag) return &a;
  return nullptr;
}

namespace {

using detail::ProfileAction;

std::string TagText(const DcmTagKey& tag) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "(%04X,%04X)", tag.getGroup(), tag.getElement());
  return buf;
}

// UIDs defined by DICOM itself (SOP classes, transfer syntaxes, the DCM coding scheme...) identify nobody.
bool IsDicomDefinedUid(const std::string& uid) {
  return uid.rfind("1.2.840.10008.", 0) == 0;
}

// UI attributes that name kinds of things (classes, syntaxes, coding schemes), never an instance: outside the table,
// they are kept even when their value is not under the DICOM root (e.g. the SNOMED coding scheme UID).
bool NamesAKindNotAnInstance(const DcmTagKey& tag) {
  return tag == DCM_SOPClassUID || tag == DCM_ReferencedSOPClassUID || tag == DCM_CodingSchemeUID ||
         tag == DCM_ContextUID || tag == DCM_MappingResourceUID || tag == DCM_RelatedGeneralSOPClassUID ||
         tag == DCM_OriginalSpecializedSOPClassUID || tag == DCM_TransferSyntaxUID ||
         tag == DCM_ReferencedTransferSyntaxUIDInFile || tag == DCM_ReferencedSOPClassUIDInFile ||
         tag == DCM_SOPClassesInStudy;
}

bool IsDateOrTime(DcmEVR vr) {
  return vr == EVR_DA || vr == EVR_DT || vr == EVR_TM;
}

// A value consistent with the VR, for the few attributes that must keep one (Type 1).
const char* DummyValue(DcmEVR vr) {
  switch (vr) {
    case EVR_DA: return "19000101";
    case EVR_TM: return "000000";
    case EVR_DT: return "19000101000000";
    case EVR_IS:
    case EVR_DS: return "0";
    case EVR_PN: return "ANONYMOUS";
    default: return "ANONYMIZED";
  }
}

class Deidentifier {
 public:
  Deidentifier(const DeidentifyOptions& options, DeidentificationReport& report) : options_(options), report_(report) {}

  void Clean(DcmItem& item, const std::string& path, bool topLevel) {
    // Snapshot first: removing elements while walking the container would invalidate the walk.
    std::vector<DcmElement*> elements;
    for (unsigned long i = 0; i < item.card(); ++i) elements.push_back(item.getElement(i));
    for (DcmElement* element : elements) CleanElement(item, *element, path, topLevel);
  }

 private:
  const DeidentifyOptions& options_;
  DeidentificationReport& report_;

  bool Retained(unsigned retainedBy) const {
    return ((retainedBy & detail::kRetainedByTemporal) && options_.retainLongitudinalTemporalInformation) ||
           ((retainedBy & detail::kRetainedByDevice) && options_.retainDeviceIdentity) ||
           ((retainedBy & detail::kRetainedByPatientChars) && options_.retainPatientCharacteristics) ||
           ((retainedBy & detail::kRetainedByDescriptors) && options_.keepDescriptions);
  }

  // The action for one element: the table's, else a safety net by kind of attribute.
  ProfileAction ActionFor(DcmTag& tag, DcmEVR vr, DcmElement& element, bool topLevel, std::string& keyword) {
    const DcmTagKey key(tag.getGroup(), tag.getElement());
    keyword = tag.isPrivate() ? "" : tag.getTagName();
    if (keyword == DcmTag_ERROR_TagName) keyword.clear();
    if (tag.isPrivate() || tag.getElement() == 0x0000) return ProfileAction::X;  // private, group lengths
    const Uint16 group = tag.getGroup();
    if ((group & 0xFF01) == 0x5000 || (group & 0xFF01) == 0x6000) return ProfileAction::X;  // curves, overlays
    if (key == DCM_PatientName || key == DCM_PatientID) return ProfileAction::Z;  // replaced by the options below
    if (const detail::ProfileEntry* entry = detail::FindProfileEntry(key)) {
      keyword = entry->keyword;  // the standard's keyword, also for the ones DCMTK calls RETIRED_...
      if (Retained(entry->retainedBy)) return ProfileAction::K;
      return detail::ResolveAction(entry->action, key, topLevel);
    }
    // Safety nets for what the table does not list.
    if (keyword.empty()) return ProfileAction::X;  // unknown to the dictionary: cannot judge it, so it goes
    if (vr == EVR_PN) return ProfileAction::X;
    if (IsDateOrTime(vr)) return options_.retainLongitudinalTemporalInformation ? ProfileAction::K : ProfileAction::X;
    if (vr == EVR_UI && !NamesAKindNotAnInstance(key)) {
      OFString value;
      for (unsigned long i = 0; i < element.getVM(); ++i)
        if (element.getOFString(value, i).good() && !IsDicomDefinedUid(value.c_str())) return ProfileAction::U;
    }
    return ProfileAction::K;
  }

  void Record(const std::string& tag, const std::string& keyword, char action) {
    report_.attributes.push_back(DeidentifiedAttribute{tag, keyword, action});
  }

  void CleanElement(DcmItem& item, DcmElement& element, const std::string& path, bool topLevel) {
    DcmTag tag = element.getTag();
    const DcmEVR vr = element.ident();
    const DcmTagKey key(tag.getGroup(), tag.getElement());
    const std::string where = path + TagText(key);
    std::string keyword;
    ProfileAction action = ActionFor(tag, vr, element, topLevel, keyword);
    const bool sequence = vr == EVR_SQ;
    if (sequence && action == ProfileAction::D) action = ProfileAction::X;  // no dummy items: removed instead
    if (sequence && action == ProfileAction::U) action = ProfileAction::K;

    switch (action) {
      case ProfileAction::X: {
        delete item.remove(&element);
        Record(where, keyword, 'X');
        return;
      }
      case ProfileAction::Z:
        element.clear();  // zero length; a sequence loses its items
        Record(where, keyword, 'Z');
        return;
      case ProfileAction::D:
        if (!DcmVR(vr).isaString()) {  // binary values (OB, FD...) have no meaningful dummy: emptied instead
          element.clear();
          Record(where, keyword, 'Z');
          return;
        }
        detail::Check(element.putString(DummyValue(vr)), "cannot replace " + where);
        Record(where, keyword, 'D');
        return;
      case ProfileAction::U: {
        std::string joined;
        OFString value;
        for (unsigned long i = 0; i < element.getVM(); ++i) {
          if (element.getOFString(value, i).bad()) continue;
          joined += (joined.empty() ? "" : "\\") + NewUid(value.c_str(), where);
        }
        if (joined.empty())
          element.clear();
        else
          detail::Check(element.putOFStringArray(OFString(joined.c_str())), "cannot replace " + where);
        Record(where, keyword, 'U');
        return;
      }
      default: break;
    }
    Record(where, keyword, 'K');
    if (sequence) {
      auto& items = static_cast<DcmSequenceOfItems&>(element);
      for (unsigned long i = 0; i < items.card(); ++i)
        if (DcmItem* child = items.getItem(i)) Clean(*child, where + "[" + std::to_string(i) + "].", false);
    }
  }

  std::string NewUid(const std::string& oldUid, const std::string& where) const {
    std::string uid = options_.newUid(oldUid);
    if (!detail::IsValidUid(uid) || uid == oldUid)
      throw DicomError("the UID mapper returned '" + uid + "' for " + where + ": not a valid new UID");
    return uid;
  }
};

// PS3.16 CID 7050, De-identification Method.
struct MethodCode {
  const char* value;
  const char* meaning;
};

}  // namespace

DeidentificationReport DeidentifyDataset(DcmItem& dataset, const DeidentifyOptions& options) {
  detail::EnsureDictionary();
  if (!options.newUid) throw DicomError("de-identification needs a UID mapper (DeidentifyOptions::newUid)");
  if (options.burnedInAnnotation != "YES" && options.burnedInAnnotation != "NO")
    throw DicomError("Burned In Annotation must be YES or NO, not '" + options.burnedInAnnotation + "'");

  DeidentificationReport report;
  Deidentifier(options, report).Clean(dataset, "", true);

  // Pseudonyms in place of the removed identity (Z allows a dummy value); our text may need UTF-8.
  if (!detail::IsAscii(options.patientName) || !detail::IsAscii(options.patientId)) detail::SwitchToUtf8(dataset);
  detail::PutString(dataset, DCM_PatientName, options.patientName);
  detail::PutString(dataset, DCM_PatientID, options.patientId);

  std::vector<MethodCode> codes = {{"113100", "Basic Application Confidentiality Profile"}};
  if (options.burnedInAnnotation == "NO") codes.push_back({"113101", "Clean Pixel Data Option"});
  if (options.keepDescriptions) codes.push_back({"113105", "Clean Descriptors Option"});
  if (options.retainLongitudinalTemporalInformation)
    codes.push_back({"113106", "Retain Longitudinal Temporal Information Full Dates Option"});
  if (options.retainPatientCharacteristics) codes.push_back({"113108", "Retain Patient Characteristics Option"});
  if (options.retainDeviceIdentity) codes.push_back({"113109", "Retain Device Identity Option"});

  // De-identification Method is LO (64 characters a value): one value per profile / option, readable as a list.
  std::vector<std::string> method;
  dataset.findAndDeleteElement(DCM_DeidentificationMethodCodeSequence);
  for (const MethodCode& code : codes) {
    method.emplace_back(std::string("PS3.15 ") + code.meaning);
    detail::AddCodeItem(dataset, DCM_DeidentificationMethodCodeSequence, code.value, "DCM", code.meaning);
  }
  for (auto& m : method) m = detail::TruncateUtf8(m, 64);
  report.method = detail::JoinValues(method);
  detail::PutString(dataset, DCM_PatientIdentityRemoved, "YES");
  detail::PutString(dataset, DCM_DeidentificationMethod, report.method);
  detail::PutString(dataset, DCM_BurnedInAnnotation, options.burnedInAnnotation);
  detail::PutString(dataset, DCM_LongitudinalTemporalInformationModified,
                    options.retainLongitudinalTemporalInformation ? "UNMODIFIED" : "REMOVED");
  // These were set whatever the table did to the source's values: one entry each, saying so.
  for (const DcmTagKey& tag :
       {DCM_PatientName, DCM_PatientID, DCM_PatientIdentityRemoved, DCM_DeidentificationMethod,
        DCM_DeidentificationMethodCodeSequence, DCM_BurnedInAnnotation, DCM_LongitudinalTemporalInformationModified}) {
    const std::string text = TagText(tag);
    auto& list = report.attributes;
    list.erase(std::remove_if(list.begin(), list.end(), [&](const auto& a) { return a.tag == text; }), list.end());
    list.push_back(DeidentifiedAttribute{text, DcmTag(tag).getTagName(), 'R'});
  }
  return report;
}

}  // namespace va::dicom
