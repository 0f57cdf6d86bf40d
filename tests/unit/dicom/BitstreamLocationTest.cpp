// LocateBitstream: the fragments it finds, read in place, are byte for byte what ExtractBitstream copies out.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/oflog/oflog.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "../../../dicom/src/WriterTesting.h"
#include "DicomTestSupport.h"
#include "va/dicom/BitstreamLocation.h"
#include "va/dicom/TransferSyntaxTable.h"
#include "va/dicom/VideoInstance.h"

namespace va::dicom {
namespace {

using test::HevcSpec;
using test::ReadAll;
using test::ScratchDir;

// The fragment values read at the located offsets, as an HTTP server would serve them.
std::vector<unsigned char> ReadInPlace(const std::string& path, const BitstreamLocation& location) {
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> bytes;
  for (const BitstreamFragment& f : location.fragments) {
    const size_t at = bytes.size();
    bytes.resize(at + f.length);
    in.seekg(static_cast<std::streamoff>(f.fileOffset));
    in.read(reinterpret_cast<char*>(bytes.data() + at), static_cast<std::streamsize>(f.length));
    EXPECT_TRUE(in.good()) << "fragment at " << f.fileOffset;
  }
  return bytes;
}

std::vector<unsigned char> Extracted(const std::string& path, const ScratchDir& dir) {
  const std::string out = dir / "extracted.mp4";
  VideoInstanceReader(path).ExtractBitstream(out);
  return ReadAll(out);
}

std::vector<uint64_t> Lengths(const BitstreamLocation& location) {
  std::vector<uint64_t> lengths;
  for (const BitstreamFragment& f : location.fragments) lengths.push_back(f.length);
  return lengths;
}

void ExpectSameFragments(const BitstreamLocation& a, const BitstreamLocation& b, uint64_t shift = 0) {
  ASSERT_EQ(a.fragments.size(), b.fragments.size());
  for (size_t i = 0; i < a.fragments.size(); ++i) {
    EXPECT_EQ(a.fragments[i].fileOffset, b.fragments[i].fileOffset + shift) << i;
    EXPECT_EQ(a.fragments[i].length, b.fragments[i].length) << i;
  }
  EXPECT_EQ(a.totalLength, b.totalLength);
}

void Truncate(const std::string& from, const std::string& to, uint64_t size) {
  std::vector<unsigned char> bytes = ReadAll(from);
  ASSERT_LT(size, bytes.size());
  bytes.resize(size);
  test::WriteAll(to, bytes);
}

// A RandomReader over a file (pread) or a vector, counting what it is asked for. Optionally short reads (at most
// maxChunk bytes a call), an exception at the first read reaching failAt, data ending before the size given to
// LocateBitstream (dataEnd), or one byte more reported than asked for.
struct CountingReader {
  explicit CountingReader(const std::string& path) : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    EXPECT_GE(fd, 0) << path;
    size = dataEnd = static_cast<uint64_t>(::lseek(fd, 0, SEEK_END));
  }
  explicit CountingReader(const std::vector<unsigned char>& bytes) : memory(&bytes) { size = dataEnd = bytes.size(); }
  ~CountingReader() {
    if (fd >= 0) ::close(fd);
  }
  CountingReader(const CountingReader&) = delete;
  CountingReader& operator=(const CountingReader&) = delete;

  RandomReader Reader() {
    return [this](uint64_t offset, uint8_t* buffer, size_t length) -> size_t {
      ++calls;
      if (length == 0 || offset >= size || length > size - offset) outside = true;  // never asked by LocateBitstream
      if (offset >= dataEnd) return 0;
      if (offset + length > failAt) throw std::runtime_error("S3 GET failed: 503 Slow Down");
      const size_t n = static_cast<size_t>(std::min<uint64_t>({length, maxChunk, dataEnd - offset}));
      if (memory != nullptr) {
        std::memcpy(buffer, memory->data() + offset, n);
      } else {
        EXPECT_EQ(::pread(fd, buffer, n, static_cast<off_t>(offset)), static_cast<ssize_t>(n));
      }
      bytes += n;
      return n + (overReport ? 1 : 0);
    };
  }
  BitstreamLocation Locate() { return LocateBitstream(Reader(), size, "instance 42 (tier s3)"); }

