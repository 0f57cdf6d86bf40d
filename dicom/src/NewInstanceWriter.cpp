// WriteNewVideoInstance: a VL video instance from an encoded stream and a procedure record.
#include <dcmtk/config/osconfig.h>

#include <algorithm>
#include <initializer_list>
#include <optional>

#include "DcmtkSupport.h"
#include "DicomDateTime.h"
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

// Every date and time the instance carries, all in one UTC offset (see NewVideoSpec::timezoneOffsetFromUtc).
struct InstanceTimes {
  std::string zone;  // (0008,0201); "" = none (local time)
  std::string creationDate, creationTime, studyDate, studyTime, seriesDate, seriesTime, contentDate, contentTime;
  std::string acquisitionDateTime;  // DT, written as given: it carries its own offset
};

InstanceTimes ResolveTimes(const NewVideoSpec& spec) {
  using detail::DateTimeParts;
  std::optional<DateTimeParts> acquisition, content;
  if (!spec.acquisitionDateTime.empty())
    acquisition = detail::ParseDateTime(spec.acquisitionDateTime, "acquisitionDateTime");
  if (!spec.contentDateTime.empty()) content = detail::ParseDateTime(spec.contentDateTime, "contentDateTime");
  const std::optional<DateTimeParts> start = acquisition ? acquisition : content;  // the recording start

  InstanceTimes t;
  t.zone = spec.timezoneOffsetFromUtc;
  if (!t.zone.empty())
    detail::CheckUtcOffset(t.zone, "timezoneOffsetFromUtc");
  else  // DA / TM values derived from a DT with an offset are in that offset; say so.
    t.zone = acquisition && !acquisition->offset.empty() ? acquisition->offset : content ? content->offset : "";

  const DateTimeParts now = detail::NowIn(t.zone);
  t.creationDate = now.date;
  t.creationTime = now.time;
  const std::optional<DateTimeParts> startHere = start ? detail::ToOffset(*start, t.zone) : start;
  t.studyDate = !spec.studyDate.empty() ? spec.studyDate : startHere ? startHere->date : now.date;
  t.studyTime = !spec.studyTime.empty() ? spec.studyTime : startHere ? startHere->time : now.time;
  t.seriesDate = startHere ? startHere->date : t.studyDate;
  t.seriesTime = startHere ? startHere->time : t.studyTime;
  const std::optional<DateTimeParts> first = content ? content : start;
  const DateTimeParts firstHere =
      first ? detail::ToOffset(*first, t.zone) : DateTimeParts{t.studyDate, t.studyTime, ""};
  t.contentDate = firstHere.date;
  t.contentTime = firstHere.time;
  t.acquisitionDateTime = !spec.acquisitionDateTime.empty() ? spec.acquisitionDateTime
                          : !spec.contentDateTime.empty()   ? spec.contentDateTime
                                                            : t.studyDate + t.studyTime;
  return t;
}

