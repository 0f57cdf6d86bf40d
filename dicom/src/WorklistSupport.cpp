#include "WorklistSupport.h"

#include "DcmtkSupport.h"

namespace va::dicom::detail {

std::string CheckedAccession(const std::string& accession) {
  const size_t first = accession.find_first_not_of(' ');
  if (first == std::string::npos)
    throw DicomError("no accession number given: a worklist lookup needs the order's Accession Number");
  return accession.substr(first, accession.find_last_not_of(' ') - first + 1);
}

WorklistEntry EntryFromDataset(DcmItem& ds, std::string* problem) {
  WorklistEntry e;
  const std::string charset = GetString(ds, DCM_SpecificCharacterSet);
  e.specificCharacterSet = "ISO_IR 192";
  // Absent, ISO_IR 6 and ISO 2022 IR 6 mean ASCII, which is already UTF-8.
  if (!charset.empty() && charset != "ISO_IR 192" && charset != "ISO_IR 6" && charset != "ISO 2022 IR 6") {
    const OFCondition converted = ds.convertToUTF8();
    if (converted.bad()) {
      e.specificCharacterSet = charset;
      if (problem != nullptr)
        *problem = "values kept in '" + charset + "', DCMTK cannot convert them to UTF-8: " + converted.text();
    }
  }
  e.patientId = GetString(ds, DCM_PatientID);
  e.patientName = GetString(ds, DCM_PatientName);
  e.patientBirthDate = GetString(ds, DCM_PatientBirthDate);
  e.patientSex = GetString(ds, DCM_PatientSex);
  e.accessionNumber = GetString(ds, DCM_AccessionNumber);
  e.studyInstanceUid = GetString(ds, DCM_StudyInstanceUID);
  e.requestedProcedureDescription = GetString(ds, DCM_RequestedProcedureDescription);
  e.referringPhysicianName = GetString(ds, DCM_ReferringPhysicianName);
  e.institutionName = GetString(ds, DCM_InstitutionName);
  e.requestedProcedureCode = GetCode(ds, DCM_RequestedProcedureCodeSequence);
  DcmItem* step = nullptr;
  if (ds.findAndGetSequenceItem(DCM_ScheduledProcedureStepSequence, step, 0).good() && step != nullptr) {
    e.scheduledStationAeTitle = GetString(*step, DCM_ScheduledStationAETitle);
    e.scheduledProcedureStepStartDate = GetString(*step, DCM_ScheduledProcedureStepStartDate);
  }
  return e;
}

}  // namespace va::dicom::detail
