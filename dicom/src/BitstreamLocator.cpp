// LocateBitstream: the file offsets of the fragments of encapsulated Pixel Data, for serving the bitstream in place.
//
// DCMTK does not expose where a value lies in the file. So DCMTK parses the meta header and the data set up to the
// top-level Pixel Data (readUntilTag stops there, at the top level only: a Pixel Data nested in an Icon Image
// Sequence is parsed as part of its item), and the stream position then tells where it stopped. That position is
// only trusted after the bytes there are verified to be the Pixel Data header (tag, VR, undefined length); the items
// are then walked with their 32-bit lengths, each checked against the size. Neither DCMTK nor the walk reads a
// fragment value, so the cost does not depend on the size of the bitstream.
//
// A file, a buffer and a caller's RandomReader are one implementation over a ByteReader: DCMTK reads through a
// ReaderInputStream (blocks from 4 KiB, doubling; values above 64 KiB skipped, not read), at most kMaxHeaderRead
// bytes, then the walk reads 8 bytes per item. A typical video costs one 4 KiB read and a few item headers.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cctype>

#include "EncapsulatedLayout.h"
#include "HeaderPeek.h"
#include "va/dicom/BitstreamLocation.h"

namespace va::dicom {
namespace {

// What DCMTK may read before Pixel Data (values it skips do not count): far above any real header, icons and private
// attributes included, and far below a multi-GiB object read whole because it holds no Pixel Data.
constexpr uint64_t kMaxHeaderRead = 64ull * 1024 * 1024;

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

// The one implementation: every entry point is a ByteReader. The cache keeps the last block DCMTK read, in which
// the Pixel Data header and the first item headers usually lie.
BitstreamLocation Locate(const detail::ByteReader& source, const std::string& name) {
  const detail::CachingReader bytes(source);
  detail::PeekedInstance peeked = detail::PeekUntilPixelData(bytes, name, kMaxHeaderRead);
  return LocateAfterHeader(bytes, std::move(peeked.header), peeked.stopOffset, peeked.xfer, name);
}

}  // namespace

BitstreamLocation LocateBitstream(const std::string& path) {
  const detail::FileReader bytes(path);  // says why when the path is missing or not a file
  return Locate(bytes, "'" + path + "'");
}

BitstreamLocation LocateBitstream(const RandomReader& reader, uint64_t size, const std::string& name) {
  const std::string quoted = "'" + name + "'";
  if (!reader) throw DicomError("LocateBitstream: no reader given for " + quoted);
  const detail::CallbackReader bytes(reader, size, quoted);
  return Locate(bytes, quoted);
}

BitstreamLocation LocateBitstreamInBuffer(const void* data, size_t size) {
  if (data == nullptr || size == 0) throw DicomError("LocateBitstreamInBuffer: empty buffer");
  const detail::BufferReader bytes(static_cast<const unsigned char*>(data), size);
  return Locate(bytes, "the buffer");
}

}  // namespace va::dicom