  int fd = -1;
  const std::vector<unsigned char>* memory = nullptr;
  uint64_t size = 0, dataEnd = 0;
  uint64_t maxChunk = UINT64_MAX, failAt = UINT64_MAX;
  bool overReport = false;
  uint64_t calls = 0, bytes = 0;
  bool outside = false;
};

void ExpectSameLocation(const BitstreamLocation& a, const BitstreamLocation& b) {
  ExpectSameFragments(a, b);
  EXPECT_EQ(a.transferSyntaxUid, b.transferSyntaxUid);
  EXPECT_EQ(a.header.sopInstanceUid, b.header.sopInstanceUid);
  EXPECT_EQ(a.header.sopClassUid, b.header.sopClassUid);
  EXPECT_EQ(a.header.transferSyntaxUid, b.header.transferSyntaxUid);
  EXPECT_EQ(a.header.patientId, b.header.patientId);
  EXPECT_EQ(a.header.seriesDescription, b.header.seriesDescription);
  EXPECT_EQ(a.header.columns, b.header.columns);
  EXPECT_EQ(a.header.numberOfFrames, b.header.numberOfFrames);
  EXPECT_EQ(a.header.pixelDataEncapsulated, b.header.pixelDataEncapsulated);
}

// A copy of the instance at path with an Icon Image Sequence before the top-level Pixel Data, holding an
// encapsulated Pixel Data of its own.
void WriteWithIcon(const std::string& path, const std::string& out) {
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(path.c_str()).good());
  DcmDataset& d = *file.getDataset();
  DcmItem* icon = nullptr;
  ASSERT_TRUE(d.findOrCreateSequenceItem(DCM_IconImageSequence, icon, -2).good());
  icon->putAndInsertUint16(DCM_SamplesPerPixel, 3);
  icon->putAndInsertString(DCM_PhotometricInterpretation, "YBR_PARTIAL_420");
  icon->putAndInsertUint16(DCM_Rows, 64);
  icon->putAndInsertUint16(DCM_Columns, 64);
  icon->putAndInsertUint16(DCM_BitsAllocated, 8);
  icon->putAndInsertUint16(DCM_BitsStored, 8);
  icon->putAndInsertUint16(DCM_HighBit, 7);
  icon->putAndInsertUint16(DCM_PixelRepresentation, 0);
  auto* sequence = new DcmPixelSequence(DcmTag(DCM_PixelSequenceTag));
  sequence->insert(new DcmPixelItem(DcmTag(DCM_Item, EVR_OB)));  // empty Basic Offset Table
  auto* iconFragment = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
  const std::vector<Uint8> iconBytes(6000, 0xAB);  // above the reader's lazy-loading threshold
  iconFragment->putUint8Array(iconBytes.data(), static_cast<unsigned long>(iconBytes.size()));
  sequence->insert(iconFragment);
  auto* iconPixels = new DcmPixelData(DCM_PixelData);
  iconPixels->putOriginalRepresentation(EXS_MPEG4HighProfileLevel4_1, nullptr, sequence);
  ASSERT_TRUE(icon->insert(iconPixels).good());
  ASSERT_TRUE(file.saveFile(out.c_str(), EXS_MPEG4HighProfileLevel4_1).good());
}

// The bytes of a (single-fragment, explicit VR little endian) instance with `count` private OB elements of `length`
// bytes each inserted just before Pixel Data: a header as large as wanted.
std::vector<unsigned char> WithLargeHeader(const std::vector<unsigned char>& bytes, const BitstreamLocation& location,
                                           size_t count, uint32_t length) {
  const uint64_t pixelData = location.fragments[0].fileOffset - 8 - 8 - 12;  // fragment item, empty table, header
  const unsigned char header[6] = {0xE0, 0x7F, 0x10, 0x00, 'O', 'B'};
  EXPECT_EQ(std::memcmp(bytes.data() + pixelData, header, sizeof header), 0);
  std::vector<unsigned char> out(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(pixelData));
  out.reserve(bytes.size() + count * (12 + static_cast<size_t>(length)));
  for (size_t i = 0; i < count; ++i) {  // (7FDF,1000+i) OB: a private group just before (7FE0)
    const auto element = static_cast<uint16_t>(0x1000 + i);
    const unsigned char h[12] = {0xDF,
                                 0x7F,
                                 static_cast<unsigned char>(element & 0xFF),
                                 static_cast<unsigned char>(element >> 8),
                                 'O',
                                 'B',
                                 0,
                                 0,
                                 static_cast<unsigned char>(length),
                                 static_cast<unsigned char>(length >> 8),
                                 static_cast<unsigned char>(length >> 16),
                                 static_cast<unsigned char>(length >> 24)};
    out.insert(out.end(), h, h + sizeof h);
    out.resize(out.size() + length, static_cast<unsigned char>(i));
  }
  out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(pixelData), bytes.end());
  return out;
}

