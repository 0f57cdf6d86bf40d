#include "InstanceWriting.h"

#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>
#include <vector>

#include "DcmtkStreams.h"
#include "DcmtkSupport.h"
#include "ReaderImpl.h"

namespace va::dicom::detail {
namespace {

// Bytes of encapsulated Pixel Data (fragments only) without reading them; 0 when unknown.
uint64_t EncapsulatedBytes(const VideoInstanceReader::Impl& im) {
  if (!im.pixelDataProblem.empty()) return 0;
  DcmElement* element = nullptr;
  if (im.file->getDataset()->findAndGetElement(DCM_PixelData, element).bad() || element == nullptr ||
      element->ident() != EVR_PixelData)
    return 0;
  auto& pixelData = *static_cast<DcmPixelData*>(element);
  E_TransferSyntax rep = EXS_Unknown;
  const DcmRepresentationParameter* param = nullptr;
  pixelData.getOriginalRepresentationKey(rep, param);
  DcmPixelSequence* sequence = nullptr;
  if (!DcmXfer(rep).isEncapsulated() || pixelData.getEncapsulatedRepresentation(rep, param, sequence).bad() ||
      sequence == nullptr)
    return 0;
  uint64_t total = 0;
  for (unsigned long i = 1; i < sequence->card(); ++i) {
    DcmPixelItem* item = nullptr;
    if (sequence->getItem(item, i).good() && item != nullptr) total += item->getLength();
  }
  return total;
}

}  // namespace

const VideoTransferSyntax& ValidatePixels(const VideoPixelDescription& p) {
  const VideoTransferSyntax* ts = FindVideoTransferSyntax(p.transferSyntaxUid);
  if (ts == nullptr)
    throw DicomError("transfer syntax '" + p.transferSyntaxUid +
                     "' is not a DICOM video transfer syntax (1.2.840.10008.1.2.4.100 to .108)");
  if (p.rows <= 0 || p.columns <= 0 || p.rows > 65535 || p.columns > 65535)
    throw DicomError("invalid picture size " + std::to_string(p.columns) + "x" + std::to_string(p.rows));
  if (p.numberOfFrames <= 0 || p.numberOfFrames > 2147483647L)
    throw DicomError("invalid number of frames " + std::to_string(p.numberOfFrames));
  if (!(p.frameTimeMs > 0) || !std::isfinite(p.frameTimeMs))
    throw DicomError("invalid frame time " + std::to_string(p.frameTimeMs) + " ms (1000 / frame rate)");
  const bool ybr = p.photometricInterpretation == "YBR_PARTIAL_420";
  const bool mono = p.photometricInterpretation == "MONOCHROME2" && ts->codec == VideoCodec::Mpeg2;
  if (!ybr && !mono)
    throw DicomError("Photometric Interpretation '" + p.photometricInterpretation + "' is not permitted with " +
                     ts->name + " (YBR_PARTIAL_420" + (ts->codec == VideoCodec::Mpeg2 ? " or MONOCHROME2)" : ")"));
  // PS3.5 8.2.5-8.2.11 fix these: 8/8/7 everywhere except Main 10, which needs 16/10/9.
  const int allocated = ts->maxBitDepth > 8 ? 16 : 8, stored = ts->maxBitDepth > 8 ? 10 : 8;
  if (p.bitsAllocated != allocated || p.bitsStored != stored || p.highBit != stored - 1) {
    std::ostringstream msg;
    msg << ts->name << " requires Bits Allocated " << allocated << ", Bits Stored " << stored << ", High Bit "
        << stored - 1 << " (PS3.5 8.2); the description has " << p.bitsAllocated << "/" << p.bitsStored << "/"
        << p.highBit;
    throw DicomError(msg.str());
  }
  const std::string fits = CheckFits(*ts, p.columns, p.rows, 1000.0 / p.frameTimeMs, p.bitsStored);
  if (!fits.empty()) throw DicomError(fits);
  return *ts;
}

void PutPixelModules(DcmItem& ds, const VideoPixelDescription& p) {
  PutUint16(ds, DCM_SamplesPerPixel, 3);
  PutString(ds, DCM_PhotometricInterpretation, p.photometricInterpretation);
  PutUint16(ds, DCM_PlanarConfiguration, 0);
  PutUint16(ds, DCM_Rows, static_cast<unsigned>(p.rows));
  PutUint16(ds, DCM_Columns, static_cast<unsigned>(p.columns));
  PutUint16(ds, DCM_BitsAllocated, static_cast<unsigned>(p.bitsAllocated));
  PutUint16(ds, DCM_BitsStored, static_cast<unsigned>(p.bitsStored));
  PutUint16(ds, DCM_HighBit, static_cast<unsigned>(p.highBit));
  PutUint16(ds, DCM_PixelRepresentation, 0);
  // Multi-frame: frames are timed by Frame Time.
  PutString(ds, DCM_NumberOfFrames, FormatIS(p.numberOfFrames));
  Check(ds.putAndInsertTagKey(DCM_FrameIncrementPointer, DCM_FrameTime), "cannot set FrameIncrementPointer");
  // Cine.
  const double fps = 1000.0 / p.frameTimeMs;
  PutString(ds, DCM_FrameTime, FormatDS(p.frameTimeMs));
  PutString(ds, DCM_CineRate, FormatIS(std::max(1L, std::lround(fps))));
  PutString(ds, DCM_RecommendedDisplayFrameRate, FormatIS(std::max(1L, std::lround(fps))));
  PutString(ds, DCM_StartTrim, "1");
  PutString(ds, DCM_StopTrim, FormatIS(p.numberOfFrames));
}

void PutEncapsulatedPixelData(DcmItem& ds, const std::string& path, const VideoTransferSyntax& ts,
                              uint64_t maxFragmentBytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw DicomError("cannot open bitstream '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw DicomError("bitstream '" + path + "' is not a regular file");
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size == 0) throw DicomError("bitstream '" + path + "' is empty");
  const uint64_t padded = size + (size & 1);
  if (!ts.multiFragment && padded > kMaxFragmentBytes)
    throw DicomError("bitstream '" + path + "' has " + std::to_string(size) + " bytes, but " + ts.name +
                     " requires the whole stream in one fragment (at most 4294967294 bytes); split the recording "
                     "into several instances or use HEVC, which may span fragments");
  uint64_t limit =
      ts.multiFragment ? std::min(std::max<uint64_t>(maxFragmentBytes, 2), kMaxFragmentBytes) : kMaxFragmentBytes;
  limit &= ~uint64_t{1};  // only the last fragment may need padding

  auto sequence = std::make_unique<DcmPixelSequence>(DcmTag(DCM_PixelSequenceTag));
  auto offsetTable = std::make_unique<DcmPixelItem>(DcmTag(DCM_Item, EVR_OB));  // empty: PS3.5 8.2.5-8.2.11
  Check(sequence->insert(offsetTable.get()), "cannot add the Basic Offset Table");
  static_cast<void>(offsetTable.release());  // owned by the sequence now
  for (uint64_t offset = 0; offset < size;) {
    const uint64_t length = std::min(limit, size - offset);
    const uint64_t pad = (offset + length == size) ? (length & 1) : 0;
    auto item = std::make_unique<DcmPixelItem>(DcmTag(DCM_Item, EVR_OB));
    auto factory = std::make_unique<FileSliceFactory>(path, offset, length, pad);
    Check(item->createValueFromTempFile(factory.get(), static_cast<Uint32>(length + pad), EBO_LittleEndian),
          "cannot attach a fragment of '" + path + "'");
    static_cast<void>(factory.release());  // owned by the item now
    Check(sequence->insert(item.get()), "cannot add a fragment");
    static_cast<void>(item.release());
    offset += length;
  }
  auto pixelData = std::make_unique<DcmPixelData>(DCM_PixelData);
  pixelData->putOriginalRepresentation(DcmXfer(ts.uid.c_str()).getXfer(), nullptr, sequence.release());
  Check(ds.insert(pixelData.get(), OFTrue /* replace */), "cannot add Pixel Data");
  static_cast<void>(pixelData.release());
}

void SaveInstance(DcmFileFormat& file, const VideoTransferSyntax& ts, const std::string& outPath) {
  const std::string tmp = outPath + ".tmp";
  const OFCondition cond = file.saveFile(OFFilename(tmp.c_str()), DcmXfer(ts.uid.c_str()).getXfer(), EET_ExplicitLength,
                                         EGL_withoutGL, EPD_noChange, 0, 0, EWM_createNewMeta);
  if (cond.bad()) {
    std::remove(tmp.c_str());
    throw DicomError("cannot write '" + outPath + "': " + cond.text());
  }
  if (std::rename(tmp.c_str(), outPath.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw DicomError("cannot move '" + tmp + "' to '" + outPath + "': " + why);
  }
}

std::string MethodFor(const VideoTransferSyntax& ts, const std::string& requested) {
  if (requested.empty()) return ts.lossyCompressionMethod;
  for (const auto& other : AllVideoTransferSyntaxes())
    if (requested == other.lossyCompressionMethod) return ts.lossyCompressionMethod;
  return requested;
}

std::string ModalityForSopClass(const std::string& sopClassUid) {
  if (sopClassUid == "1.2.840.10008.5.1.4.1.1.77.1.1.1") return "ES";
  if (sopClassUid == "1.2.840.10008.5.1.4.1.1.77.1.2.1") return "GM";
  if (sopClassUid == "1.2.840.10008.5.1.4.1.1.77.1.4.1") return "XC";
  return "";
}

void PutAnatomicRegion(DcmItem& ds, const CodedConcept& region) {
  if (region.value.empty())
    AddCodeItem(ds, DCM_AnatomicRegionSequence, "123037004", "SCT", "Anatomical Structure");
  else
    AddCode(ds, DCM_AnatomicRegionSequence, region, "anatomic region code");
}

void AddContributingEquipment(DcmItem& ds, const char* description) {
  DcmItem& item = AppendItem(ds, DCM_ContributingEquipmentSequence);
  PutString(item, DCM_Manufacturer, "orthanc-video-archive");
  PutString(item, DCM_ManufacturerModelName, "va_dicom");
  AddCodeItem(item, DCM_PurposeOfReferenceCodeSequence, "109103", "DCM", "Modifying Equipment");
  PutString(item, DCM_ContributionDateTime, NowDate() + NowTime());
  PutString(item, DCM_ContributionDescription, description);
}

std::string JoinValues(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : "\\") + v;
  return out;
}

double CompressionRatio(long rows, long columns, long frames, int bitsAllocated, uint64_t compressedBytes) {
  if (rows <= 0 || columns <= 0 || frames <= 0 || compressedBytes == 0) return 0;
  const double bytesPerSample = bitsAllocated > 8 ? 2 : 1;
  return static_cast<double>(rows) * columns * 3 * bytesPerSample * frames / static_cast<double>(compressedBytes);
}

uint64_t FileBytes(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// A source whose writer did not record its own step gets it inferred from its transfer syntax and sizes, so the
// two lists stay aligned; when they cannot be aligned the ratio is left out.
void PutLossyHistory(DcmItem& d, const VideoInstanceReader::Impl& src, const VideoPixelDescription& p,
                     const std::string& bitstreamPath, const VideoTransferSyntax& ts,
                     const std::string& requestedMethod, double requestedRatio) {
  DcmDataset& s = *src.file->getDataset();
  std::vector<std::string> methods = GetStrings(s, DCM_LossyImageCompressionMethod);
  std::vector<std::string> ratios = GetStrings(s, DCM_LossyImageCompressionRatio);
  const InstanceHeader& sh = src.header;
  if (const VideoTransferSyntax* sourceTs = FindVideoTransferSyntax(sh.transferSyntaxUid);
      sourceTs != nullptr && methods.empty()) {
    methods.push_back(sourceTs->lossyCompressionMethod);
    const double r = CompressionRatio(sh.rows, sh.columns, sh.numberOfFrames, sh.bitsAllocated, EncapsulatedBytes(src));
    if (ratios.empty() && r > 0) ratios.push_back(FormatDS(r));
  }
  methods.push_back(MethodFor(ts, requestedMethod));
  const double ratio = requestedRatio > 0 ? requestedRatio
                                          : CompressionRatio(p.rows, p.columns, p.numberOfFrames, p.bitsAllocated,
                                                             FileBytes(bitstreamPath));
  if (ratio > 0) ratios.push_back(FormatDS(ratio));

  PutString(d, DCM_LossyImageCompression, "01");
  PutString(d, DCM_LossyImageCompressionMethod, JoinValues(methods));
  if (ratios.size() == methods.size()) PutString(d, DCM_LossyImageCompressionRatio, JoinValues(ratios));
}

void SwitchToUtf8(DcmItem& d) {
  const std::string charset = GetString(d, DCM_SpecificCharacterSet);
  if (charset.empty())
    PutString(d, DCM_SpecificCharacterSet, "ISO_IR 192");
  else if (charset != "ISO_IR 192")
    Check(d.convertToUTF8(), "cannot convert the copied attributes from '" + charset + "' to UTF-8");
}

void AddSourceImageReference(DcmItem& d, const InstanceHeader& sh) {
  DcmItem& reference = AppendItem(d, DCM_SourceImageSequence);
  PutString(reference, DCM_ReferencedSOPClassUID, sh.sopClassUid);
  PutString(reference, DCM_ReferencedSOPInstanceUID, sh.sopInstanceUid);
  const bool sourceLossy = sh.lossyImageCompression == "01" || FindVideoTransferSyntax(sh.transferSyntaxUid) ||
                           DcmXfer(sh.transferSyntaxUid.c_str()).isLossy();
  if (sourceLossy)
    AddCodeItem(reference, DCM_PurposeOfReferenceCodeSequence, "121330", "DCM", "Lossy compressed predecessor");
  else
    AddCodeItem(reference, DCM_PurposeOfReferenceCodeSequence, "121320", "DCM", "Uncompressed predecessor");
}

}  // namespace va::dicom::detail