// Referenced Image Sequence: the other view(s) of a stereoscopic recording.
void PutStereoReferences(DcmItem& d, const NewVideoSpec& spec, const std::string& ownSopInstanceUid) {
  for (const auto& [sopClass, sopInstance] : spec.referencedImages) {
    if (!detail::IsValidUid(sopClass) || !detail::IsValidUid(sopInstance)) {
      std::string what = "referenced image ('";
      what += sopClass;
      what += "', '";
      what += sopInstance;
      what += "') is not a valid (SOP Class UID, SOP Instance UID) pair";
      throw DicomError(what);
    }
    if (sopInstance == ownSopInstanceUid)
      throw DicomError("instance " + sopInstance + " references itself as the other view of its stereoscopic pair");
    DcmItem& item = detail::AppendItem(d, DCM_ReferencedImageSequence);
    detail::PutString(item, DCM_ReferencedSOPClassUID, sopClass);
    detail::PutString(item, DCM_ReferencedSOPInstanceUID, sopInstance);
    // CID 7201 Referenced Image Purposes of Reference has exactly this concept.
    detail::AddCodeItem(item, DCM_PurposeOfReferenceCodeSequence, "121315", "DCM", "Other image of stereoscopic pair");
  }
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
  if (spec.instanceNumber < 1)
    throw DicomError("instance number " + std::to_string(spec.instanceNumber) + " is invalid: number from 1");
  const InstanceTimes times = ResolveTimes(spec);
  const std::string sopInstanceUid = spec.sopInstanceUid.empty() ? GenerateUid() : spec.sopInstanceUid;
  const std::string comments = detail::TruncateUtf8(spec.imageComments, 10240);

  DcmFileFormat file;
  DcmDataset& d = *file.getDataset();
  bool ascii = true;
  for (const std::string* v :
       {&spec.patientId, &spec.patientName, &spec.studyDescription, &spec.seriesDescription, &spec.accessionNumber,
        &spec.manufacturer, &spec.modelName, &spec.deviceSerialNumber, &spec.institutionName,
        &spec.referringPhysicianName, &spec.studyId, &spec.operatorsName, &comments, &spec.procedureCode.value,
        &spec.procedureCode.meaning, &spec.anatomicRegion.meaning})
    ascii = ascii && detail::IsAscii(*v);
  if (!ascii) detail::PutString(d, DCM_SpecificCharacterSet, "ISO_IR 192");  // the spec's strings are UTF-8

  // SOP Common
  detail::PutString(d, DCM_SOPClassUID, sopClass);
  detail::PutString(d, DCM_SOPInstanceUID, sopInstanceUid);
  detail::PutString(d, DCM_InstanceCreationDate, times.creationDate);
  detail::PutString(d, DCM_InstanceCreationTime, times.creationTime);
  if (!times.zone.empty()) detail::PutString(d, DCM_TimezoneOffsetFromUTC, times.zone);
  // Patient
  PutType2(d, DCM_PatientName, spec.patientName);
  PutType2(d, DCM_PatientID, spec.patientId);
  PutType2(d, DCM_PatientBirthDate, spec.patientBirthDate);
  PutType2(d, DCM_PatientSex, spec.patientSex);
  // General Study
  detail::PutString(d, DCM_StudyInstanceUID, spec.studyInstanceUid.empty() ? GenerateUid() : spec.studyInstanceUid);
  detail::PutString(d, DCM_StudyDate, times.studyDate);
  detail::PutString(d, DCM_StudyTime, times.studyTime);
  PutType2(d, DCM_ReferringPhysicianName, spec.referringPhysicianName);
  PutType2(d, DCM_StudyID, spec.studyId);
  PutType2(d, DCM_AccessionNumber, spec.accessionNumber);
  if (!spec.studyDescription.empty()) detail::PutString(d, DCM_StudyDescription, spec.studyDescription);
  if (!spec.procedureCode.value.empty())
    detail::AddCode(d, DCM_ProcedureCodeSequence, spec.procedureCode, "procedure code");
  // General Series
  detail::PutString(d, DCM_Modality, modality);
  detail::PutString(d, DCM_SeriesInstanceUID, spec.seriesInstanceUid.empty() ? GenerateUid() : spec.seriesInstanceUid);
  detail::PutString(d, DCM_SeriesNumber, detail::FormatIS(std::max(1, spec.seriesNumber)));
  detail::PutString(d, DCM_SeriesDate, times.seriesDate);
  detail::PutString(d, DCM_SeriesTime, times.seriesTime);
  if (!spec.seriesDescription.empty()) detail::PutString(d, DCM_SeriesDescription, spec.seriesDescription);
  if (!spec.operatorsName.empty()) detail::PutString(d, DCM_OperatorsName, spec.operatorsName);
  PutType2(d, DCM_Laterality, spec.laterality);  // 2C: paired body parts; empty = not known
  // General Equipment
  PutType2(d, DCM_Manufacturer, spec.manufacturer);
  if (!spec.modelName.empty()) detail::PutString(d, DCM_ManufacturerModelName, spec.modelName);
  if (!spec.deviceSerialNumber.empty()) detail::PutString(d, DCM_DeviceSerialNumber, spec.deviceSerialNumber);
  if (!spec.institutionName.empty()) detail::PutString(d, DCM_InstitutionName, spec.institutionName);
  // General Image, VL Image, Acquisition Context: an original recording whose first frame was taken at the
  // content date/time.
  detail::PutString(d, DCM_InstanceNumber, detail::FormatIS(spec.instanceNumber));
  detail::PutEmpty(d, DCM_PatientOrientation);
  detail::PutString(d, DCM_ContentDate, times.contentDate);
  detail::PutString(d, DCM_ContentTime, times.contentTime);
  detail::PutString(d, DCM_AcquisitionDateTime, times.acquisitionDateTime);
  detail::PutString(d, DCM_ImageType, "ORIGINAL\\PRIMARY");
  if (!comments.empty()) detail::PutString(d, DCM_ImageComments, comments);
  PutStereoReferences(d, spec, sopInstanceUid);
  detail::PutEmpty(d, DCM_AcquisitionContextSequence);
  detail::PutAnatomicRegion(d, spec.anatomicRegion);
  if (spec.lossy) {
    detail::PutString(d, DCM_LossyImageCompression, "01");
    detail::PutString(d, DCM_LossyImageCompressionMethod, detail::MethodFor(ts, spec.lossyCompressionMethod));
    const double ratio =
        spec.lossyCompressionRatio > 0
            ? spec.lossyCompressionRatio
            : detail::CompressionRatio(spec.pixels.rows, spec.pixels.columns, spec.pixels.numberOfFrames,
                                       spec.pixels.bitsAllocated, detail::FileBytes(spec.bitstreamPath));
    if (ratio > 0) detail::PutString(d, DCM_LossyImageCompressionRatio, detail::FormatDS(ratio));
  } else {
    detail::PutString(d, DCM_LossyImageCompression, "00");
  }

  detail::PutPixelModules(d, spec.pixels);
  detail::PutEncapsulatedPixelData(d, spec.bitstreamPath, ts, detail::kMaxFragmentBytes);
  detail::SaveInstance(file, ts, outPath);
}

}  // namespace va::dicom
