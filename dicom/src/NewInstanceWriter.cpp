// WriteNewVideoInstance: a VL video instance from an encoded stream and a procedure record.
#include <dcmtk/config/osconfig.h>
#include <sys/stat.h>

#include <algorithm>
#include <initializer_list>

#include "DcmtkSupport.h"
#include "InstanceWriting.h"

namespace va::dicom {
namespace {

std::string SopClassForModality(const std::string& modality) {
  if (modality == "ES") return VideoSopClasses()[0];
  if (modality == "GM") return VideoSopClasses()[1];
  if (modality == "XC") return VideoSopClasses()[2];
  return "";
}

// A value for a Type 2 attribute: present, possibly empty.
void PutType2(DcmItem& d, const DcmTagKey& tag, const std::string& value) {
  if (value.empty())
    detail::PutEmpty(d, tag);
  else
    detail::PutString(d, tag, value);
}

double DefaultRatio(const VideoPixelDescription& p, const std::string& bitstreamPath) {
  struct stat st {};
  if (::stat(bitstreamPath.c_str(), &st) != 0 || st.st_size <= 0) return 0;
  const double bytesPerSample = p.bitsAllocated > 8 ? 2 : 1;
  return static_cast<double>(p.rows) * p.columns * 3 * bytesPerSample * static_cast<double>(p.numberOfFrames) /
         static_cast<double>(st.st_size);
}

}  // namespace

void WriteNewVideoInstance(const NewVideoSpec& spec, const std::string& outPath) {
  detail::EnsureDictionary();
  const std::string sopClass = spec.sopClassUid.empty() ? SopClassForModality(spec.modality) : spec.sopClassUid;
  if (!IsVideoSopClass(sopClass))
    throw DicomError("SOP class '" + sopClass + "' (modality '" + spec.modality +
                     "') is not one of the VL video classes (Video Endoscopic, Microscopic, Photographic)");
  // Each VL video IOD admits exactly one modality (ES, GM, XC), so the class decides it.
  const std::string modality = detail::ModalityForSopClass(sopClass);
  const VideoTransferSyntax& ts = detail::ValidatePixels(spec.pixels);

  const std::string studyDate = spec.studyDate.empty() ? detail::NowDate() : spec.studyDate;
  const std::string studyTime = spec.studyTime.empty() ? detail::NowTime() : spec.studyTime;
  const std::string acquired = spec.acquisitionDateTime.empty() ? studyDate + studyTime : spec.acquisitionDateTime;

  DcmFileFormat file;
  DcmDataset& d = *file.getDataset();
  bool ascii = true;
  for (const std::string* v : {&spec.patientId, &spec.patientName, &spec.studyDescription, &spec.seriesDescription,
                               &spec.accessionNumber, &spec.manufacturer, &spec.modelName, &spec.deviceSerialNumber,
                               &spec.institutionName, &spec.referringPhysicianName, &spec.studyId})
    ascii = ascii && detail::IsAscii(*v);
  if (!ascii) detail::PutString(d, DCM_SpecificCharacterSet, "ISO_IR 192");  // the spec's strings are UTF-8

  // SOP Common
  detail::PutString(d, DCM_SOPClassUID, sopClass);
  detail::PutString(d, DCM_SOPInstanceUID, spec.sopInstanceUid.empty() ? GenerateUid() : spec.sopInstanceUid);
  detail::PutString(d, DCM_InstanceCreationDate, detail::NowDate());
  detail::PutString(d, DCM_InstanceCreationTime, detail::NowTime());
  // Patient
  PutType2(d, DCM_PatientName, spec.patientName);
  PutType2(d, DCM_PatientID, spec.patientId);
  PutType2(d, DCM_PatientBirthDate, spec.patientBirthDate);
  PutType2(d, DCM_PatientSex, spec.patientSex);
  // General Study
  detail::PutString(d, DCM_StudyInstanceUID, spec.studyInstanceUid.empty() ? GenerateUid() : spec.studyInstanceUid);
  detail::PutString(d, DCM_StudyDate, studyDate);
  detail::PutString(d, DCM_StudyTime, studyTime);
  PutType2(d, DCM_ReferringPhysicianName, spec.referringPhysicianName);
  PutType2(d, DCM_StudyID, spec.studyId);
  PutType2(d, DCM_AccessionNumber, spec.accessionNumber);
  if (!spec.studyDescription.empty()) detail::PutString(d, DCM_StudyDescription, spec.studyDescription);
  // General Series
  detail::PutString(d, DCM_Modality, modality);
  detail::PutString(d, DCM_SeriesInstanceUID, spec.seriesInstanceUid.empty() ? GenerateUid() : spec.seriesInstanceUid);
  detail::PutString(d, DCM_SeriesNumber, detail::FormatIS(std::max(1, spec.seriesNumber)));
  if (!spec.seriesDescription.empty()) detail::PutString(d, DCM_SeriesDescription, spec.seriesDescription);
  PutType2(d, DCM_Laterality, spec.laterality);  // 2C: paired body parts; empty = not known
  // General Equipment
  PutType2(d, DCM_Manufacturer, spec.manufacturer);
  if (!spec.modelName.empty()) detail::PutString(d, DCM_ManufacturerModelName, spec.modelName);
  if (!spec.deviceSerialNumber.empty()) detail::PutString(d, DCM_DeviceSerialNumber, spec.deviceSerialNumber);
  if (!spec.institutionName.empty()) detail::PutString(d, DCM_InstitutionName, spec.institutionName);
  // General Image, VL Image, Acquisition Context: an original recording, acquired when the study started
  // unless told otherwise.
  detail::PutString(d, DCM_InstanceNumber, "1");
  detail::PutEmpty(d, DCM_PatientOrientation);
  // DT is YYYYMMDDHHMMSS.FFFFFF&ZZXX: the date, then the time without the UTC offset.
  const std::string acquiredTime = acquired.size() > 8 ? acquired.substr(8, acquired.find_first_of("+-", 8) - 8) : "";
  detail::PutString(d, DCM_ContentDate, acquired.substr(0, 8));
  detail::PutString(d, DCM_ContentTime, acquiredTime.empty() ? studyTime : acquiredTime);
  detail::PutString(d, DCM_AcquisitionDateTime, acquired);
  detail::PutString(d, DCM_ImageType, "ORIGINAL\\PRIMARY");
  detail::PutEmpty(d, DCM_AcquisitionContextSequence);
  detail::PutAnatomicRegion(d, spec.anatomicRegion);
  if (spec.lossy) {
    detail::PutString(d, DCM_LossyImageCompression, "01");
    detail::PutString(d, DCM_LossyImageCompressionMethod, detail::MethodFor(ts, spec.lossyCompressionMethod));
    const double ratio =
        spec.lossyCompressionRatio > 0 ? spec.lossyCompressionRatio : DefaultRatio(spec.pixels, spec.bitstreamPath);
    if (ratio > 0) detail::PutString(d, DCM_LossyImageCompressionRatio, detail::FormatDS(ratio));
  } else {
    detail::PutString(d, DCM_LossyImageCompression, "00");
  }

  detail::PutPixelModules(d, spec.pixels);
  detail::PutEncapsulatedPixelData(d, spec.bitstreamPath, ts, detail::kMaxFragmentBytes);
  detail::SaveInstance(file, ts, outPath);
}

}  // namespace va::dicom