class Locate : public ::testing::Test {
 protected:
  ScratchDir dir;
  std::string source = dir / "source.dcm";

  void SetUp() override { WriteNewVideoInstance(test::EndovisSpec(test::EvenClip()), source); }
};

TEST_F(Locate, NewInstanceIsOneFragmentReadableInPlace) {
  const BitstreamLocation location = LocateBitstream(source);
  ASSERT_EQ(location.fragments.size(), 1u);
  EXPECT_EQ(location.totalLength, 172526u);
  EXPECT_EQ(location.transferSyntaxUid, "1.2.840.10008.1.2.4.102");
  const std::vector<unsigned char> inPlace = ReadInPlace(source, location);
  EXPECT_EQ(inPlace, Extracted(source, dir));
  EXPECT_EQ(inPlace, ReadAll(test::EvenClip()));
  // The 8-byte item header in front of the value: (FFFE,E000) and the length, little endian.
  const std::vector<unsigned char> file = ReadAll(source);
  const unsigned char itemHeader[8] = {0xFE, 0xFF, 0x00, 0xE0, 0xEE, 0xA1, 0x02, 0x00};  // 172526 = 0x0002A1EE
  EXPECT_EQ(std::memcmp(file.data() + location.fragments[0].fileOffset - 8, itemHeader, 8), 0);

  const VideoInstanceReader reader(source);
  const InstanceHeader& h = location.header;
  EXPECT_EQ(h.sopInstanceUid, reader.header().sopInstanceUid);
  EXPECT_EQ(h.studyInstanceUid, reader.header().studyInstanceUid);
  EXPECT_EQ(h.transferSyntaxUid, "1.2.840.10008.1.2.4.102");
  EXPECT_EQ(h.patientId, "VA-TEST-0001");
  EXPECT_EQ(h.rows, 1010);
  EXPECT_EQ(h.numberOfFrames, 23);
  EXPECT_TRUE(h.pixelDataEncapsulated);
}

TEST_F(Locate, OddLengthStreamKeepsItsPadByte) {
  const std::string odd = dir / "odd.dcm";
  WriteNewVideoInstance(test::EndovisSpec(test::OddClip()), odd);
  const BitstreamLocation location = LocateBitstream(odd);
  EXPECT_EQ(Lengths(location), (std::vector<uint64_t>{213008}));
  std::vector<unsigned char> expected = ReadAll(test::OddClip());
  expected.push_back(0);
  EXPECT_EQ(ReadInPlace(odd, location), expected);
  EXPECT_EQ(ReadInPlace(odd, location), Extracted(odd, dir));
}

TEST_F(Locate, DerivedInstance) {
  const std::string derived = dir / "derived.dcm";
  WriteDerivedInstance(VideoInstanceReader(source), HevcSpec(test::EvenClip()), derived);
  const BitstreamLocation location = LocateBitstream(derived);
  EXPECT_EQ(location.transferSyntaxUid, kHevcMainUid);
  EXPECT_EQ(location.header.seriesDescription, "Archival HEVC copy");
  EXPECT_EQ(ReadInPlace(derived, location), Extracted(derived, dir));
}

TEST_F(Locate, SeveralFragmentsFollowEachOther) {
  const std::string derived = dir / "fragments.dcm";
  detail::WriteDerivedInstanceWithFragmentLimit(VideoInstanceReader(source), HevcSpec(test::OddClip()), derived,
                                                64 * 1024);
  const BitstreamLocation location = LocateBitstream(derived);
  EXPECT_EQ(Lengths(location), (std::vector<uint64_t>{65536, 65536, 65536, 16400}));  // 213007 + 1 pad
  EXPECT_EQ(location.totalLength, 213008u);
  for (size_t i = 1; i < location.fragments.size(); ++i)  // each value follows the previous one's item header
    EXPECT_EQ(location.fragments[i].fileOffset, location.fragments[i - 1].fileOffset + 65536 + 8) << i;
  EXPECT_EQ(ReadInPlace(derived, location), Extracted(derived, dir));
}

