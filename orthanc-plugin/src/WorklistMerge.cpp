#include "WorklistMerge.h"

#include <cctype>
#include <vector>

#include "HttpHelpers.h"
#include "OrthancApi.h"
#include "va/dicom/Worklist.h"

namespace va::plugin {

namespace {

// Person names compare without case, surrounding spaces or trailing empty components ("DOE^JANE^^" = "doe^jane").
// Case folding covers ASCII and the Latin-1 letters (U+00C0-U+00DE, as UTF-8 C3 80-9E), the names European
// recorders and worklists disagree on most ("MÜLLER" = "müller"); other scripts compare exactly.
std::string NormalizeName(const std::string& name) {
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c == 0xC3 && i + 1 < name.size()) {
      auto next = static_cast<unsigned char>(name[i + 1]);
      if (next >= 0x80 && next <= 0x9E && next != 0x97) next += 0x20;  // 0x97 is the multiplication sign
      out.push_back(static_cast<char>(c));
      out.push_back(static_cast<char>(next));
      ++i;
    } else {
      out.push_back(static_cast<char>(std::tolower(c)));
    }
  }
  while (!out.empty() && (out.back() == '^' || out.back() == ' ')) out.pop_back();
  const auto first = out.find_first_not_of(' ');
  return first == std::string::npos ? std::string() : out.substr(first);
}

// Takes the worklist's value when the upload has none; refuses a different one.
void Merge(const char* field, std::string& ours, const std::string& theirs, const std::string& accession,
           bool personName = false) {
  if (theirs.empty()) return;
  if (ours.empty()) {
    ours = theirs;
    return;
  }
  const bool same = personName ? NormalizeName(ours) == NormalizeName(theirs) : ours == theirs;
  if (!same) {
    throw HttpError{409, std::string("metadata field '") + field + "' is \"" + ours +
                             "\" but the worklist entry of accession number " + accession + " says \"" + theirs +
                             "\"; correct the recorder's record or the worklist"};
  }
}

}  // namespace

void ApplyWorklist(const UploadSettings& settings, ProcedureRecord& record) {
  if (record.accessionNumber.empty()) return;
  if (settings.worklistsFolder.empty() && settings.worklistHost.empty()) return;

  std::vector<dicom::WorklistEntry> entries;
  if (!settings.worklistsFolder.empty()) {
    std::vector<std::string> warnings;
    entries = dicom::FindInWorklistFolder(settings.worklistsFolder, record.accessionNumber, &warnings);
    for (const auto& w : warnings) LogWarning("worklist folder: " + w);
  }
  if (entries.empty() && !settings.worklistHost.empty()) {
    dicom::WorklistScp scp;
    scp.host = settings.worklistHost;
    scp.port = settings.worklistPort;
    scp.calledAeTitle = settings.worklistAet;
    scp.callingAeTitle = settings.worklistCallingAet;
    try {
      entries = dicom::QueryWorklistScp(scp, record.accessionNumber);
    } catch (const std::exception& e) {
      // The recorder can retry later; nothing was kept.
      throw HttpError{502, std::string("the worklist could not be queried: ") + e.what()};
    }
  }
  if (entries.empty()) return;  // not scheduled: the upload's own record stands (it must identify the patient)

  const dicom::WorklistEntry& w = entries.front();
  for (const auto& other : entries) {
    if (other.patientId != w.patientId || other.studyInstanceUid != w.studyInstanceUid) {
      throw HttpError{409, "accession number " + record.accessionNumber +
                               " matches several worklist entries for different patients or studies"};
    }
  }
  const std::string& acc = record.accessionNumber;
  Merge("patientId", record.patientId, w.patientId, acc);
  Merge("patientName", record.patientName, w.patientName, acc, true);
  Merge("patientBirthDate", record.patientBirthDate, w.patientBirthDate, acc);
  Merge("patientSex", record.patientSex, w.patientSex, acc);
  Merge("studyInstanceUid", record.studyInstanceUid, w.studyInstanceUid, acc);
  if (record.studyDescription.empty()) record.studyDescription = w.requestedProcedureDescription;
  if (record.procedureCodeValue.empty() && !w.requestedProcedureCode.value.empty()) {
    record.procedureCodeValue = w.requestedProcedureCode.value;
    record.procedureCodeScheme = w.requestedProcedureCode.scheme;
    record.procedureCodeMeaning = w.requestedProcedureCode.meaning;
  }
}

}  // namespace va::plugin
