// The byte layout of Pixel Data, read from the bytes themselves (private to the dicom/ library). DCMTK parses the
// data set but never says where a value lies in the file, which is what serving a bitstream in place needs.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "va/dicom/BitstreamLocation.h"

namespace va::dicom::detail {

// Random access to the bytes of a buffer, a file or a caller's reader.
class ByteReader {
 public:
  virtual ~ByteReader() = default;
  virtual uint64_t Size() const = 0;
  // Copies [offset, offset + n) into out; false, reading nothing, when the range is not wholly inside.
  virtual bool ReadAt(uint64_t offset, unsigned char* out, size_t n) const = 0;
};

// A caller-owned buffer.
class BufferReader final : public ByteReader {
 public:
  BufferReader(const unsigned char* data, size_t size) : data_(data), size_(size) {}
  uint64_t Size() const override { return size_; }
  bool ReadAt(uint64_t offset, unsigned char* out, size_t n) const override;

 private:
  const unsigned char* data_;
  size_t size_;
};

// A regular file, read with pread (its size is taken once, when it is opened).
class FileReader final : public ByteReader {
 public:
  explicit FileReader(const std::string& path);  // throws DicomError
  ~FileReader() override;
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;
  uint64_t Size() const override { return size_; }
  // Also false when the file shrank since it was opened; throws DicomError on an I/O error.
  bool ReadAt(uint64_t offset, unsigned char* out, size_t n) const override;

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// A caller's RandomReader over an object of a known size. ReadAt loops over short reads; a reader that returns
// nothing before the end of the object, or more than asked for, gets a DicomError naming `name`. Exceptions of the
// reader itself propagate unchanged.
class CallbackReader final : public ByteReader {
 public:
  CallbackReader(const RandomReader& reader, uint64_t size, std::string name)
      : reader_(reader), size_(size), name_(std::move(name)) {}
  uint64_t Size() const override { return size_; }
  bool ReadAt(uint64_t offset, unsigned char* out, size_t n) const override;

 private:
  const RandomReader& reader_;
  uint64_t size_;
  std::string name_;
};

// Keeps a copy of the last large read (a block of the DCMTK parse), so that the small reads which follow inside it
// (the Pixel Data header, the first item headers; the meta header, parsed twice) cost no second read. Not
// thread-safe, like every reader of one parse.
class CachingReader final : public ByteReader {
 public:
  explicit CachingReader(const ByteReader& bytes) : bytes_(bytes) {}
  uint64_t Size() const override { return bytes_.Size(); }
  bool ReadAt(uint64_t offset, unsigned char* out, size_t n) const override;

 private:
  const ByteReader& bytes_;
  mutable std::vector<unsigned char> block_;
  mutable uint64_t blockStart_ = 0;
};

// A data element header as the bytes hold it.
struct ElementHeader {
  uint64_t offset = 0;       // of its tag
  uint32_t headerBytes = 0;  // 8, or 12 for an explicit VR with a 32-bit length (OB, OW, UN...)
  std::string vr;            // "" in implicit VR
  uint32_t length = 0;       // 0xFFFFFFFF = undefined (encapsulated Pixel Data)
};

// The header of the top-level Pixel Data (7FE0,0010), given the stream position at which DCMTK's
// readUntilTag(DCM_PixelData) stopped and the encoding of the data set; nullopt when the bytes hold none there.
std::optional<ElementHeader> FindPixelDataHeader(const ByteReader& bytes, uint64_t stopOffset, E_TransferSyntax xfer);

// The fragments of encapsulated Pixel Data (little endian) whose first item header is at firstItem: items
// (FFFE,E000) up to the Sequence Delimitation Item (FFFE,E0DD), the first one (the Basic Offset Table) left out.
// Every length is checked against the size of bytes; any inconsistency throws DicomError naming `name`.
std::vector<BitstreamFragment> WalkFragments(const ByteReader& bytes, uint64_t firstItem, const std::string& name);

}  // namespace va::dicom::detail
