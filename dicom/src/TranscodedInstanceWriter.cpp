// WriteTranscodedInstance: the same instance, every attribute kept, with its bitstream in another transfer syntax.
#include <dcmtk/config/osconfig.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "DcmtkSupport.h"
#include "InstanceWriting.h"
#include "ReaderImpl.h"
#include "va/dicom/VideoInstance.h"

namespace va::dicom {
namespace {

// Every top-level element of the source except the group 7FE0 (Pixel Data and what describes its fragments: an
// Extended Offset Table would point into the old stream), group lengths (not written) and trailing padding.
void CopyAllButPixelData(DcmDataset& s, DcmDataset& d) {
  for (DcmObject* object = s.nextInContainer(nullptr); object != nullptr; object = s.nextInContainer(object)) {
    DcmTag tag = object->getTag();  // getTagName() is not const
    if (tag.getGroup() == 0x7FE0 || tag.getElement() == 0x0000 || tag == DCM_DataSetTrailingPadding) continue;
    // Values the reader left in the source file stay there: the clone reads them when the instance is saved.
    std::unique_ptr<DcmElement> copy(static_cast<DcmElement*>(object->clone()));
    detail::Check(d.insert(copy.get(), OFTrue /* replace */),
                  std::string("cannot copy ") + tag.getTagName() + " from the source");
    static_cast<void>(copy.release());  // owned by the data set now
  }
}

bool SameFrameTime(double a, double b) {
  return std::abs(a - b) <= 1e-4 * std::max(std::abs(a), std::abs(b));  // DS keeps about 6 significant digits
}

// Attributes measured in the source's pixels or indexing its frames would be wrong for another picture size or
// frame count: better absent (a viewer then assumes square pixels and no frame of interest) than wrong.
void DropStaleAttributes(DcmDataset& d, const InstanceHeader& sh, const VideoPixelDescription& p) {
  d.findAndDeleteElement(DCM_FrameTimeVector);  // PutPixelModules points Frame Increment Pointer at Frame Time
  if (sh.rows != p.rows || sh.columns != p.columns)
    for (const DcmTagKey& tag : {DCM_PixelSpacing, DCM_ImagerPixelSpacing, DCM_NominalScannedPixelSpacing,
                                 DCM_PixelAspectRatio, DCM_SequenceOfUltrasoundRegions})
      d.findAndDeleteElement(tag);
  if (sh.numberOfFrames != p.numberOfFrames || !SameFrameTime(sh.frameTimeMs, p.frameTimeMs))
    for (const DcmTagKey& tag : {DCM_RepresentativeFrameNumber, DCM_FrameNumbersOfInterest,
                                 DCM_FrameOfInterestDescription, DCM_FrameOfInterestType})
      d.findAndDeleteElement(tag);
}

// A new instance made by lossy compression of the source: identified as derived and pointing back at it.
void MarkAsLossyDerivative(DcmDataset& d, const InstanceHeader& sh, const TranscodedVideoSpec& spec,
                           const std::string& uid, const VideoTransferSyntax& ts) {
  detail::PutString(d, DCM_SOPInstanceUID, uid);
  detail::PutString(d, DCM_InstanceCreationDate, detail::NowDate());
  detail::PutString(d, DCM_InstanceCreationTime, detail::NowTime());
  std::vector<std::string> imageType = detail::GetStrings(d, DCM_ImageType);
  if (imageType.empty())
    imageType = {"DERIVED", "SECONDARY"};
  else
    imageType[0] = "DERIVED";  // the pixels were derived (PS3.3 C.7.6.1.1.2); the other values still hold
  detail::PutString(d, DCM_ImageType, detail::JoinValues(imageType));
  // The source's derivation attributes describe how the source was made; ours replace them.
  const std::string description =
      spec.derivationDescription.empty()
          ? "Lossy transcode of SOP Instance " + sh.sopInstanceUid + " to " + ts.name
          : detail::TruncateUtf8(spec.derivationDescription, 1024);  // ST holds 1024 characters
  if (!detail::IsAscii(description)) detail::SwitchToUtf8(d);
  detail::PutString(d, DCM_DerivationDescription, description);
  d.findAndDeleteElement(DCM_DerivationCodeSequence);
  detail::AddCodeItem(d, DCM_DerivationCodeSequence, "113040", "DCM", "Lossy Compression");
  d.findAndDeleteElement(DCM_SourceImageSequence);
  detail::AddSourceImageReference(d, sh);
  detail::AddContributingEquipment(d, "Transcoded to another transfer syntax");  // LO: at most 64 characters
}

}  // namespace

void WriteTranscodedInstance(const VideoInstanceReader& source, const TranscodedVideoSpec& spec,
                             const std::string& outPath) {
  detail::EnsureDictionary();
  const VideoInstanceReader::Impl& src = source.impl();
  const InstanceHeader& sh = src.header;
  if (sh.sopClassUid.empty() || sh.sopInstanceUid.empty())
    throw DicomError("source '" + src.path + "' lacks SOP Class or SOP Instance UID");
  const VideoTransferSyntax& ts = detail::ValidatePixels(spec.pixels);
  if (spec.streamFacts)
    if (const std::string problem = StreamFitProblem(ts, *spec.streamFacts); !problem.empty())
      throw DicomError("bitstream '" + spec.bitstreamPath + "' does not conform to " + ts.name + ": " + problem);
  std::string uid = sh.sopInstanceUid;
  if (spec.newSopInstanceUid) {
    uid = spec.sopInstanceUid.empty() ? GenerateUid() : spec.sopInstanceUid;
    if (!detail::IsValidUid(uid)) throw DicomError("new SOP Instance UID '" + uid + "' is not a valid UID");
    if (uid == sh.sopInstanceUid)
      throw DicomError("new SOP Instance UID " + uid + " is the source's; give another one, or none to generate one");
  } else if (!spec.sopInstanceUid.empty()) {
    throw DicomError("a SOP Instance UID (" + spec.sopInstanceUid + ") is given without newSopInstanceUid; the " +
                     "transcoded instance keeps the source's (" + sh.sopInstanceUid +
                     ") unless a new one is asked for");
  }

  DcmFileFormat file;
  DcmDataset& d = *file.getDataset();
  CopyAllButPixelData(*src.file->getDataset(), d);
  DropStaleAttributes(d, sh, spec.pixels);
  if (spec.newSopInstanceUid) MarkAsLossyDerivative(d, sh, spec, uid, ts);
  detail::PutLossyHistory(d, src, spec.pixels, spec.bitstreamPath, ts, spec.lossyCompressionMethod,
                          spec.lossyCompressionRatio);
  detail::PutPixelModules(d, spec.pixels);
  detail::PutEncapsulatedPixelData(d, spec.bitstreamPath, ts, detail::kMaxFragmentBytes);
  detail::SaveInstance(file, ts, outPath);
}

}  // namespace va::dicom
