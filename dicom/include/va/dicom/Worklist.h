// Modality worklist lookup by Accession Number: from a folder of worklist files or from a worklist SCP.
#pragma once

#include <string>
#include <vector>

#include "va/dicom/CodedConcept.h"
#include "va/dicom/DicomError.h"

namespace va::dicom {

// One scheduled procedure. Strings are empty when the attribute is absent.
struct WorklistEntry {
  std::string patientId, patientName, patientBirthDate, patientSex, accessionNumber, studyInstanceUid,
      requestedProcedureDescription, referringPhysicianName,
      scheduledStationAeTitle,          // (0040,0100) > (0040,0001), first item
      scheduledProcedureStepStartDate,  // (0040,0100) > (0040,0002), first item
      institutionName,
      // How the strings above are encoded: "ISO_IR 192" (UTF-8) when the source was UTF-8 or ASCII or could be
      // converted (always, with DCMTK built with iconv or ICU); otherwise the source's own term, values unconverted.
      specificCharacterSet;
  CodedConcept requestedProcedureCode;  // (0032,1064), first item
};

// Every worklist file (*.wl, any case, as Orthanc's ModalityWorklists plugin and DCMTK's wlmscpfs use) directly in
// folder whose Accession Number equals accession exactly, in file-name order. Unreadable files are skipped (with
// their name and the reason in *warnings when given), never fatal. Throws DicomError when accession is empty or
// the folder cannot be listed.
std::vector<WorklistEntry> FindInWorklistFolder(const std::string& folder, const std::string& accession,
                                                std::vector<std::string>* warnings = nullptr);

struct WorklistScp {
  std::string host;
  int port;
  std::string calledAeTitle, callingAeTitle;
  int timeoutSec = 10;  // connection, association and each response
};

// C-FIND on Modality Worklist Information Model - FIND (1.2.840.10008.5.1.4.31) with DCMTK's DcmSCU, by Accession
// Number; only answers whose Accession Number equals accession are returned (an SCP may match loosely). Throws
// DicomError on association or network failure, or a failure status, with the peer's address and the DIMSE
// status in the message; also when accession is empty or holds the wildcards '*' / '?' or '\' (a C-FIND would
// then match other orders).
std::vector<WorklistEntry> QueryWorklistScp(const WorklistScp& scp, const std::string& accession);

}  // namespace va::dicom
