// VideoInstanceReader: header from a file on disk, and the encapsulated bitstream streamed out fragment by fragment.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfcache.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "DcmtkSupport.h"
#include "ReaderImpl.h"

namespace va::dicom {
namespace {

// Values above this stay on disk until asked for: the fragments, and nothing a header needs.
constexpr Uint32 kLazyThreshold = 4096;
// Bitstream copy granularity: bounded memory whatever the fragment size.
constexpr Uint32 kChunk = 1u << 20;

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

std::string Quoted(const std::string& path) {
  return "'" + path + "'";
}

std::string XferText(E_TransferSyntax xfer) {
  const DcmXfer x(xfer);
  return std::string(x.getXferID()) + " (" + x.getXferName() + ")";
}

bool PixelDataIsEncapsulated(DcmDataset& ds) {
  DcmElement* element = nullptr;
  if (ds.findAndGetElement(DCM_PixelData, element).bad() || element == nullptr || element->ident() != EVR_PixelData)
    return false;
  E_TransferSyntax rep = EXS_Unknown;
  const DcmRepresentationParameter* param = nullptr;
  static_cast<DcmPixelData*>(element)->getOriginalRepresentationKey(rep, param);
  return DcmXfer(rep).isEncapsulated();
}

// The fragment sequence, or a DicomError that says what is wrong with it.
DcmPixelSequence& Fragments(VideoInstanceReader::Impl& im) {
  if (!im.pixelDataProblem.empty()) throw DicomError(im.pixelDataProblem);
  DcmElement* element = nullptr;
  if (im.file->getDataset()->findAndGetElement(DCM_PixelData, element).bad() || element == nullptr)
    throw DicomError(Quoted(im.path) + " has no Pixel Data (7FE0,0010): there is no bitstream to extract");
  if (element->ident() != EVR_PixelData)
    throw DicomError("Pixel Data of " + Quoted(im.path) + " was not parsed as pixel data");
  auto& pixelData = *static_cast<DcmPixelData*>(element);
  E_TransferSyntax rep = EXS_Unknown;
  const DcmRepresentationParameter* param = nullptr;
  pixelData.getOriginalRepresentationKey(rep, param);
  if (!DcmXfer(rep).isEncapsulated())
    throw DicomError("Pixel Data of " + Quoted(im.path) + " is native (uncompressed frames, transfer syntax " +
                     im.header.transferSyntaxUid +
                     "), not an encapsulated video bitstream: there is no bitstream to extract");
  DcmPixelSequence* sequence = nullptr;
  if (pixelData.getEncapsulatedRepresentation(rep, param, sequence).bad() || sequence == nullptr)
    throw DicomError("Pixel Data of " + Quoted(im.path) + " has no fragment sequence although transfer syntax " +
                     XferText(rep) + " is encapsulated");
  if (sequence->card() == 0)
    throw DicomError("encapsulated Pixel Data of " + Quoted(im.path) +
                     " has no items at all, not even the Basic Offset Table");
  if (sequence->card() == 1)
    throw DicomError("encapsulated Pixel Data of " + Quoted(im.path) +
                     " has zero fragments (only the Basic Offset Table item)");
  return *sequence;
}

uint64_t CopyFragments(VideoInstanceReader::Impl& im, DcmPixelSequence& sequence, std::FILE* out,
                       const std::string& outPath) {
  std::vector<unsigned char> buffer(kChunk);
  uint64_t total = 0;
  for (unsigned long i = 1; i < sequence.card(); ++i) {  // item 0 is the Basic Offset Table
    DcmPixelItem* item = nullptr;
    if (sequence.getItem(item, i).bad() || item == nullptr)
      throw DicomError("cannot access fragment " + std::to_string(i) + " of " + Quoted(im.path));
    const Uint32 length = item->getLength();
    DcmFileCache cache;  // keeps the source file open across the chunks of one fragment
    for (Uint32 offset = 0; offset < length;) {
      const Uint32 n = std::min(kChunk, length - offset);
      const OFCondition cond = item->getPartialValue(buffer.data(), offset, n, &cache);
      if (cond.bad())
        throw DicomError("cannot read fragment " + std::to_string(i) + " of " + Quoted(im.path) + " at offset " +
                         std::to_string(offset) + " (" + cond.text() + "); was the file changed or truncated?");
      if (std::fwrite(buffer.data(), 1, n, out) != n)
        throw DicomError("cannot write " + Quoted(outPath) + ": " + std::strerror(errno));
      offset += n;
    }
    total += length;
  }
  return total;
}

}  // namespace

VideoInstanceReader::VideoInstanceReader(const std::string& path) : impl_(std::make_unique<Impl>()) {
  detail::EnsureDictionary();
  impl_->path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw DicomError("cannot open " + Quoted(path) + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw DicomError(Quoted(path) + " is not a regular file");

  auto file = std::make_unique<DcmFileFormat>();
  const OFCondition cond = file->loadFile(OFFilename(path.c_str()), EXS_Unknown, EGL_noChange, kLazyThreshold);
  if (cond.bad()) {
    // Keep the header when only Pixel Data (or what follows it) is broken, typically a truncated file.
    auto headerOnly = std::make_unique<DcmFileFormat>();
    const OFCondition headerCond = headerOnly->loadFileUntilTag(OFFilename(path.c_str()), EXS_Unknown, EGL_noChange,
                                                                kLazyThreshold, ERM_autoDetect, DCM_PixelData);
    if (headerCond.bad())
      throw DicomError(Quoted(path) + " is not a readable DICOM file, or is truncated (" + cond.text() + ")");
    file = std::move(headerOnly);
    impl_->pixelDataProblem = "Pixel Data of " + Quoted(path) +
                              " is truncated or corrupt: a fragment declares more bytes than remain in the file (" +
                              std::to_string(st.st_size) + " bytes); DCMTK: " + cond.text();
  }
  impl_->file = std::move(file);
  impl_->header = detail::HeaderFromFile(*impl_->file);
  if (impl_->file->getMetaInfo()->card() == 0 && impl_->header.sopClassUid.empty())
    throw DicomError(Quoted(path) + " is not a DICOM file (no meta header and no SOP Class UID)");
  impl_->header.pixelDataEncapsulated = impl_->pixelDataProblem.empty()
                                            ? PixelDataIsEncapsulated(*impl_->file->getDataset())
                                            : DcmXfer(impl_->header.transferSyntaxUid.c_str()).isEncapsulated();
}

VideoInstanceReader::~VideoInstanceReader() = default;

const InstanceHeader& VideoInstanceReader::header() const {
  return impl_->header;
}

uint64_t VideoInstanceReader::ExtractBitstream(const std::string& outPath) const {
  DcmPixelSequence& sequence = Fragments(*impl_);
  FilePtr out(std::fopen(outPath.c_str(), "wbe"));
  if (!out) throw DicomError("cannot create " + Quoted(outPath) + ": " + std::strerror(errno));
  try {
    const uint64_t total = CopyFragments(*impl_, sequence, out.get(), outPath);
    if (std::fclose(out.release()) != 0)
      throw DicomError("cannot write " + Quoted(outPath) + ": " + std::strerror(errno));
    return total;
  } catch (...) {
    out.reset();
    std::remove(outPath.c_str());  // never leave a partial bitstream behind
    throw;
  }
}

}  // namespace va::dicom
