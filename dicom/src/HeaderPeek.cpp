// PeekHeader: the header of an instance held in memory, parsed up to Pixel Data and never further (the same parse
// serves LocateBitstreamInBuffer).
#include "HeaderPeek.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cstring>

#include "DcmtkStreams.h"
#include "DcmtkSupport.h"
#include "EncapsulatedLayout.h"

namespace va::dicom {
namespace {

// Values above this stay in the caller's buffer (skipped, loaded only if asked for); header strings are far smaller.
constexpr Uint32 kPeekMaxReadLength = 64 * 1024;

// Deflated data sets are refused before the data set is touched (see the header comment of PeekHeader).
void RefuseCompressedStream(const unsigned char* bytes, size_t size, size_t prefix, const std::string& caller) {
  detail::MemoryInputStream stream(bytes, size, prefix);
  DcmMetaInfo meta;
  meta.transferInit();
  const OFCondition cond = meta.read(stream, EXS_Unknown, EGL_noChange, kPeekMaxReadLength);
  meta.transferEnd();
  if (cond.bad()) return;  // the full parse reports it
  const std::string ts = detail::GetString(meta, DCM_TransferSyntaxUID);
  if (!ts.empty() && DcmXfer(ts.c_str()).getStreamCompression() != ESC_none)
    throw DicomError(caller + ": deflated transfer syntax " + ts + " is not accepted");
}

}  // namespace

namespace detail {

PeekedInstance PeekUntilPixelData(const void* data, size_t size, const std::string& caller) {
  EnsureDictionary();
  if (data == nullptr || size == 0) throw DicomError(caller + ": empty buffer");
  const auto* bytes = static_cast<const unsigned char*>(data);
  // DCMTK finds "DICM" only after a 128-byte preamble; a buffer that starts with it gets a virtual one.
  const bool dicmAt0 = size >= 4 && std::memcmp(bytes, "DICM", 4) == 0;
  const bool dicmAt128 = size >= 132 && std::memcmp(bytes + 128, "DICM", 4) == 0;
  const size_t prefix = dicmAt0 && !dicmAt128 ? 128 : 0;
  RefuseCompressedStream(bytes, size, prefix, caller);

  MemoryInputStream stream(bytes, size, prefix);
  DcmFileFormat file;
  file.transferInit();
  const OFCondition cond = file.readUntilTag(stream, EXS_Unknown, EGL_noChange, kPeekMaxReadLength, DCM_PixelData);
  file.transferEnd();
  if (cond.bad()) throw DicomError(caller + ": not a readable DICOM instance (" + cond.text() + ")");

  // Values left unloaded are read from `bytes` here, while the caller's buffer is still alive.
  PeekedInstance peeked;
  peeked.header = HeaderFromFile(file);
  const bool hasMeta = file.getMetaInfo()->card() > 0;
  if (!hasMeta && peeked.header.sopClassUid.empty())
    throw DicomError(caller + ": no DICOM meta header and no SOP Class UID: this is not a DICOM instance");
  const auto end = static_cast<uint64_t>(stream.tell());
  peeked.stopOffset = end >= prefix ? end - prefix : 0;
  peeked.xfer = file.getDataset()->getOriginalXfer();
  return peeked;
}

}  // namespace detail

InstanceHeader PeekHeader(const void* data, size_t size) {
  detail::PeekedInstance peeked = detail::PeekUntilPixelData(data, size, "PeekHeader");
  // Encapsulated Pixel Data is (7FE0,0010) with undefined length (0xFFFFFFFF) and, in explicit VR, OB, OW or UN.
  const detail::BufferReader reader(static_cast<const unsigned char*>(data), size);
  const auto pixelData = detail::FindPixelDataHeader(reader, peeked.stopOffset, peeked.xfer);
  peeked.header.pixelDataEncapsulated =
      pixelData && pixelData->length == 0xFFFFFFFFu &&
      (pixelData->vr.empty() || pixelData->vr == "OB" || pixelData->vr == "OW" || pixelData->vr == "UN");
  return peeked.header;
}

}  // namespace va::dicom