TEST_F(Locate, BufferGivesTheSameOffsets) {
  const std::string derived = dir / "fragments.dcm";
  detail::WriteDerivedInstanceWithFragmentLimit(VideoInstanceReader(source), HevcSpec(test::OddClip()), derived,
                                                64 * 1024);
  for (const std::string& path : {source, derived}) {
    const std::vector<unsigned char> bytes = ReadAll(path);
    const BitstreamLocation fromFile = LocateBitstream(path);
    const BitstreamLocation fromBuffer = LocateBitstreamInBuffer(bytes.data(), bytes.size());
    ExpectSameFragments(fromBuffer, fromFile);
    EXPECT_EQ(fromBuffer.transferSyntaxUid, fromFile.transferSyntaxUid);
    EXPECT_EQ(fromBuffer.header.sopInstanceUid, fromFile.header.sopInstanceUid);
    EXPECT_EQ(fromBuffer.header.transferSyntaxUid, fromFile.header.transferSyntaxUid);
    EXPECT_EQ(fromBuffer.header.columns, fromFile.header.columns);
    EXPECT_TRUE(fromBuffer.header.pixelDataEncapsulated);
  }
}

// A buffer that starts at "DICM" (no preamble, as PeekHeader accepts): offsets are into that buffer.
TEST_F(Locate, BufferWithoutPreamble) {
  const std::vector<unsigned char> bytes = ReadAll(source);
  const std::vector<unsigned char> noPreamble(bytes.begin() + 128, bytes.end());
  const BitstreamLocation fromFile = LocateBitstream(source);
  const BitstreamLocation location = LocateBitstreamInBuffer(noPreamble.data(), noPreamble.size());
  ASSERT_EQ(location.fragments.size(), 1u);
  EXPECT_EQ(location.fragments[0].fileOffset + 128, fromFile.fragments[0].fileOffset);
  const auto begin = noPreamble.begin() + static_cast<std::ptrdiff_t>(location.fragments[0].fileOffset);
  EXPECT_EQ(std::vector<unsigned char>(begin, begin + static_cast<std::ptrdiff_t>(location.totalLength)),
            ReadAll(test::EvenClip()));
}

// An Icon Image Sequence before the top-level Pixel Data may hold an encapsulated Pixel Data of its own; only the
// top-level one is the video.
TEST_F(Locate, NestedIconPixelDataIsNotTheVideo) {
  const std::string withIcon = dir / "icon.dcm";
  ASSERT_NO_FATAL_FAILURE(WriteWithIcon(source, withIcon));

  const BitstreamLocation location = LocateBitstream(withIcon);
  EXPECT_EQ(Lengths(location), (std::vector<uint64_t>{172526}));
  EXPECT_EQ(ReadInPlace(withIcon, location), ReadAll(test::EvenClip()));
  EXPECT_EQ(ReadInPlace(withIcon, location), Extracted(withIcon, dir));
  const std::vector<unsigned char> bytes = ReadAll(withIcon);
  ExpectSameFragments(LocateBitstreamInBuffer(bytes.data(), bytes.size()), location);
}

