// Where the encapsulated video bitstream of a DICOM instance lies, so that it can be served in place (HTTP Range
// answered with pread on the file, FFmpeg reading the MP4 inside the fragments) without copying it out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
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

// Reads up to length bytes at offset into buffer; returns how many (0 only at or past the end). May throw.
using RandomReader = std::function<size_t(uint64_t offset, uint8_t* buffer, size_t length)>;

// The same as LocateBitstream(path) for an object read through reader (size bytes in all; fileOffset is then an
// offset into the object); name is for errors. Reads the header (DCMTK parsing up to Pixel Data, values above
// 64 KiB skipped; at most 64 MiB, DicomError beyond) and the 8-byte item headers only, never outside [0, size):
// a few KiB for a typical video, in a handful of reader calls (blocks of 4 KiB, doubling, for the header). Short
// reads are fine; a reader that returns 0 before size, or more than length, gets a DicomError. An exception the
// reader throws propagates unchanged (a storage error stays a storage error). reader is called on this thread only,
// during the call.
BitstreamLocation LocateBitstream(const RandomReader& reader, uint64_t size, const std::string& name);

// The same for an instance held in memory (fileOffset is then an offset into data). Accepts what PeekHeader
// accepts (a meta header without preamble, a bare data set). Never reads outside [data, data + size), whatever the
// bytes; data must stay alive only during the call.
BitstreamLocation LocateBitstreamInBuffer(const void* data, size_t size);

}  // namespace va::dicom
