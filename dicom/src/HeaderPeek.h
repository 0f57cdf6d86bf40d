// The parse behind PeekHeader, shared with LocateBitstreamInBuffer (private to the dicom/ library).
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "va/dicom/VideoInstance.h"

namespace va::dicom::detail {

struct PeekedInstance {
  InstanceHeader header;  // pixelDataEncapsulated not set
  // Offset in the buffer at which DCMTK stopped: just after the header of the first top-level element at or after
  // (7FE0,0010), or the end of the data set.
  uint64_t stopOffset = 0;
  E_TransferSyntax xfer = EXS_Unknown;  // the encoding of the data set
};

// Parses the meta header and the data set up to (excluding) Pixel Data, as PeekHeader documents; messages start
// with `caller`. Throws DicomError.
PeekedInstance PeekUntilPixelData(const void* data, size_t size, const std::string& caller);

}  // namespace va::dicom::detail
