#include "EncapsulatedLayout.h"

#include <dcmtk/dcmdata/dcvr.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace va::dicom::detail {
namespace {

constexpr uint32_t kUndefinedLength = 0xFFFFFFFFu;

uint32_t Read16(const unsigned char* p, bool little) {
  return little ? (p[0] | (p[1] << 8)) : ((p[0] << 8) | p[1]);
}

uint32_t Read32(const unsigned char* p, bool little) {
  return little ? (p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24))
                : ((static_cast<uint32_t>(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3]);
}

std::string TagText(uint32_t group, uint32_t element) {
  char text[16];
  std::snprintf(text, sizeof text, "(%04X,%04X)", group & 0xFFFFu, element & 0xFFFFu);
  return text;
}

// The element header at offset when it is Pixel Data; nullopt otherwise (or when it does not fit in bytes).
std::optional<ElementHeader> PixelDataHeaderAt(const ByteReader& bytes, uint64_t offset, const DcmXfer& xfer) {
  const bool little = xfer.getByteOrder() != EBO_BigEndian;
  unsigned char p[12];
  if (!bytes.ReadAt(offset, p, 8)) return std::nullopt;
  if (Read16(p, little) != 0x7FE0 || Read16(p + 2, little) != 0x0010) return std::nullopt;
  ElementHeader h;
  h.offset = offset;
  if (xfer.isImplicitVR()) {
    h.headerBytes = 8;
    h.length = Read32(p + 4, little);
    return h;
  }
  h.vr.assign(reinterpret_cast<const char*>(p + 4), 2);
  // The header size follows from the VR, as when DCMTK read it.
  if (DcmVR(h.vr.c_str()).usesExtendedLengthEncoding()) {
    if (!bytes.ReadAt(offset, p, 12)) return std::nullopt;
    h.headerBytes = 12;
    h.length = Read32(p + 8, little);
  } else {
    h.headerBytes = 8;
    h.length = Read16(p + 6, little);
  }
  return h;
}

struct Item {
  bool delimiter = false;  // the Sequence Delimitation Item: no value
  uint64_t value = 0;      // offset of the value
  uint32_t length = 0;
};

// The item header at pos, checked: item `index` (0 = the Basic Offset Table) with its value inside bytes, or the
// Sequence Delimitation Item.
Item ReadItem(const ByteReader& bytes, uint64_t pos, uint64_t index, const std::string& name) {
  unsigned char header[8];
  if (!bytes.ReadAt(pos, header, sizeof header))
    throw DicomError("encapsulated Pixel Data of " + name + " is truncated: it ends at byte " +
                     std::to_string(bytes.Size()) + ", without the Sequence Delimitation Item (FFFE,E0DD) expected" +
                     " at offset " + std::to_string(pos));
  const uint32_t group = Read16(header, true), element = Read16(header + 2, true);
  Item item;
  item.value = pos + sizeof header;  // <= Size(), as the header was read
  item.length = Read32(header + 4, true);
  if (group == 0xFFFE && element == 0xE0DD) {
    item.delimiter = true;
    return item;
  }
  if (group != 0xFFFE || element != 0xE000)
    throw DicomError("encapsulated Pixel Data of " + name + " is corrupt: tag " + TagText(group, element) +
                     " at offset " + std::to_string(pos) +
                     " where an item (FFFE,E000) or the Sequence Delimitation Item (FFFE,E0DD) was expected");
  const std::string what = index == 0 ? "the Basic Offset Table" : "fragment " + std::to_string(index);
  if (item.length == kUndefinedLength)
    throw DicomError("encapsulated Pixel Data of " + name + " is corrupt: " + what + " (item at offset " +
                     std::to_string(pos) +
                     ") has undefined length; items of encapsulated Pixel Data have explicit "
                     "lengths");
  if (item.length > bytes.Size() - item.value)
    throw DicomError("encapsulated Pixel Data of " + name + " is truncated: " + what + " at offset " +
                     std::to_string(item.value) + " declares " + std::to_string(item.length) + " bytes, but only " +
                     std::to_string(bytes.Size() - item.value) + " remain (of " + std::to_string(bytes.Size()) + ")");
  return item;
}

}  // namespace

