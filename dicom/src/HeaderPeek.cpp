// PeekHeader: the header of an instance, parsed up to Pixel Data and never further (the same parse serves
// LocateBitstream, whatever the bytes are read from).
#include "HeaderPeek.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "DcmtkStreams.h"
#include "DcmtkSupport.h"

namespace va::dicom {
namespace {

// Values above this are skipped (read only if asked for); header strings are far smaller.
constexpr Uint32 kPeekMaxReadLength = 64 * 1024;

// Deflated data sets are refused before the data set is touched (see the header comment of PeekHeader): DCMTK
// would inflate whatever follows the meta header.
void RefuseCompressedStream(detail::ReaderStreamSource& source, const std::string& name) {
  detail::ReaderInputStream stream(source);
  DcmMetaInfo meta;
  meta.transferInit();
  const OFCondition cond = meta.read(stream, EXS_Unknown, EGL_noChange, kPeekMaxReadLength);
  meta.transferEnd();
  source.RethrowIfFailed();
  if (cond.bad()) return;  // the full parse reports it
  const std::string ts = detail::GetString(meta, DCM_TransferSyntaxUID);
  source.RethrowIfFailed();
  if (!ts.empty() && DcmXfer(ts.c_str()).getStreamCompression() != ESC_none)
    throw DicomError(name + " is deflated (transfer syntax " + ts +
                     "): deflated data sets are not parsed (no video is deflated, and inflating could allocate "
                     "without bound)");
}

}  // namespace

namespace detail {

PeekedInstance PeekUntilPixelData(const ByteReader& bytes, const std::string& name, uint64_t readLimit) {
  EnsureDictionary();
  const uint64_t size = bytes.Size();
  if (size == 0) throw DicomError(name + " is empty: not a DICOM instance");
  // DCMTK finds "DICM" only after a 128-byte preamble; bytes that start with it get a virtual one. The first block
  // DCMTK reads is read here (a caching reader keeps it).
  std::vector<unsigned char> head(static_cast<size_t>(std::min<uint64_t>(size, 4096)));
  if (!bytes.ReadAt(0, head.data(), head.size()))
    throw DicomError("cannot read the first " + std::to_string(head.size()) + " bytes of " + name);
  const bool dicmAt0 = head.size() >= 4 && std::memcmp(head.data(), "DICM", 4) == 0;
  const bool dicmAt128 = head.size() >= 132 && std::memcmp(head.data() + 128, "DICM", 4) == 0;
  const size_t prefix = dicmAt0 && !dicmAt128 ? 128 : 0;

  ReaderStreamSource source(bytes, prefix, readLimit, name);
  RefuseCompressedStream(source, name);
  ReaderInputStream stream(source);
  DcmFileFormat file;  // after source and stream: values left unloaded are read through them
  file.transferInit();
  const OFCondition cond = file.readUntilTag(stream, EXS_Unknown, EGL_noChange, kPeekMaxReadLength, DCM_PixelData);
  file.transferEnd();
  source.RethrowIfFailed();
  if (cond.bad()) throw DicomError(name + " is not a readable DICOM instance, or is truncated (" + cond.text() + ")");

  PeekedInstance peeked;
  peeked.header = HeaderFromFile(file);  // may read values left unloaded
  source.RethrowIfFailed();
  const bool hasMeta = file.getMetaInfo()->card() > 0;
  if (!hasMeta && peeked.header.sopClassUid.empty())
    throw DicomError(name + " has no DICOM meta header and no SOP Class UID: it is not a DICOM instance");
  const auto end = static_cast<uint64_t>(stream.tell());
  peeked.stopOffset = end >= prefix ? end - prefix : 0;
  peeked.xfer = file.getDataset()->getOriginalXfer();
  return peeked;
}

}  // namespace detail

InstanceHeader PeekHeader(const void* data, size_t size) {
  if (data == nullptr || size == 0) throw DicomError("PeekHeader: empty buffer");
  const detail::BufferReader reader(static_cast<const unsigned char*>(data), size);
  detail::PeekedInstance peeked = detail::PeekUntilPixelData(reader, "PeekHeader: the buffer");
  // Encapsulated Pixel Data is (7FE0,0010) with undefined length (0xFFFFFFFF) and, in explicit VR, OB, OW or UN.
  const auto pixelData = detail::FindPixelDataHeader(reader, peeked.stopOffset, peeked.xfer);
  peeked.header.pixelDataEncapsulated =
      pixelData && pixelData->length == 0xFFFFFFFFu &&
      (pixelData->vr.empty() || pixelData->vr == "OB" || pixelData->vr == "OW" || pixelData->vr == "UN");
  return peeked.header;
}

}  // namespace va::dicom
