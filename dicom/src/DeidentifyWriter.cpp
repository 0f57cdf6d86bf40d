// WriteDeidentifiedInstance: a de-identified copy of a VL video instance, with a (masked) new bitstream, in a
// separate study.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "DcmtkSupport.h"
#include "InstanceWriting.h"
#include "ReaderImpl.h"
#include "va/dicom/Deidentify.h"

namespace va::dicom {
namespace {

// Every top-level element of the source but the group 7FE0 (the old stream and what describes its fragments), group
// lengths and trailing padding. DeidentifyDataset then decides what of it stays.
void CopyAllButPixelData(DcmDataset& s, DcmDataset& d) {
  for (DcmObject* object = s.nextInContainer(nullptr); object != nullptr; object = s.nextInContainer(object)) {
    DcmTag tag = object->getTag();
    if (tag.getGroup() == 0x7FE0 || tag.getElement() == 0x0000 || tag == DCM_DataSetTrailingPadding) continue;
    std::unique_ptr<DcmElement> copy(static_cast<DcmElement*>(object->clone()));
    detail::Check(d.insert(copy.get(), OFTrue /* replace */),
                  std::string("cannot copy ") + tag.getTagName() + " from the source");
    static_cast<void>(copy.release());  // owned by the data set now
  }
}

// Measured in the source's pixels or indexing its frames: wrong for another picture size or frame count.
void DropStaleAttributes(DcmDataset& d, const InstanceHeader& sh, const VideoPixelDescription& p) {
  d.findAndDeleteElement(DCM_FrameTimeVector);
  if (sh.rows != p.rows || sh.columns != p.columns)
    for (const DcmTagKey& tag : {DCM_PixelSpacing, DCM_ImagerPixelSpacing, DCM_NominalScannedPixelSpacing,
                                 DCM_PixelAspectRatio, DCM_SequenceOfUltrasoundRegions})
      d.findAndDeleteElement(tag);
  if (sh.numberOfFrames != p.numberOfFrames || std::abs(sh.frameTimeMs - p.frameTimeMs) > 1e-4 * p.frameTimeMs)
    for (const DcmTagKey& tag : {DCM_RepresentativeFrameNumber, DCM_FrameNumbersOfInterest,
                                 DCM_FrameOfInterestDescription, DCM_FrameOfInterestType})
      d.findAndDeleteElement(tag);
}

// Type 2 attributes of the VL video IODs: present, empty when the profile emptied or removed them.
const DcmTagKey kType2[] = {DCM_PatientName,
                            DCM_PatientID,
                            DCM_PatientBirthDate,
                            DCM_PatientSex,
                            DCM_StudyDate,
                            DCM_StudyTime,
                            DCM_ReferringPhysicianName,
                            DCM_StudyID,
                            DCM_AccessionNumber,
                            DCM_SeriesNumber,
                            DCM_InstanceNumber,
                            DCM_Manufacturer,
                            DCM_PatientOrientation,
                            DCM_AcquisitionContextSequence,
                            DCM_Laterality};

void Note(DeidentificationReport& report, const DcmTagKey& tag) {
  char text[16];
  std::snprintf(text, sizeof text, "(%04X,%04X)", tag.getGroup(), tag.getElement());
  report.attributes.push_back(DeidentifiedAttribute{text, DcmTag(tag).getTagName(), 'R'});
}

}  // namespace

DeidentificationReport WriteDeidentifiedInstance(const VideoInstanceReader& source, const DeidentifiedVideoSpec& spec,
                                                 const DeidentifyOptions& options, const std::string& outPath) {
  detail::EnsureDictionary();
  const VideoInstanceReader::Impl& src = source.impl();
  const InstanceHeader& sh = src.header;
  if (!IsVideoSopClass(sh.sopClassUid))
    throw DicomError("source '" + src.path + "' has SOP class '" + sh.sopClassUid +
                     "', not a VL video class; a de-identified video copy keeps the source's SOP class");
  if (sh.studyInstanceUid.empty() || sh.seriesInstanceUid.empty() || sh.sopInstanceUid.empty())
    throw DicomError("source '" + src.path + "' lacks Study, Series or SOP Instance UID");
  const VideoTransferSyntax& ts = detail::ValidatePixels(spec.pixels);

  DcmFileFormat file;
  DcmDataset& d = *file.getDataset();
  CopyAllButPixelData(*src.file->getDataset(), d);
  DropStaleAttributes(d, sh, spec.pixels);
  // Ours replaces the source's: the derivation steps that made the source are not this one.
  d.findAndDeleteElement(DCM_DerivationCodeSequence);
  DeidentificationReport report = DeidentifyDataset(d, options);

  for (const DcmTagKey& tag : kType2)
    if (!d.tagExists(tag)) detail::PutEmpty(d, tag);
  if (!d.tagExists(DCM_AnatomicRegionSequence) && !d.tagExists(DCM_ContainerIdentifier))
    detail::PutAnatomicRegion(d, CodedConcept{});

  const std::string derivation = detail::TruncateUtf8(spec.derivationDescription, 1024);  // ST: 1024 characters
  if (!detail::IsAscii(spec.seriesDescription) || !detail::IsAscii(derivation)) detail::SwitchToUtf8(d);
  detail::PutString(d, DCM_Modality, detail::ModalityForSopClass(sh.sopClassUid));
  if (!spec.seriesDescription.empty()) {
    detail::PutString(d, DCM_SeriesDescription, spec.seriesDescription);
    Note(report, DCM_SeriesDescription);
  }
  if (!derivation.empty()) {
    detail::PutString(d, DCM_DerivationDescription, derivation);
    Note(report, DCM_DerivationDescription);
  }
  std::vector<std::string> imageType = detail::GetStrings(d, DCM_ImageType);
  if (imageType.size() < 2) imageType = {"DERIVED", "SECONDARY"};
  imageType[0] = "DERIVED";  // masked and re-encoded pixels (PS3.3 C.7.6.1.1.2)
  detail::PutString(d, DCM_ImageType, detail::JoinValues(imageType));
  detail::AddCodeItem(d, DCM_DerivationCodeSequence, "113040", "DCM", "Lossy Compression");
  if (options.retainLongitudinalTemporalInformation) {  // otherwise the profile removed them (X/D, X/Z/D)
    detail::PutString(d, DCM_InstanceCreationDate, detail::NowDate());
    detail::PutString(d, DCM_InstanceCreationTime, detail::NowTime());
  }
  detail::PutLossyHistory(d, src, spec.pixels, spec.bitstreamPath, ts, spec.lossyCompressionMethod,
                          spec.lossyCompressionRatio);

  // PS3.15 E.1.1: the de-identifier may name itself in Contributing Equipment Sequence. No date unless dates are
  // retained: when the copy was made says when the source was accessed.
  DcmItem& equipment = detail::AppendItem(d, DCM_ContributingEquipmentSequence);
  detail::PutString(equipment, DCM_Manufacturer, "orthanc-video-archive");
  detail::PutString(equipment, DCM_ManufacturerModelName, "va_dicom");
  detail::AddCodeItem(equipment, DCM_PurposeOfReferenceCodeSequence, "109104", "DCM", "De-identifying Equipment");
  if (options.retainLongitudinalTemporalInformation)
    detail::PutString(equipment, DCM_ContributionDateTime, detail::NowDate() + detail::NowTime());
  detail::PutString(equipment, DCM_ContributionDescription, "De-identified copy (PS3.15 Basic Profile)");
  for (const DcmTagKey& tag : {DCM_Modality, DCM_ImageType, DCM_DerivationCodeSequence, DCM_LossyImageCompression,
                               DCM_ContributingEquipmentSequence, DCM_PixelData})
    Note(report, tag);

  detail::PutPixelModules(d, spec.pixels);
  detail::PutEncapsulatedPixelData(d, spec.bitstreamPath, ts, detail::kMaxFragmentBytes);
  detail::SaveInstance(file, ts, outPath);
  return report;
}

}  // namespace va::dicom
