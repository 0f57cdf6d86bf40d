// libFuzzer target: PeekHeader on arbitrary bytes must return or throw DicomError, never crash, leak or allocate
// without bound. Seeds in tests/fuzz/corpus/dicom/ (small instances written by the dicom/ library itself: H.264
// and fragmented HEVC with a 64-byte stand-in bitstream, a native implicit-VR multi-frame, a data set without meta
// header, an explicit big-endian one).
#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>

#include <cstddef>
#include <cstdint>

#include "va/dicom/VideoInstance.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // DCMTK reports every malformed element on stderr; that would drown libFuzzer's own output.
  OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const va::dicom::InstanceHeader header = va::dicom::PeekHeader(data, size);
    // Touch the strings so a bad one would be noticed by the sanitizers.
    volatile size_t total = header.patientName.size() + header.sopClassUid.size() + header.transferSyntaxUid.size();
    (void)total;
  } catch (const va::dicom::DicomError&) {
  }
  return 0;
}
