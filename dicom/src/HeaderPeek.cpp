// PeekHeader: the header of an instance held in memory, parsed up to Pixel Data and never further.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cstring>

#include "DcmtkStreams.h"
#include "DcmtkSupport.h"

namespace va::dicom {
namespace {

// Values above this stay in the caller's buffer (skipped, loaded only if asked for); header strings are far smaller.
constexpr Uint32 kPeekMaxReadLength = 64 * 1024;

uint32_t Read16(const unsigned char* p, bool little) {
  return little ? (p[0] | (p[1] << 8)) : ((p[0] << 8) | p[1]);
}

uint32_t Read32(const unsigned char* p, bool little) {
  return little ? (p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24))
                : ((static_cast<uint32_t>(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3]);
}

// DCMTK stops right after the tag and length of the first element >= (7FE0,0010) without reading its value, and
// does not put them back. Look at that element header ourselves: encapsulated Pixel Data is (7FE0,0010) with
// undefined length (0xFFFFFFFF), and its header is 12 bytes (explicit VR OB/OW/UN) or 8 bytes (implicit VR).
bool EncapsulatedPixelDataBefore(const unsigned char* data, size_t size, size_t end, E_TransferSyntax xfer) {
  const DcmXfer x(xfer);
  const bool little = x.getByteOrder() != EBO_BigEndian;
  const size_t headerSize = x.isImplicitVR() ? 8 : 12;
  if (end > size || end < headerSize) return false;
  const unsigned char* p = data + end - headerSize;
  if (Read16(p, little) != 0x7FE0 || Read16(p + 2, little) != 0x0010) return false;
  if (x.isImplicitVR()) return Read32(p + 4, little) == 0xFFFFFFFFu;
  const bool longForm = (p[4] == 'O' && (p[5] == 'B' || p[5] == 'W')) || (p[4] == 'U' && p[5] == 'N');
  return longForm && Read32(p + 8, little) == 0xFFFFFFFFu;
}

// Deflated data sets are refused before the data set is touched (see the header comment of PeekHeader).
void RefuseCompressedStream(const unsigned char* bytes, size_t size, size_t prefix) {
  detail::MemoryInputStream stream(bytes, size, prefix);
  DcmMetaInfo meta;
  meta.transferInit();
  const OFCondition cond = meta.read(stream, EXS_Unknown, EGL_noChange, kPeekMaxReadLength);
  meta.transferEnd();
  if (cond.bad()) return;  // the full parse reports it
  const std::string ts = detail::GetString(meta, DCM_TransferSyntaxUID);
  if (!ts.empty() && DcmXfer(ts.c_str()).getStreamCompression() != ESC_none)
    throw DicomError("PeekHeader: deflated transfer syntax " + ts + " is not accepted");
}

}  // namespace

InstanceHeader PeekHeader(const void* data, size_t size) {
  detail::EnsureDictionary();
  if (data == nullptr || size == 0) throw DicomError("PeekHeader: empty buffer");
  const auto* bytes = static_cast<const unsigned char*>(data);
  // DCMTK finds "DICM" only after a 128-byte preamble; a buffer that starts with it gets a virtual one.
  const bool dicmAt0 = size >= 4 && std::memcmp(bytes, "DICM", 4) == 0;
  const bool dicmAt128 = size >= 132 && std::memcmp(bytes + 128, "DICM", 4) == 0;
  const size_t prefix = dicmAt0 && !dicmAt128 ? 128 : 0;
  RefuseCompressedStream(bytes, size, prefix);

  detail::MemoryInputStream stream(bytes, size, prefix);
  DcmFileFormat file;
  file.transferInit();
  const OFCondition cond = file.readUntilTag(stream, EXS_Unknown, EGL_noChange, kPeekMaxReadLength, DCM_PixelData);
  file.transferEnd();
  if (cond.bad()) throw DicomError(std::string("PeekHeader: not a readable DICOM instance (") + cond.text() + ")");

  // Values left unloaded are read from `bytes` here, while the caller's buffer is still alive.
  InstanceHeader header = detail::HeaderFromFile(file);
  const bool hasMeta = file.getMetaInfo()->card() > 0;
  if (!hasMeta && header.sopClassUid.empty())
    throw DicomError("PeekHeader: no DICOM meta header and no SOP Class UID: this is not a DICOM instance");
  const auto end = static_cast<size_t>(stream.tell());
  header.pixelDataEncapsulated =
      end >= prefix && EncapsulatedPixelDataBefore(bytes, size, end - prefix, file.getDataset()->getOriginalXfer());
  return header;
}

}  // namespace va::dicom
