// LocateBitstream: the file offsets of the fragments of encapsulated Pixel Data, for serving the bitstream in place.
//
// DCMTK does not expose where a value lies in the file. So DCMTK parses the meta header and the data set up to the
// top-level Pixel Data (readUntilTag stops there, at the top level only: a Pixel Data nested in an Icon Image
// Sequence is parsed as part of its item), and the stream position then tells where it stopped. That position is
// only trusted after the bytes there are verified to be the Pixel Data header (tag, VR, undefined length); the items
// are then walked with their 32-bit lengths, each checked against the size. Neither DCMTK nor the walk reads a
// fragment value, so the cost does not depend on the size of the bitstream.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcistrmf.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cctype>

#include "DcmtkSupport.h"
#include "EncapsulatedLayout.h"
#include "HeaderPeek.h"
#include "va/dicom/BitstreamLocation.h"

namespace va::dicom {
namespace {

// Values above this stay in the file (read only if asked for): the header strings are far smaller.
constexpr Uint32 kLazyThreshold = 4096;

std::string Printable(const std::string& s) {
  std::string out;
  for (const char c : s) out += std::isprint(static_cast<unsigned char>(c)) != 0 ? c : '?';
  return out;
}

// Everything after DCMTK's parse: the Pixel Data header at stopOffset, then the fragments.
BitstreamLocation LocateAfterHeader(const detail::ByteReader& bytes, InstanceHeader header, uint64_t stopOffset,
                                    E_TransferSyntax xfer, const std::string& name) {
  const DcmXfer x(xfer);
  // Refused rather than guessed: the position counts inflated bytes, and items would be big endian.
  if (x.getStreamCompression() != ESC_none)
    throw DicomError(name + " is deflated (" + x.getXferID() + "): its bitstream cannot be located in place");
  if (x.getByteOrder() == EBO_BigEndian)
    throw DicomError(name +
                     " is encoded in Explicit VR Big Endian (retired); its bitstream is not located in place. "
                     "Convert it to Explicit VR Little Endian or a video transfer syntax first");

  const auto pixelData = detail::FindPixelDataHeader(bytes, stopOffset, xfer);
  if (!pixelData) throw DicomError(name + " has no Pixel Data (7FE0,0010): there is no bitstream to locate");
  if (pixelData->length != 0xFFFFFFFFu)
    throw DicomError("Pixel Data of " + name + " is native (" + std::to_string(pixelData->length) +
                     " bytes of uncompressed frames, transfer syntax " + header.transferSyntaxUid +
                     "), not an encapsulated video bitstream: there is no bitstream to locate");
  if (!pixelData->vr.empty() && pixelData->vr != "OB" && pixelData->vr != "OW")
    throw DicomError("Pixel Data of " + name + " at offset " + std::to_string(pixelData->offset) + " has VR '" +
                     Printable(pixelData->vr) + "'; encapsulated Pixel Data must be OB");
  if (!x.isEncapsulated())
    throw DicomError("Pixel Data of " + name + " has undefined length (fragments), but transfer syntax " +
                     x.getXferID() + " is not an encapsulated one: the file is inconsistent");

  BitstreamLocation location;
  location.fragments = detail::WalkFragments(bytes, pixelData->offset + pixelData->headerBytes, name);
  for (const BitstreamFragment& f : location.fragments) location.totalLength += f.length;
  header.pixelDataEncapsulated = true;
  location.header = std::move(header);
  location.transferSyntaxUid = x.getXferID();
  return location;
}

}  // namespace

BitstreamLocation LocateBitstream(const std::string& path) {
  detail::EnsureDictionary();
  const std::string name = "'" + path + "'";
  const detail::FileReader bytes(path);  // opened first: says why when the path is missing or not a file

  DcmInputFileStream stream(OFFilename(path.c_str()));
  if (stream.status().bad()) throw DicomError("cannot open " + name + ": " + stream.status().text());
  DcmFileFormat file;
  file.transferInit();
  const OFCondition cond = file.readUntilTag(stream, EXS_Unknown, EGL_noChange, kLazyThreshold, DCM_PixelData);
  file.transferEnd();
  if (cond.bad()) throw DicomError(name + " is not a readable DICOM file, or is truncated (" + cond.text() + ")");
  InstanceHeader header = detail::HeaderFromFile(file);  // may read values left in the file: before it closes
  if (file.getMetaInfo()->card() == 0 && header.sopClassUid.empty())
    throw DicomError(name + " is not a DICOM file (no meta header and no SOP Class UID)");
  return LocateAfterHeader(bytes, std::move(header), static_cast<uint64_t>(stream.tell()),
                           file.getDataset()->getOriginalXfer(), name);
}

BitstreamLocation LocateBitstreamInBuffer(const void* data, size_t size) {
  detail::PeekedInstance peeked = detail::PeekUntilPixelData(data, size, "LocateBitstreamInBuffer");
  const detail::BufferReader bytes(static_cast<const unsigned char*>(data), size);
  return LocateAfterHeader(bytes, std::move(peeked.header), peeked.stopOffset, peeked.xfer, "the buffer");
}

}  // namespace va::dicom
