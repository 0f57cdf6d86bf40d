// Random-access bytes that FFmpeg can read without the whole object in memory or in one file: an encapsulated
// bitstream spread over the fragments of a DICOM file, a byte range of an object in a storage tier, a buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "va/codec/CodecError.h"

namespace va::codec {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t Size() const = 0;
  // Copies up to length bytes from offset into buffer; returns how many (0 only at or past the end).
  // Throws CodecError when the bytes cannot be read (I/O error, object gone).
  virtual size_t ReadAt(uint64_t offset, uint8_t* buffer, size_t length) const = 0;
  // For error messages: a path, an instance ID, "<memory>".
  virtual std::string Name() const = 0;
};

// One contiguous piece of a file.
struct FileSpan {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// The bytes of spans of one file, read in order as if they were one object (pread; safe from several threads).
// Throws CodecError when the file cannot be opened or is shorter than the last span.
std::shared_ptr<ByteSource> OpenFileSpans(const std::string& path, std::vector<FileSpan> spans);
// The whole file.
std::shared_ptr<ByteSource> OpenWholeFile(const std::string& path);
// A buffer the caller keeps alive for as long as the source is used.
std::shared_ptr<ByteSource> WrapMemory(const uint8_t* data, size_t size, std::string name = "<memory>");

}  // namespace va::codec
