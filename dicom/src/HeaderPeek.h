// The parse behind PeekHeader and LocateBitstream (private to the dicom/ library).
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cstdint>
#include <limits>
#include <string>

#include "EncapsulatedLayout.h"
#include "va/dicom/VideoInstance.h"

namespace va::dicom::detail {

struct PeekedInstance {
  InstanceHeader header;  // pixelDataEncapsulated not set
  // Offset in bytes at which DCMTK stopped: just after the header of the first top-level element at or after
  // (7FE0,0010), or the end of the data set.
  uint64_t stopOffset = 0;
  E_TransferSyntax xfer = EXS_Unknown;  // the encoding of the data set
};

// Parses the meta header and the data set up to (excluding) Pixel Data, as PeekHeader documents, reading only what
// DCMTK parses (values above 64 KiB are skipped) and at most readLimit bytes in all. Messages start with `name`
// ("the buffer", "'/path/x.dcm'"...). Throws DicomError, or what bytes throws (unchanged).
PeekedInstance PeekUntilPixelData(const ByteReader& bytes, const std::string& name,
                                  uint64_t readLimit = std::numeric_limits<uint64_t>::max());

}  // namespace va::dicom::detail
