// VideoInstanceReader on broken or unsuitable input: every failure is a DicomError that says what is wrong.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "DicomTestSupport.h"
#include "va/dicom/TransferSyntaxTable.h"
#include "va/dicom/VideoInstance.h"

namespace va::dicom {
namespace {

using test::ScratchDir;

// A minimal VL Endoscopic data set (no pixel data) saved in transfer syntax xfer, pixelData optional.
void SaveByHand(const std::string& path, DcmPixelSequence* fragments, E_TransferSyntax xfer) {
  DcmFileFormat file;
  DcmDataset& d = *file.getDataset();
  d.putAndInsertString(DCM_SOPClassUID, "1.2.840.10008.5.1.4.1.1.77.1.1.1");
  d.putAndInsertString(DCM_SOPInstanceUID, "1.2.3.4.5.6");
  d.putAndInsertString(DCM_StudyInstanceUID, "1.2.3.4");
  d.putAndInsertString(DCM_SeriesInstanceUID, "1.2.3.4.5");
  if (fragments != nullptr) {
    auto* pixelData = new DcmPixelData(DCM_PixelData);
    pixelData->putOriginalRepresentation(xfer, nullptr, fragments);
    d.insert(pixelData);
  }
  ASSERT_TRUE(file.saveFile(path.c_str(), xfer).good());
}

TEST(ReaderErrors, MissingFile) {
  EXPECT_ERROR_MENTIONS(VideoInstanceReader("/nonexistent/x.dcm"), "cannot open");
}

TEST(ReaderErrors, NotDicom) {
  EXPECT_ERROR_MENTIONS(VideoInstanceReader(test::EvenClip()), "not");
  ScratchDir dir;
  test::WriteAll(dir / "text.dcm", std::vector<unsigned char>(1000, 'A'));
  EXPECT_THROW(VideoInstanceReader(dir / "text.dcm"), DicomError);
  test::WriteAll(dir / "empty.dcm", {});
  EXPECT_THROW(VideoInstanceReader(dir / "empty.dcm"), DicomError);
  EXPECT_ERROR_MENTIONS(VideoInstanceReader(std::filesystem::temp_directory_path().string()), "not a regular file");
}

TEST(ReaderErrors, NativeMultiframeHasNoBitstream) {
  ScratchDir dir;
  VideoInstanceReader reader(test::NativeMultiframe());
  EXPECT_FALSE(reader.header().pixelDataEncapsulated);
  EXPECT_EQ(reader.header().numberOfFrames, 8);
  EXPECT_ERROR_MENTIONS(reader.ExtractBitstream(dir / "x.mp4"), "native");
  EXPECT_FALSE(std::filesystem::exists(dir / "x.mp4"));
}

TEST(ReaderErrors, NoPixelData) {
  ScratchDir dir;
  SaveByHand(dir / "nopixels.dcm", nullptr, EXS_LittleEndianExplicit);
  VideoInstanceReader reader(dir / "nopixels.dcm");
  EXPECT_EQ(reader.header().sopInstanceUid, "1.2.3.4.5.6");
  EXPECT_ERROR_MENTIONS(reader.ExtractBitstream(dir / "x.mp4"), "no Pixel Data");
}

TEST(ReaderErrors, ZeroFragments) {
  ScratchDir dir;
  auto* sequence = new DcmPixelSequence(DcmTag(DCM_PixelSequenceTag));
  sequence->insert(new DcmPixelItem(DcmTag(DCM_Item, EVR_OB)));  // Basic Offset Table only
  SaveByHand(dir / "empty.dcm", sequence, EXS_HEVCMainProfileLevel5_1);
  VideoInstanceReader reader(dir / "empty.dcm");
  EXPECT_TRUE(reader.header().pixelDataEncapsulated);
  EXPECT_ERROR_MENTIONS(reader.ExtractBitstream(dir / "x.mp4"), "zero fragments");
}

TEST(ReaderErrors, TruncatedFragment) {
  ScratchDir dir;
  const std::string whole = dir / "whole.dcm";
  WriteNewVideoInstance(test::EndovisSpec(test::EvenClip()), whole);
  std::vector<unsigned char> bytes = test::ReadAll(whole);
  bytes.resize(bytes.size() - 50000);  // inside the only fragment
  const std::string cut = dir / "cut.dcm";
  test::WriteAll(cut, bytes);

  VideoInstanceReader reader(cut);  // the header is intact
  EXPECT_EQ(reader.header().patientId, "VA-TEST-0001");
  EXPECT_EQ(reader.header().transferSyntaxUid, "1.2.840.10008.1.2.4.102");
  EXPECT_TRUE(reader.header().pixelDataEncapsulated);
  EXPECT_ERROR_MENTIONS(reader.ExtractBitstream(dir / "x.mp4"), "truncated");
  EXPECT_FALSE(std::filesystem::exists(dir / "x.mp4"));
}

TEST(ReaderErrors, TruncatedHeader) {
  ScratchDir dir;
  const std::string whole = dir / "whole.dcm";
  WriteNewVideoInstance(test::EndovisSpec(test::EvenClip()), whole);
  std::vector<unsigned char> bytes = test::ReadAll(whole);
  bytes.resize(300);
  test::WriteAll(dir / "cut.dcm", bytes);
  EXPECT_ERROR_MENTIONS(VideoInstanceReader(dir / "cut.dcm"), "truncated");
}

TEST(ReaderErrors, DerivedNeedsVideoSource) {
  ScratchDir dir;
  VideoInstanceReader native(test::NativeMultiframe());
  DerivedVideoSpec spec;
  spec.bitstreamPath = test::EvenClip();
  spec.pixels = test::EndovisPixels();
  EXPECT_ERROR_MENTIONS(WriteDerivedInstance(native, spec, dir / "x.dcm"), "not a VL video class");
}

TEST(ReaderErrors, UnwritableOutput) {
  ScratchDir dir;
  const std::string src = dir / "src.dcm";
  WriteNewVideoInstance(test::EndovisSpec(test::EvenClip()), src);
  VideoInstanceReader reader(src);
  EXPECT_ERROR_MENTIONS(reader.ExtractBitstream("/nonexistent/dir/out.mp4"), "cannot create");
}

}  // namespace
}  // namespace va::dicom
