// libFuzzer target: LocateBitstreamInBuffer on arbitrary bytes must return or throw DicomError, never read outside
// the buffer (AddressSanitizer watches), and what it returns must lie inside the buffer: the plugin serves those
// ranges as they are. LocateBitstream over a RandomReader of the same bytes (short reads) must never ask outside
// them and must give the same answer. Shares the seeds in tests/fuzz/corpus/dicom/ (among them: an Icon Image Sequence
// with its own encapsulated Pixel Data, a non-empty Basic Offset Table, a fragment cut short).
#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "va/dicom/BitstreamLocation.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  OFLog::configure(OFLogger::FATAL_LOG_LEVEL);  // DCMTK would log every malformed element
  return 0;
}

namespace {

void CheckInside(const va::dicom::BitstreamLocation& location, size_t size) {
  uint64_t total = 0, previousEnd = 0;
  for (const va::dicom::BitstreamFragment& f : location.fragments) {
    // In order, apart (an 8-byte item header between two), inside the buffer.
    if (f.fileOffset < previousEnd + 8 || f.fileOffset > size || f.length > size - f.fileOffset) std::abort();
    previousEnd = f.fileOffset + f.length;
    total += f.length;
  }
  if (location.fragments.empty() || total != location.totalLength || !location.header.pixelDataEncapsulated)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::optional<va::dicom::BitstreamLocation> fromBuffer;
  try {
    fromBuffer = va::dicom::LocateBitstreamInBuffer(data, size);
    CheckInside(*fromBuffer, size);
  } catch (const va::dicom::DicomError&) {
  }

  // The reader version over the same bytes, in short reads whose sizes vary with the offset: it must never ask
  // outside [0, size), and must agree with the buffer version.
  const va::dicom::RandomReader reader = [&](uint64_t offset, uint8_t* buffer, size_t length) -> size_t {
    if (length == 0 || offset >= size || length > size - offset) std::abort();
    const size_t n = std::min<size_t>(length, 1 + (offset * 7 + length) % 613);
    std::memcpy(buffer, data + offset, n);
    return n;
  };
  std::optional<va::dicom::BitstreamLocation> fromReader;
  try {
    fromReader = va::dicom::LocateBitstream(reader, size, "fuzz input");
  } catch (const va::dicom::DicomError&) {
  }
  if (fromBuffer.has_value() != fromReader.has_value()) std::abort();
  if (fromBuffer) {
    if (fromBuffer->fragments.size() != fromReader->fragments.size() ||
        fromBuffer->transferSyntaxUid != fromReader->transferSyntaxUid ||
        fromBuffer->header.sopInstanceUid != fromReader->header.sopInstanceUid)
      std::abort();
    for (size_t i = 0; i < fromBuffer->fragments.size(); ++i)
      if (fromBuffer->fragments[i].fileOffset != fromReader->fragments[i].fileOffset ||
          fromBuffer->fragments[i].length != fromReader->fragments[i].length)
        std::abort();
  }
  return 0;
}
