// libFuzzer target: LocateBitstreamInBuffer on arbitrary bytes must return or throw DicomError, never read outside
// the buffer (AddressSanitizer watches), and what it returns must lie inside the buffer: the plugin serves those
// ranges as they are. Shares the seeds in tests/fuzz/corpus/dicom/ (among them: an Icon Image Sequence with its own
// encapsulated Pixel Data, a non-empty Basic Offset Table, a fragment cut short).
#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "va/dicom/BitstreamLocation.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  OFLog::configure(OFLogger::FATAL_LOG_LEVEL);  // DCMTK would log every malformed element
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const va::dicom::BitstreamLocation location = va::dicom::LocateBitstreamInBuffer(data, size);
    uint64_t total = 0, previousEnd = 0;
    for (const va::dicom::BitstreamFragment& f : location.fragments) {
      // In order, apart (an 8-byte item header between two), inside the buffer.
      if (f.fileOffset < previousEnd + 8 || f.fileOffset > size || f.length > size - f.fileOffset) std::abort();
      previousEnd = f.fileOffset + f.length;
      total += f.length;
    }
    if (location.fragments.empty() || total != location.totalLength || !location.header.pixelDataEncapsulated)
      std::abort();
  } catch (const va::dicom::DicomError&) {
  }
  return 0;
}