// Only the 8-byte item headers are read: a sparse file of over 5 GiB (a 4 GiB fragment, then a 1 GiB one) locates
// at once, without the disk space or the time its values would take.
TEST_F(Locate, LargeFileLocatesWithoutReadingFragments) {
  const std::vector<unsigned char> small = ReadAll(source);
  const BitstreamLocation smallLocation = LocateBitstream(source);
  const uint64_t firstItem = smallLocation.fragments[0].fileOffset - 8 - 8;  // before the empty offset table
  const std::string big = dir / "big.dcm";
  const int fd = ::open(big.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, small.data(), firstItem, 0), static_cast<ssize_t>(firstItem));
  const auto writeItem = [&](uint64_t at, uint16_t element, uint32_t length) {
    const unsigned char header[8] = {0xFE,
                                     0xFF,
                                     static_cast<unsigned char>(element & 0xFF),
                                     static_cast<unsigned char>(element >> 8),
                                     static_cast<unsigned char>(length),
                                     static_cast<unsigned char>(length >> 8),
                                     static_cast<unsigned char>(length >> 16),
                                     static_cast<unsigned char>(length >> 24)};
    ASSERT_EQ(::pwrite(fd, header, 8, static_cast<off_t>(at)), 8);
  };
  writeItem(firstItem, 0xE000, 0);
  const uint64_t first = firstItem + 8 + 8;
  writeItem(first - 8, 0xE000, 0xFFFFFFFEu);
  const uint64_t second = first + 0xFFFFFFFEull + 8;
  writeItem(second - 8, 0xE000, 0x40000000u);
  writeItem(second + 0x40000000ull, 0xE0DD, 0);
  ASSERT_EQ(::close(fd), 0);

  const auto start = std::chrono::steady_clock::now();
  const BitstreamLocation location = LocateBitstream(big);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(1));
  ASSERT_EQ(location.fragments.size(), 2u);
  EXPECT_EQ(location.fragments[0].fileOffset, first);
  EXPECT_EQ(location.fragments[0].length, 0xFFFFFFFEull);
  EXPECT_EQ(location.fragments[1].fileOffset, second);
  EXPECT_EQ(location.totalLength, 0xFFFFFFFEull + 0x40000000ull);

  // Through a reader, as from a storage tier: the header block and four item headers.
  CountingReader reader(big);
  const auto readerStart = std::chrono::steady_clock::now();
  const BitstreamLocation fromReader = reader.Locate();
  const auto readerElapsed = std::chrono::steady_clock::now() - readerStart;
  EXPECT_LT(readerElapsed, std::chrono::seconds(1));
  ExpectSameLocation(fromReader, location);
  EXPECT_FALSE(reader.outside);
  EXPECT_LT(reader.bytes, 16u * 1024);
  EXPECT_LE(reader.calls, 8u);
  std::printf("[ measure  ] %llu-byte object located through a reader in %lld us: %llu bytes read in %llu calls\n",
              static_cast<unsigned long long>(reader.size),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(readerElapsed).count()),
              static_cast<unsigned long long>(reader.bytes), static_cast<unsigned long long>(reader.calls));
}

// The reader version is the file version: same fragments, same header, for every kind of instance, whatever the
// size of the reads the reader gives back.
TEST_F(Locate, ReaderGivesWhatTheFileGives) {
  const std::string odd = dir / "odd.dcm", derived = dir / "derived.dcm", fragments = dir / "fragments.dcm",
                    icon = dir / "icon.dcm";
  WriteNewVideoInstance(test::EndovisSpec(test::OddClip()), odd);
  WriteDerivedInstance(VideoInstanceReader(source), HevcSpec(test::EvenClip()), derived);
  detail::WriteDerivedInstanceWithFragmentLimit(VideoInstanceReader(source), HevcSpec(test::OddClip()), fragments,
                                                64 * 1024);
  ASSERT_NO_FATAL_FAILURE(WriteWithIcon(source, icon));
  for (const std::string& path : {source, odd, derived, fragments, icon}) {
    const BitstreamLocation fromFile = LocateBitstream(path);
    for (const uint64_t chunk : {UINT64_MAX, uint64_t{4096}, uint64_t{7}, uint64_t{1}}) {
      CountingReader reader(path);
      reader.maxChunk = chunk;
      const BitstreamLocation fromReader = reader.Locate();
      ExpectSameLocation(fromReader, fromFile);
      EXPECT_EQ(ReadInPlace(path, fromReader), Extracted(path, dir)) << path;
      EXPECT_FALSE(reader.outside) << path << " chunk " << chunk;
      if (chunk == 1) {
        EXPECT_EQ(reader.calls, reader.bytes) << path;  // one call per byte, each one answered
      }
    }
  }
}

