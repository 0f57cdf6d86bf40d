// Where the encapsulated video bitstream of a DICOM instance lies, so that it can be served in place (HTTP Range
// answered with pread on the file, FFmpeg reading the MP4 inside the fragments) without copying it out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "va/dicom/DicomError.h"
#include "va/dicom/VideoInstance.h"

namespace va::dicom {

// One fragment (item) of encapsulated Pixel Data.
struct BitstreamFragment {
  uint64_t fileOffset = 0;  // offset of the fragment's value bytes (after its 8-byte item header) in the file/buffer
  uint64_t length = 0;      // value bytes; the last fragment of an odd-length stream ends with its 0x00 pad byte
};

struct BitstreamLocation {
  InstanceHeader header;          // as VideoInstanceReader / PeekHeader give it (pixelDataEncapsulated is true)
  std::string transferSyntaxUid;  // the syntax the data set is encoded in: the meta header's, or the detected one
  // The fragments of the top-level Pixel Data in stream order, Basic Offset Table excluded. Their values, concatenated,
  // are exactly what VideoInstanceReader::ExtractBitstream writes.
  std::vector<BitstreamFragment> fragments;
  uint64_t totalLength = 0;  // sum of the fragment lengths
};

// Locates the top-level encapsulated Pixel Data (7FE0,0010) of a DICOM Part-10 file without reading any fragment
// value: only the header (up to Pixel Data) and the 8-byte item headers are read, so a file of several GiB locates
// in milliseconds. Every item length is checked against the file size. Throws DicomError, saying what is wrong,
// when the file is not DICOM, has no or native Pixel Data, is truncated inside the fragment sequence, has a broken
// item, or is encoded in a syntax whose layout is not located (big endian, deflated).
BitstreamLocation LocateBitstream(const std::string& path);

// The same for an instance held in memory (fileOffset is then an offset into data). Accepts what PeekHeader
// accepts (a meta header without preamble, a bare data set). Never reads outside [data, data + size), whatever the
// bytes; data must stay alive only during the call.
BitstreamLocation LocateBitstreamInBuffer(const void* data, size_t size);

}  // namespace va::dicom
