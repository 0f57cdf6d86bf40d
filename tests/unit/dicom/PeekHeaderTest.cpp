#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <gtest/gtest.h>

#include <random>

#include "DicomTestSupport.h"
#include "va/dicom/VideoInstance.h"

namespace va::dicom {
namespace {

using test::ReadAll;
using test::ScratchDir;

TEST(PeekHeader, MatchesTheReaderOnAWrittenInstance) {
  ScratchDir dir;
  const std::string path = dir / "new.dcm";
  WriteNewVideoInstance(test::EndovisSpec(test::EvenClip()), path);
  const std::vector<unsigned char> bytes = ReadAll(path);
  const InstanceHeader peeked = PeekHeader(bytes.data(), bytes.size());
  const InstanceHeader read = VideoInstanceReader(path).header();
  EXPECT_EQ(peeked.sopClassUid, read.sopClassUid);
  EXPECT_EQ(peeked.sopInstanceUid, read.sopInstanceUid);
  EXPECT_EQ(peeked.transferSyntaxUid, "1.2.840.10008.1.2.4.102");
  EXPECT_EQ(peeked.studyInstanceUid, read.studyInstanceUid);
  EXPECT_EQ(peeked.seriesInstanceUid, read.seriesInstanceUid);
  EXPECT_EQ(peeked.patientId, "VA-TEST-0001");
  EXPECT_EQ(peeked.patientName, "Test^Patient");
  EXPECT_EQ(peeked.modality, "ES");
  EXPECT_EQ(peeked.rows, 1010);
  EXPECT_EQ(peeked.columns, 1264);
  EXPECT_EQ(peeked.numberOfFrames, 23);
  EXPECT_DOUBLE_EQ(peeked.frameTimeMs, 500);
  EXPECT_EQ(peeked.bitsAllocated, 8);
  EXPECT_EQ(peeked.photometricInterpretation, "YBR_PARTIAL_420");
  EXPECT_TRUE(peeked.pixelDataEncapsulated);
}

TEST(PeekHeader, OnlyTheHeaderIsNeeded) {
  ScratchDir dir;
  const std::string path = dir / "new.dcm";
  WriteNewVideoInstance(test::EndovisSpec(test::EvenClip()), path);
  std::vector<unsigned char> bytes = ReadAll(path);
  bytes.resize(bytes.size() - 100000);  // Pixel Data cut short: not parsed, so not noticed
  const InstanceHeader h = PeekHeader(bytes.data(), bytes.size());
  EXPECT_EQ(h.patientId, "VA-TEST-0001");
  EXPECT_TRUE(h.pixelDataEncapsulated);
}

// Meta header without the 128-byte preamble ("DICM" first).
TEST(PeekHeader, NoPreamble) {
  ScratchDir dir;
  const std::string path = dir / "new.dcm";
  WriteNewVideoInstance(test::EndovisSpec(test::EvenClip()), path);
  const std::vector<unsigned char> bytes = ReadAll(path);
  const std::vector<unsigned char> noPreamble(bytes.begin() + 128, bytes.end());
  const InstanceHeader h = PeekHeader(noPreamble.data(), noPreamble.size());
  EXPECT_EQ(h.transferSyntaxUid, "1.2.840.10008.1.2.4.102");
  EXPECT_EQ(h.patientId, "VA-TEST-0001");
  EXPECT_TRUE(h.pixelDataEncapsulated);
}

TEST(PeekHeader, NativePixelData) {
  const std::vector<unsigned char> bytes = ReadAll(test::NativeMultiframe());
  const InstanceHeader h = PeekHeader(bytes.data(), bytes.size());
  EXPECT_EQ(h.transferSyntaxUid, "1.2.840.10008.1.2");
  EXPECT_EQ(h.numberOfFrames, 8);
  EXPECT_FALSE(h.pixelDataEncapsulated);
}

TEST(PeekHeader, EncapsulatedTestData) {
  const std::vector<unsigned char> bytes =
      ReadAll(test::TestData("dicom-video/fo-dicom_HasFragmentSequence_XA_jpeg50_96f.dcm"));
  const InstanceHeader h = PeekHeader(bytes.data(), bytes.size());
  EXPECT_EQ(h.transferSyntaxUid, "1.2.840.10008.1.2.4.50");
  EXPECT_EQ(h.numberOfFrames, 96);
  EXPECT_TRUE(h.pixelDataEncapsulated);
}

TEST(PeekHeader, DataSetWithoutMetaHeader) {
  ScratchDir dir;
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(test::NativeMultiframe().c_str()).good());
  const std::string path = dir / "dataset.dcm";
  ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit, EET_ExplicitLength, EGL_withoutGL, EPD_noChange, 0,
                            0, EWM_dataset)
                  .good());
  const std::vector<unsigned char> bytes = ReadAll(path);
  const InstanceHeader h = PeekHeader(bytes.data(), bytes.size());
  EXPECT_EQ(h.sopClassUid, "1.2.840.10008.5.1.4.1.1.3.1");
  EXPECT_EQ(h.transferSyntaxUid, "1.2.840.10008.1.2.1");  // detected, there is no meta header to say it
  EXPECT_EQ(h.numberOfFrames, 8);
}