// Only the header and the item headers are read: a few KiB, in a handful of calls, whatever the bitstream.
TEST_F(Locate, ReaderReadsTheHeaderAndTheItemHeadersOnly) {
  const std::string fragments = dir / "fragments.dcm";
  detail::WriteDerivedInstanceWithFragmentLimit(VideoInstanceReader(source), HevcSpec(test::OddClip()), fragments,
                                                64 * 1024);
  for (const std::string& path : {source, fragments}) {
    CountingReader reader(path);
    const BitstreamLocation location = reader.Locate();
    const uint64_t headerEnd = location.fragments[0].fileOffset;
    EXPECT_LE(reader.bytes, std::max<uint64_t>(headerEnd, 4096) + 8 * location.fragments.size() + 8) << path;
    EXPECT_LT(reader.bytes * 20, reader.size) << path;
    EXPECT_LE(reader.calls, location.fragments.size() + 3) << path;
    std::printf("[ measure  ] %s: %zu fragment(s), %llu bytes; %llu bytes read in %llu calls\n",
                std::filesystem::path(path).filename().c_str(), location.fragments.size(),
                static_cast<unsigned long long>(reader.size), static_cast<unsigned long long>(reader.bytes),
                static_cast<unsigned long long>(reader.calls));
  }
}

// What the reader throws comes out unchanged, from the DCMTK parse as from the walk over the items.
TEST_F(Locate, ReaderExceptionPropagates) {
  const std::string fragments = dir / "fragments.dcm";
  detail::WriteDerivedInstanceWithFragmentLimit(VideoInstanceReader(source), HevcSpec(test::OddClip()), fragments,
                                                64 * 1024);
  const BitstreamLocation location = LocateBitstream(fragments);
  // The first read; the item header of the last fragment (the walk).
  for (const uint64_t failAt : {uint64_t{0}, location.fragments.back().fileOffset - 4}) {
    CountingReader reader(fragments);
    reader.failAt = failAt;
    try {
      reader.Locate();
      ADD_FAILURE() << "no exception, failAt " << failAt;
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "S3 GET failed: 503 Slow Down") << failAt;
    }
  }
  // Deep inside a large header: from a later block of the DCMTK parse.
  const std::vector<unsigned char> large = WithLargeHeader(ReadAll(source), LocateBitstream(source), 2000, 4000);
  CountingReader reader(large);
  reader.failAt = 5'000'000;
  EXPECT_THROW(reader.Locate(), std::runtime_error);
  EXPECT_FALSE(reader.outside);
}

TEST_F(Locate, ReaderTruncatedObject) {
  const BitstreamLocation location = LocateBitstream(source);
  const std::vector<unsigned char> bytes = ReadAll(source);
  // Cut, the size saying so: the same errors as a cut file.
  const auto cut = [&](uint64_t size) {
    return std::vector<unsigned char>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
  };
  const std::vector<unsigned char> inFragment = cut(location.fragments[0].fileOffset + 1000);
  EXPECT_ERROR_MENTIONS(CountingReader(inFragment).Locate(), "declares 172526 bytes, but only 1000 remain");
  const std::vector<unsigned char> afterFragment = cut(location.fragments[0].fileOffset + location.fragments[0].length);
  EXPECT_ERROR_MENTIONS(CountingReader(afterFragment).Locate(), "without the Sequence Delimitation Item (FFFE,E0DD)");
  const std::vector<unsigned char> inHeader = cut(400);
  EXPECT_ERROR_MENTIONS(CountingReader(inHeader).Locate(), "'instance 42 (tier s3)' is not a readable DICOM instance");

  // Shorter than the size given: the reader comes back with nothing before the end, in the header or in the walk.
  CountingReader inTheHeader(bytes);
  inTheHeader.dataEnd = 400;
  EXPECT_ERROR_MENTIONS(
      inTheHeader.Locate(),
      "reading 'instance 42 (tier s3)': no bytes at offset 400, before its end at " + std::to_string(bytes.size()));
  const std::string fragments = dir / "fragments.dcm";
  detail::WriteDerivedInstanceWithFragmentLimit(VideoInstanceReader(source), HevcSpec(test::OddClip()), fragments,
                                                64 * 1024);
  const uint64_t end = LocateBitstream(fragments).fragments[2].fileOffset - 4;  // inside the third item header
  CountingReader inTheWalk(fragments);
  inTheWalk.dataEnd = end;
  EXPECT_ERROR_MENTIONS(inTheWalk.Locate(), "no bytes at offset " + std::to_string(end) + ", before its end at " +
                                                std::to_string(inTheWalk.size) + ": the object is shorter");
  EXPECT_FALSE(inTheWalk.outside);
}