bool BufferReader::ReadAt(uint64_t offset, unsigned char* out, size_t n) const {
  if (offset > size_ || n > size_ - offset) return false;
  std::memcpy(out, data_ + offset, n);
  return true;
}

FileReader::FileReader(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // CLOEXEC: the plugin runs inside Orthanc
  if (fd_ < 0) throw DicomError("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw DicomError("'" + path + "' is not a regular file");
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

FileReader::~FileReader() {
  ::close(fd_);
}

bool FileReader::ReadAt(uint64_t offset, unsigned char* out, size_t n) const {
  if (offset > size_ || n > size_ - offset) return false;
  for (size_t done = 0; done < n;) {
    const ssize_t got = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      throw DicomError("cannot read '" + path_ + "' at offset " + std::to_string(offset + done) + ": " +
                       std::strerror(errno));
    if (got == 0) return false;  // the file shrank since it was opened
    done += static_cast<size_t>(got);
  }
  return true;
}

bool CallbackReader::ReadAt(uint64_t offset, unsigned char* out, size_t n) const {
  if (offset > size_ || n > size_ - offset) return false;
  for (size_t done = 0; done < n;) {
    const uint64_t at = offset + done;
    const size_t got = reader_(at, out + done, n - done);
    if (got == 0)
      throw DicomError("reading " + name_ + ": no bytes at offset " + std::to_string(at) + ", before its end at " +
                       std::to_string(size_) + ": the object is shorter than its size says (truncated?)");
    if (got > n - done)
      throw DicomError("reading " + name_ + ": the reader returned " + std::to_string(got) + " bytes at offset " +
                       std::to_string(at) + " where " + std::to_string(n - done) + " were asked for");
    done += got;
  }
  return true;
}

bool CachingReader::ReadAt(uint64_t offset, unsigned char* out, size_t n) const {
  // Reads this large are blocks of the DCMTK parse (item headers are 8 bytes, element headers at most 12).
  constexpr size_t kMinCached = 256, kMaxCached = 1 << 20;
  if (offset >= blockStart_ && offset - blockStart_ <= block_.size() && n <= block_.size() - (offset - blockStart_)) {
    if (n > 0) std::memcpy(out, block_.data() + (offset - blockStart_), n);
    return true;
  }
  if (!bytes_.ReadAt(offset, out, n)) return false;
  if (n >= kMinCached && n <= kMaxCached) {
    block_.assign(out, out + n);
    blockStart_ = offset;
  }
  return true;
}

std::optional<ElementHeader> FindPixelDataHeader(const ByteReader& bytes, uint64_t stopOffset, E_TransferSyntax xfer) {
  const DcmXfer x(xfer);
  // DCMTK 3.6.7 stops right after the tag, VR and length of Pixel Data and does not put them back: the header ends
  // at stopOffset. The header size must match, so value bytes that happen to look like a tag are not taken for one.
  for (const uint32_t size : {12u, 8u})
    if (stopOffset >= size)
      if (auto h = PixelDataHeaderAt(bytes, stopOffset - size, x); h && h->headerBytes == size) return h;
  // A DCMTK that put the header back would leave the position at the tag.
  return PixelDataHeaderAt(bytes, stopOffset, x);
}

std::vector<BitstreamFragment> WalkFragments(const ByteReader& bytes, uint64_t firstItem, const std::string& name) {
  std::vector<BitstreamFragment> fragments;
  uint64_t items = 0;
  for (uint64_t pos = firstItem;; ++items) {
    const Item item = ReadItem(bytes, pos, items, name);
    if (item.delimiter) break;
    if (items > 0) fragments.push_back({item.value, item.length});  // item 0 is the Basic Offset Table
    pos = item.value + item.length;
  }
  if (items == 0)
    throw DicomError("encapsulated Pixel Data of " + name + " has no items at all, not even the Basic Offset Table");
  if (fragments.empty())
    throw DicomError("encapsulated Pixel Data of " + name + " has zero fragments (only the Basic Offset Table item)");
  return fragments;
}

}  // namespace va::dicom::detail