TEST(PeekHeader, RefusesDeflate) {
  ScratchDir dir;
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(test::NativeMultiframe().c_str()).good());
  const std::string path = dir / "deflated.dcm";
  if (file.saveFile(path.c_str(), EXS_DeflatedLittleEndianExplicit).bad()) GTEST_SKIP() << "DCMTK without zlib";
  const std::vector<unsigned char> bytes = ReadAll(path);
  EXPECT_THROW(PeekHeader(bytes.data(), bytes.size()), DicomError);
}

TEST(PeekHeader, Garbage) {
  EXPECT_THROW(PeekHeader(nullptr, 10), DicomError);
  const unsigned char one = 0;
  EXPECT_THROW(PeekHeader(&one, 0), DicomError);
  const std::vector<unsigned char> mp4 = ReadAll(test::EvenClip());
  EXPECT_THROW(PeekHeader(mp4.data(), mp4.size()), DicomError);
  const std::string text = "this is not DICOM at all, just some text that goes on for a while........";
  EXPECT_THROW(PeekHeader(text.data(), text.size()), DicomError);
  std::mt19937 rng(42);
  for (int i = 0; i < 200; ++i) {
    std::vector<unsigned char> junk(1 + rng() % 600);
    for (auto& b : junk) b = static_cast<unsigned char>(rng());
    try {
      PeekHeader(junk.data(), junk.size());
    } catch (const DicomError&) {
    }
  }
}

// A (0010,0010) element declaring 4 GiB in a 200-byte buffer: refused without allocating it.
TEST(PeekHeader, HugeDeclaredLength) {
  std::vector<unsigned char> bytes(128, 0);
  const char magic[] = "DICM";
  bytes.insert(bytes.end(), magic, magic + 4);
  // (0002,0010) UI "1.2.840.10008.1.2.1" explicit VR little endian
  const unsigned char meta[] = {0x02, 0x00, 0x10, 0x00, 'U', 'I', 20,  0,   '1', '.', '2', '.', '8', '4',
                                '0',  '.',  '1',  '0',  '0', '0', '8', '.', '1', '.', '2', '.', '1', 0};
  bytes.insert(bytes.end(), meta, meta + sizeof meta);
  const unsigned char huge[] = {0x10, 0x00, 0x10, 0x00, 'U', 'N', 0, 0, 0xF0, 0xFF, 0xFF, 0xFF, 'x', 'y'};
  bytes.insert(bytes.end(), huge, huge + sizeof huge);
  EXPECT_THROW(PeekHeader(bytes.data(), bytes.size()), DicomError);
}

}  // namespace
}  // namespace va::dicom