TEST_F(Locate, ReaderBreakingItsContract) {
  CountingReader reader(source);
  reader.overReport = true;
  EXPECT_ERROR_MENTIONS(reader.Locate(), "bytes at offset 0 where 4096 were asked for");
  EXPECT_ERROR_MENTIONS(LocateBitstream(RandomReader(), 1000, "x"), "no reader");
  EXPECT_ERROR_MENTIONS(LocateBitstream(CountingReader(source).Reader(), 0, "x"), "'x' is empty");
}

// A header of any realistic size is parsed (values above 64 KiB skipped, not read); one that would take more than
// 64 MiB to parse is refused instead of read to the end.
TEST_F(Locate, LargeHeaders) {
  const BitstreamLocation original = LocateBitstream(source);
  const std::vector<unsigned char> bytes = ReadAll(source);
  const auto shifted = [&](const BitstreamLocation& location, uint64_t by) {
    ASSERT_EQ(location.fragments.size(), 1u);
    EXPECT_EQ(location.fragments[0].fileOffset, original.fragments[0].fileOffset + by);
    EXPECT_EQ(location.totalLength, original.totalLength);
  };
  {  // 10 MB of 4000-byte values: all parsed
    const std::vector<unsigned char> large = WithLargeHeader(bytes, original, 2500, 4000);
    CountingReader reader(large);
    shifted(reader.Locate(), 2500 * 4012);
    // The header, and at most one block (blocks grow to 1 MiB) beyond it.
    EXPECT_LE(reader.bytes, original.fragments[0].fileOffset + 2500 * 4012 + (1u << 20));
    const std::string path = dir / "large-header.dcm";
    test::WriteAll(path, large);
    ExpectSameLocation(LocateBitstream(path), reader.Locate());
  }
  {  // one 48 MiB value: skipped
    const std::vector<unsigned char> blob = WithLargeHeader(bytes, original, 1, 48u << 20);
    CountingReader reader(blob);
    shifted(reader.Locate(), (48u << 20) + 12);
    EXPECT_LT(reader.bytes, 64u * 1024);
  }
  {  // 68 MB of 4000-byte values: refused
    const std::vector<unsigned char> huge = WithLargeHeader(bytes, original, 17000, 4000);
    CountingReader reader(huge);
    EXPECT_ERROR_MENTIONS(reader.Locate(), "takes more than 64 MiB to parse");
    EXPECT_LE(reader.bytes, (64u << 20) + (1u << 20));
  }
}

TEST_F(Locate, TruncatedInsideAFragment) {
  const BitstreamLocation location = LocateBitstream(source);
  const std::string cut = dir / "cut.dcm";
  Truncate(source, cut, location.fragments[0].fileOffset + 1000);
  EXPECT_ERROR_MENTIONS(LocateBitstream(cut), "truncated");
  EXPECT_ERROR_MENTIONS(LocateBitstream(cut), "declares 172526 bytes, but only 1000 remain");
  const std::vector<unsigned char> bytes = ReadAll(cut);
  EXPECT_ERROR_MENTIONS(LocateBitstreamInBuffer(bytes.data(), bytes.size()), "declares 172526 bytes");
}

// Cut exactly after the last fragment: every item is whole, but the Sequence Delimitation Item is missing, so
// fragments may be missing too.
TEST_F(Locate, TruncatedAfterAFragment) {
  const BitstreamLocation location = LocateBitstream(source);
  const std::string cut = dir / "cut.dcm";
  Truncate(source, cut, location.fragments[0].fileOffset + location.fragments[0].length);
  EXPECT_ERROR_MENTIONS(LocateBitstream(cut), "without the Sequence Delimitation Item (FFFE,E0DD)");
}

TEST_F(Locate, CorruptItemTag) {
  const BitstreamLocation location = LocateBitstream(source);
  std::vector<unsigned char> bytes = ReadAll(source);
  const uint64_t itemAt = location.fragments[0].fileOffset - 8;
  bytes[itemAt + 2] = 0x00;
  bytes[itemAt + 3] = 0xE1;  // (FFFE,E100)
  const std::string corrupt = dir / "corrupt.dcm";
  test::WriteAll(corrupt, bytes);
  EXPECT_ERROR_MENTIONS(LocateBitstream(corrupt),
                        "tag (FFFE,E100) at offset " + std::to_string(itemAt) + " where an item (FFFE,E000)");
}

