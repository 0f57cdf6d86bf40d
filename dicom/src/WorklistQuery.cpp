// QueryWorklistScp: a Modality Worklist C-FIND by Accession Number, with DCMTK's DcmSCU.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/scu.h>

#include <cstdio>
#include <memory>

#include "DcmtkSupport.h"
#include "ScuSupport.h"
#include "WorklistSupport.h"

namespace va::dicom {
namespace {

// DcmSCU hands out the responses it allocated; this owns them.
struct Responses {
  OFList<QRResponse*> list;
  Responses() = default;
  Responses(const Responses&) = delete;
  Responses& operator=(const Responses&) = delete;
  ~Responses() {
    for (QRResponse* r : list) delete r;
  }
};

// Accession Number to match, everything WorklistEntry holds as empty return keys.
void BuildQuery(DcmDataset& q, const std::string& accession) {
  if (!detail::IsAscii(accession)) detail::PutString(q, DCM_SpecificCharacterSet, "ISO_IR 192");
  detail::PutString(q, DCM_AccessionNumber, accession);
  for (const DcmTagKey& tag :
       {DCM_PatientName, DCM_PatientID, DCM_PatientBirthDate, DCM_PatientSex, DCM_StudyInstanceUID,
        DCM_RequestedProcedureDescription, DCM_ReferringPhysicianName, DCM_InstitutionName})
    detail::PutEmpty(q, tag);
  DcmItem& code = detail::AppendItem(q, DCM_RequestedProcedureCodeSequence);
  for (const DcmTagKey& tag : {DCM_CodeValue, DCM_CodingSchemeDesignator, DCM_CodeMeaning}) detail::PutEmpty(code, tag);
  DcmItem& step = detail::AppendItem(q, DCM_ScheduledProcedureStepSequence);
  for (const DcmTagKey& tag : {DCM_ScheduledStationAETitle, DCM_ScheduledProcedureStepStartDate, DCM_Modality})
    detail::PutEmpty(step, tag);
}

std::string StatusText(Uint16 status, const QRResponse& response) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "%04X", static_cast<unsigned>(status));
  std::string text = std::string("DIMSE status 0x") + hex + " (" + DU_cfindStatusString(status) + ")";
  OFString comment;
  if (response.m_statusDetail != nullptr &&
      response.m_statusDetail->findAndGetOFString(DCM_ErrorComment, comment).good() && !comment.empty())
    text += ": " + std::string(comment.c_str());
  return text;
}

}  // namespace

std::vector<WorklistEntry> QueryWorklistScp(const WorklistScp& scp, const std::string& accession) {
  detail::EnsureDictionary();
  const std::string wanted = detail::CheckedAccession(accession);
  if (wanted.find_first_of("*?\\") != std::string::npos)
    throw DicomError("accession number '" + wanted +
                     "' holds '*', '?' or '\\', which a C-FIND treats as wildcards or a list; refusing to query");
  DcmSCU scu;
  const std::string peer = detail::ConfigureScu(scu, "worklist SCP", scp.host, scp.port, scp.calledAeTitle,
                                                scp.callingAeTitle, scp.timeoutSec);
  OFList<OFString> syntaxes;
  syntaxes.push_back(UID_LittleEndianExplicitTransferSyntax);
  syntaxes.push_back(UID_LittleEndianImplicitTransferSyntax);
  detail::Check(scu.addPresentationContext(UID_FINDModalityWorklistInformationModel, syntaxes),
                "cannot propose Modality Worklist C-FIND");
  OFCondition cond = scu.initNetwork();
  if (cond.bad()) throw DicomError("cannot set up the network to query the " + peer + ": " + cond.text());
  cond = scu.negotiateAssociation();
  if (cond == DUL_ASSOCIATIONREJECTED)
    throw DicomError("the " + peer + " rejected the association (" + cond.text() + "); check the called AE title '" +
                     scp.calledAeTitle + "' and that the SCP accepts the calling AE title '" + scp.callingAeTitle +
                     "'");
  if (cond.bad()) throw DicomError("cannot open an association with the " + peer + ": " + cond.text());
  const T_ASC_PresentationContextID context =
      scu.findPresentationContextID(UID_FINDModalityWorklistInformationModel, "");
  if (context == 0) {
    scu.abortAssociation();
    throw DicomError("the " + peer + " does not accept Modality Worklist C-FIND (1.2.840.10008.5.1.4.31)");
  }

  DcmDataset query;
  BuildQuery(query, wanted);
  Responses responses;
  cond = scu.sendFINDRequest(context, &query, &responses.list);
  if (cond.bad()) {
    scu.abortAssociation();
    throw DicomError("the C-FIND to the " + peer + " failed: " + cond.text());
  }
  scu.releaseAssociation();  // the answers are in; a failed release changes nothing
  if (responses.list.empty()) throw DicomError("the " + peer + " sent no C-FIND response");
  const QRResponse& last = *responses.list.back();
  if (last.m_status != STATUS_FIND_Success)
    throw DicomError("the C-FIND to the " + peer + " failed with " + StatusText(last.m_status, last));

  std::vector<WorklistEntry> found;
  for (QRResponse* r : responses.list) {
    if (!DICOM_PENDING_STATUS(r->m_status) || r->m_dataset == nullptr) continue;
    WorklistEntry entry = detail::EntryFromDataset(*r->m_dataset, nullptr);
    if (entry.accessionNumber == wanted) found.push_back(std::move(entry));
  }
  return found;
}

}  // namespace va::dicom
