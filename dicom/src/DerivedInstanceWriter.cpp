// WriteDerivedInstance: the archival copy of a VL video instance, in the same study, in a new series.
#include <dcmtk/config/osconfig.h>

#include <algorithm>

#include "DcmtkSupport.h"
#include "InstanceWriting.h"
#include "ReaderImpl.h"
#include "WriterTesting.h"

namespace va::dicom {
namespace {

// Copied unchanged: they describe the patient, the study, the equipment and what the video shows, none of which
// a transcode changes. Absent ones stay absent (Type 2 ones are added empty below).
const DcmTagKey kFromSource[] = {
    DCM_SpecificCharacterSet,
    DCM_TimezoneOffsetFromUTC,
    // Patient
    DCM_PatientName,
    DCM_PatientID,
    DCM_IssuerOfPatientID,
    DCM_IssuerOfPatientIDQualifiersSequence,
    DCM_TypeOfPatientID,
    DCM_PatientBirthDate,
    DCM_PatientBirthTime,
    DCM_PatientSex,
    DCM_OtherPatientIDsSequence,
    DCM_OtherPatientNames,
    DCM_PatientComments,
    DCM_EthnicGroup,
    DCM_PatientSpeciesDescription,
    DCM_PatientSpeciesCodeSequence,
    DCM_PatientBreedDescription,
    DCM_PatientBreedCodeSequence,
    DCM_BreedRegistrationSequence,
    DCM_ResponsiblePerson,
    DCM_ResponsiblePersonRole,
    DCM_ResponsibleOrganization,
    DCM_PatientIdentityRemoved,
    DCM_DeidentificationMethod,
    DCM_DeidentificationMethodCodeSequence,
    DCM_QualityControlSubject,
    // Clinical Trial Subject / Study
    DCM_ClinicalTrialSponsorName,
    DCM_ClinicalTrialProtocolID,
    DCM_ClinicalTrialProtocolName,
    DCM_ClinicalTrialSiteID,
    DCM_ClinicalTrialSiteName,
    DCM_ClinicalTrialSubjectID,
    DCM_ClinicalTrialSubjectReadingID,
    DCM_ClinicalTrialTimePointID,
    DCM_ClinicalTrialTimePointDescription,
    DCM_ConsentForClinicalTrialUseSequence,
    DCM_ClinicalTrialCoordinatingCenterName,
    // General Study, Patient Study
    DCM_StudyInstanceUID,
    DCM_StudyDate,
    DCM_StudyTime,
    DCM_ReferringPhysicianName,
    DCM_ReferringPhysicianIdentificationSequence,
    DCM_ConsultingPhysicianName,
    DCM_StudyID,
    DCM_AccessionNumber,
    DCM_IssuerOfAccessionNumberSequence,
    DCM_StudyDescription,
    DCM_PhysiciansOfRecord,
    DCM_PhysiciansOfRecordIdentificationSequence,
    DCM_NameOfPhysiciansReadingStudy,
    DCM_ReferencedStudySequence,
    DCM_ProcedureCodeSequence,
    DCM_ReasonForPerformedProcedureCodeSequence,
    DCM_AdmittingDiagnosesDescription,
    DCM_AdmittingDiagnosesCodeSequence,
    DCM_PatientAge,
    DCM_PatientSize,
    DCM_PatientWeight,
    DCM_Occupation,
    DCM_AdditionalPatientHistory,
    DCM_AdmissionID,
    DCM_PregnancyStatus,
    DCM_PatientSexNeutered,
    // General Series: what was done, to which body part, for which request
    DCM_Laterality,
    DCM_BodyPartExamined,
    DCM_OperatorsName,
    DCM_PerformingPhysicianName,
    DCM_ProtocolName,
    DCM_RequestAttributesSequence,
    DCM_PerformedProcedureStepID,
    DCM_PerformedProcedureStepStartDate,
    DCM_PerformedProcedureStepStartTime,
    DCM_PerformedProcedureStepDescription,
    // General Equipment (the acquiring device; we add ourselves as Contributing Equipment)
    DCM_Manufacturer,
    DCM_InstitutionName,
    DCM_InstitutionAddress,
    DCM_StationName,
    DCM_InstitutionalDepartmentName,
    DCM_ManufacturerModelName,
    DCM_DeviceSerialNumber,
    DCM_SoftwareVersions,
    DCM_DeviceUID,
    // Content: acquisition timing, anatomy, device, acquisition context, specimen (VL Microscopic)
    DCM_AcquisitionDate,
    DCM_AcquisitionTime,
    DCM_AcquisitionDateTime,
    DCM_PatientOrientation,
    DCM_BurnedInAnnotation,
    DCM_RecognizableVisualFeatures,
    DCM_AnatomicRegionSequence,
    DCM_PrimaryAnatomicStructureSequence,
    DCM_DeviceSequence,
    DCM_AcquisitionContextSequence,
    DCM_AcquisitionContextDescription,
    DCM_ContainerIdentifier,
    DCM_IssuerOfTheContainerIdentifierSequence,
    DCM_AlternateContainerIdentifierSequence,
    DCM_ContainerTypeCodeSequence,
    DCM_ContainerDescription,
    DCM_ContainerComponentSequence,
    DCM_SpecimenDescriptionSequence,
    // SOP Common: earlier contributors stay listed, ours is appended
    DCM_ContributingEquipmentSequence,
};

// Type 2 attributes of the VL video IODs that must be present even when the source lacked them.
// Laterality is 2C (paired body parts); whether the part is paired is not known here, and empty means unknown.
const DcmTagKey kType2[] = {
    DCM_PatientName,     DCM_PatientID,    DCM_PatientBirthDate,       DCM_PatientSex,
    DCM_StudyDate,       DCM_StudyTime,    DCM_ReferringPhysicianName, DCM_StudyID,
    DCM_AccessionNumber, DCM_Manufacturer, DCM_PatientOrientation,     DCM_AcquisitionContextSequence,
    DCM_Laterality};

}  // namespace

namespace detail {

void WriteDerivedInstanceWithFragmentLimit(const VideoInstanceReader& source, const DerivedVideoSpec& spec,
                                           const std::string& outPath, uint64_t maxFragmentBytes) {
  EnsureDictionary();
  const VideoInstanceReader::Impl& src = source.impl();
  const InstanceHeader& sh = src.header;
  DcmDataset& s = *src.file->getDataset();
  if (!IsVideoSopClass(sh.sopClassUid))
    throw DicomError("source '" + src.path + "' has SOP class '" + sh.sopClassUid +
                     "', not a VL video class; a derived video instance keeps the source's SOP class");
  if (sh.studyInstanceUid.empty() || sh.sopInstanceUid.empty())
    throw DicomError("source '" + src.path + "' lacks Study or SOP Instance UID");
  const VideoTransferSyntax& ts = ValidatePixels(spec.pixels);

  DcmFileFormat file;
  DcmDataset& d = *file.getDataset();
  for (const DcmTagKey& tag : kFromSource) {
    const OFCondition cond = s.findAndInsertCopyOfElement(tag, &d);
    if (cond.bad() && cond != EC_TagNotFound)
      throw DicomError(std::string("cannot copy ") + DcmTag(tag).getTagName() + " from the source: " + cond.text());
  }
  for (const DcmTagKey& tag : kType2)
    if (!d.tagExists(tag)) PutEmpty(d, tag);
  // Required unless a specimen is imaged; a source that lacks it gets the "region not known" code.
  if (!d.tagExists(DCM_AnatomicRegionSequence) && !d.tagExists(DCM_ContainerIdentifier))
    PutAnatomicRegion(d, CodedConcept{});

  // Our own text may not fit the source's character set: move everything to UTF-8 then.
  const std::string derivation = TruncateUtf8(spec.derivationDescription, 1024);  // ST holds 1024 characters
  if (!IsAscii(spec.seriesDescription) || !IsAscii(derivation)) SwitchToUtf8(d);

  // SOP Common, General Series, General Image.
  PutString(d, DCM_SOPClassUID, sh.sopClassUid);
  PutString(d, DCM_SOPInstanceUID, spec.sopInstanceUid.empty() ? GenerateUid() : spec.sopInstanceUid);
  PutString(d, DCM_InstanceCreationDate, NowDate());
  PutString(d, DCM_InstanceCreationTime, NowTime());
  PutString(d, DCM_Modality, ModalityForSopClass(sh.sopClassUid));  // the one the IOD admits, whatever the source said
  PutString(d, DCM_SeriesInstanceUID, spec.seriesInstanceUid.empty() ? GenerateUid() : spec.seriesInstanceUid);
  const long long seriesNumber = spec.seriesNumber > 0 ? spec.seriesNumber : sh.seriesNumber + 1000LL;
  PutString(d, DCM_SeriesNumber, FormatIS(static_cast<long>(std::clamp(seriesNumber, 1LL, 2147483647LL))));
  if (!spec.seriesDescription.empty()) PutString(d, DCM_SeriesDescription, spec.seriesDescription);
  PutString(d, DCM_InstanceNumber, "1");
  PutString(d, DCM_ContentDate, NowDate());
  PutString(d, DCM_ContentTime, NowTime());
  PutString(d, DCM_ImageType, "DERIVED\\SECONDARY");
  if (!derivation.empty()) PutString(d, DCM_DerivationDescription, derivation);
  AddCodeItem(d, DCM_DerivationCodeSequence, "113040", "DCM", "Lossy Compression");
  AddSourceImageReference(d, sh);
  PutLossyHistory(d, src, spec.pixels, spec.bitstreamPath, ts, spec.lossyCompressionMethod, spec.lossyCompressionRatio);
  AddContributingEquipment(d, "Transcoded for archival; the source instance is referenced in Source Image Sequence");

  PutPixelModules(d, spec.pixels);
  PutEncapsulatedPixelData(d, spec.bitstreamPath, ts, maxFragmentBytes);
  SaveInstance(file, ts, outPath);
}

}  // namespace detail

void WriteDerivedInstance(const VideoInstanceReader& source, const DerivedVideoSpec& spec, const std::string& outPath) {
  detail::WriteDerivedInstanceWithFragmentLimit(source, spec, outPath, detail::kMaxFragmentBytes);
}

}  // namespace va::dicom