TEST_F(Locate, NativePixelDataHasNoBitstream) {
  EXPECT_ERROR_MENTIONS(LocateBitstream(test::NativeMultiframe()), "native");
  const std::vector<unsigned char> bytes = ReadAll(test::NativeMultiframe());
  EXPECT_ERROR_MENTIONS(LocateBitstreamInBuffer(bytes.data(), bytes.size()), "native");
}

TEST_F(Locate, NoPixelData) {
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(source.c_str()).good());
  delete file.getDataset()->remove(DCM_PixelData);
  const std::string none = dir / "none.dcm";
  ASSERT_TRUE(file.saveFile(none.c_str(), EXS_LittleEndianExplicit).good());
  EXPECT_ERROR_MENTIONS(LocateBitstream(none), "has no Pixel Data (7FE0,0010)");
  // An element after where Pixel Data would be is no Pixel Data either.
  ASSERT_TRUE(file.getDataset()->putAndInsertString(DcmTag(0x7FE1, 0x0010, EVR_LO), "x").good());
  ASSERT_TRUE(file.saveFile(none.c_str(), EXS_LittleEndianExplicit).good());
  EXPECT_ERROR_MENTIONS(LocateBitstream(none), "has no Pixel Data (7FE0,0010)");
}

TEST_F(Locate, BigEndianIsRefused) {
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(test::NativeMultiframe().c_str()).good());
  const std::string big = dir / "big-endian.dcm";
  ASSERT_TRUE(file.saveFile(big.c_str(), EXS_BigEndianExplicit).good());
  EXPECT_ERROR_MENTIONS(LocateBitstream(big), "Big Endian");
}

TEST_F(Locate, NotDicom) {
  EXPECT_ERROR_MENTIONS(LocateBitstream(test::EvenClip()), "not");
  EXPECT_ERROR_MENTIONS(LocateBitstream(dir / "missing.dcm"), "cannot open");
  EXPECT_ERROR_MENTIONS(LocateBitstream(std::filesystem::temp_directory_path().string()), "not a regular file");
  test::WriteAll(dir / "text.dcm", std::vector<unsigned char>(1000, 'A'));
  EXPECT_THROW(LocateBitstream(dir / "text.dcm"), DicomError);
  test::WriteAll(dir / "empty.dcm", {});
  EXPECT_THROW(LocateBitstream(dir / "empty.dcm"), DicomError);
  const std::vector<unsigned char> mp4 = ReadAll(test::EvenClip());
  EXPECT_THROW(LocateBitstreamInBuffer(mp4.data(), mp4.size()), DicomError);
  EXPECT_THROW(LocateBitstreamInBuffer(nullptr, 0), DicomError);
}

// Every prefix of an instance is refused with a DicomError, never read beyond (the fuzz target goes further).
TEST_F(Locate, EveryPrefixOfTheHeaderIsRefusedCleanly) {
  // DCMTK would log a warning for each of the thousand truncated parses.
  OFLogger dcmdata = OFLog::getLogger("dcmtk.dcmdata");
  const dcmtk::log4cplus::LogLevel before = dcmdata.getLogLevel();  // usually NOT_SET: inherit
  dcmdata.setLogLevel(OFLogger::FATAL_LOG_LEVEL);
  const std::vector<unsigned char> bytes = ReadAll(source);
  const uint64_t end = LocateBitstream(source).fragments[0].fileOffset + 16;
  for (uint64_t size = 1; size < end; ++size) {
    const std::vector<unsigned char> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
    EXPECT_THROW(LocateBitstreamInBuffer(prefix.data(), prefix.size()), DicomError) << size;
    CountingReader reader(prefix);
    reader.maxChunk = 5;
    EXPECT_THROW(reader.Locate(), DicomError) << size;
    EXPECT_FALSE(reader.outside) << size;
  }
  dcmdata.setLogLevel(before);
}

}  // namespace
}  // namespace va::dicom
