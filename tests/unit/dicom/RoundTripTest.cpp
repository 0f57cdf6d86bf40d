// Write instances from real clips, read them back, derive archival copies from them.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <gtest/gtest.h>

#include "../../../dicom/src/WriterTesting.h"
#include "DicomTestSupport.h"
#include "va/dicom/TransferSyntaxTable.h"
#include "va/dicom/VideoInstance.h"

namespace va::dicom {
namespace {

using test::Get;
using test::HevcSpec;
using test::ReadAll;
using test::ScratchDir;

// Item lengths of the encapsulated Pixel Data of a file, Basic Offset Table first.
std::vector<Uint32> ItemLengths(const std::string& path) {
  DcmFileFormat file;
  EXPECT_TRUE(file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 4096).good());
  DcmElement* element = nullptr;
  EXPECT_TRUE(file.getDataset()->findAndGetElement(DCM_PixelData, element).good());
  auto* pixelData = static_cast<DcmPixelData*>(element);
  E_TransferSyntax rep;
  const DcmRepresentationParameter* param = nullptr;
  pixelData->getOriginalRepresentationKey(rep, param);
  DcmPixelSequence* seq = nullptr;
  EXPECT_TRUE(pixelData->getEncapsulatedRepresentation(rep, param, seq).good());
  std::vector<Uint32> lengths;
  for (unsigned long i = 0; seq != nullptr && i < seq->card(); ++i) {
    DcmPixelItem* item = nullptr;
    seq->getItem(item, i);
    lengths.push_back(item->getLength());
  }
  return lengths;
}

class RoundTrip : public ::testing::Test {
 protected:
  ScratchDir dir;
  std::string source = dir / "source.dcm";

  void SetUp() override { WriteNewVideoInstance(test::EndovisSpec(test::EvenClip()), source); }
};

TEST_F(RoundTrip, NewInstanceHeaderAndBitstream) {
  VideoInstanceReader reader(source);
  const InstanceHeader& h = reader.header();
  EXPECT_EQ(h.sopClassUid, "1.2.840.10008.5.1.4.1.1.77.1.1.1");
  EXPECT_EQ(h.transferSyntaxUid, "1.2.840.10008.1.2.4.102");
  EXPECT_EQ(h.modality, "ES");
  EXPECT_EQ(h.patientId, "VA-TEST-0001");
  EXPECT_EQ(h.patientName, "Test^Patient");
  EXPECT_EQ(h.seriesDescription, "Endoscope recording");
  EXPECT_EQ(h.rows, 1010);
  EXPECT_EQ(h.columns, 1264);
  EXPECT_EQ(h.numberOfFrames, 23);
  EXPECT_DOUBLE_EQ(h.frameTimeMs, 500);
  EXPECT_DOUBLE_EQ(h.cineRate, 2);
  EXPECT_EQ(h.bitsAllocated, 8);
  EXPECT_EQ(h.bitsStored, 8);
  EXPECT_EQ(h.photometricInterpretation, "YBR_PARTIAL_420");
  EXPECT_TRUE(h.pixelDataEncapsulated);
  EXPECT_EQ(h.lossyImageCompression, "01");
  EXPECT_EQ(h.lossyImageCompressionMethod, "ISO_14496_10");
  EXPECT_EQ(h.seriesNumber, 1);
  EXPECT_EQ(h.sopInstanceUid.rfind("2.25.", 0), 0u);
  EXPECT_FALSE(h.studyInstanceUid.empty());
  EXPECT_FALSE(h.seriesInstanceUid.empty());

  const std::string out = dir / "out.mp4";
  EXPECT_EQ(reader.ExtractBitstream(out), 172526u);
  EXPECT_EQ(ReadAll(out), ReadAll(test::EvenClip()));
  // One fragment holds the whole H.264 stream (PS3.5 8.2.7), after an empty Basic Offset Table.
  EXPECT_EQ(ItemLengths(source), (std::vector<Uint32>{0, 172526}));
}

// Items are even-length by rule: an odd-length MP4 comes back with one trailing 0x00, which MP4 readers ignore
// (it is shorter than any box header).
TEST_F(RoundTrip, OddLengthBitstreamIsPaddedWithOneZero) {
  const std::string odd = dir / "odd.dcm";
  WriteNewVideoInstance(test::EndovisSpec(test::OddClip()), odd);
  EXPECT_EQ(ItemLengths(odd), (std::vector<Uint32>{0, 213008}));
  const std::string out = dir / "odd.mp4";
  VideoInstanceReader reader(odd);
  EXPECT_EQ(reader.ExtractBitstream(out), 213008u);
  std::vector<unsigned char> expected = ReadAll(test::OddClip());
  ASSERT_EQ(expected.size(), 213007u);
  expected.push_back(0);
  EXPECT_EQ(ReadAll(out), expected);
}

TEST_F(RoundTrip, DerivedInstance) {
  VideoInstanceReader src(source);
  const std::string derived = dir / "derived.dcm";
  WriteDerivedInstance(src, HevcSpec(test::EvenClip()), derived);

  VideoInstanceReader reader(derived);
  const InstanceHeader& h = reader.header();
  const InstanceHeader& s = src.header();
  EXPECT_EQ(h.transferSyntaxUid, kHevcMainUid);
  EXPECT_EQ(h.sopClassUid, s.sopClassUid);
  EXPECT_EQ(h.studyInstanceUid, s.studyInstanceUid);
  EXPECT_EQ(h.patientId, s.patientId);
  EXPECT_EQ(h.patientName, s.patientName);
  EXPECT_EQ(h.modality, "ES");
  EXPECT_NE(h.seriesInstanceUid, s.seriesInstanceUid);
  EXPECT_NE(h.sopInstanceUid, s.sopInstanceUid);
  EXPECT_EQ(h.seriesNumber, 1001);
  EXPECT_EQ(h.seriesDescription, "Archival HEVC copy");
  EXPECT_EQ(h.lossyImageCompression, "01");
  // The source's step (H.264), then ours (HEVC).
  EXPECT_EQ(h.lossyImageCompressionMethod, "ISO_14496_10\\ISO_23008_2");

  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(derived.c_str()).good());
  DcmDataset& d = *file.getDataset();
  EXPECT_EQ(Get(*file.getMetaInfo(), DCM_TransferSyntaxUID), kHevcMainUid);
  EXPECT_EQ(Get(d, DCM_ImageType), "DERIVED\\SECONDARY");
  EXPECT_EQ(Get(d, DCM_AccessionNumber), "ACC0001");
  EXPECT_EQ(Get(d, DCM_StudyDescription), "Robotic surgery (test)");
  EXPECT_EQ(Get(d, DCM_Manufacturer), "Test Recorder Inc.");
  EXPECT_EQ(Get(d, DCM_PatientBirthDate), "19700101");
  EXPECT_EQ(Get(d, DCM_InstanceNumber), "1");
  EXPECT_EQ(Get(d, DCM_DerivationDescription), "Transcoded from H.264 to HEVC Main, CRF 20, PSNR 48.1 dB");
  EXPECT_EQ(Get(d, DCM_FrameIncrementPointer), "(0018,1063)");
  EXPECT_EQ(Get(d, DCM_CineRate), "2");
  // Ratios: the source's (computed from its size, the new-instance writer recorded it), then ours.
  const std::string ratios = Get(d, DCM_LossyImageCompressionRatio);
  EXPECT_NE(ratios.find("\\250"), std::string::npos) << ratios;
  DcmItem* ref = nullptr;
  ASSERT_TRUE(d.findAndGetSequenceItem(DCM_SourceImageSequence, ref, 0).good());
  EXPECT_EQ(Get(*ref, DCM_ReferencedSOPClassUID), s.sopClassUid);
  EXPECT_EQ(Get(*ref, DCM_ReferencedSOPInstanceUID), s.sopInstanceUid);
  DcmItem* purpose = nullptr;
  ASSERT_TRUE(ref->findAndGetSequenceItem(DCM_PurposeOfReferenceCodeSequence, purpose, 0).good());
  EXPECT_EQ(Get(*purpose, DCM_CodeValue), "121330");  // lossy compressed predecessor
  DcmSequenceOfItems* none = nullptr;
  EXPECT_TRUE(d.findAndGetSequence(DCM_AcquisitionContextSequence, none).good());

  const std::string out = dir / "derived.mp4";
  EXPECT_EQ(reader.ExtractBitstream(out), 172526u);
  EXPECT_EQ(ReadAll(out), ReadAll(test::EvenClip()));
}

TEST_F(RoundTrip, DerivedKeepsExplicitUidsAndSeriesNumber) {
  VideoInstanceReader src(source);
  DerivedVideoSpec spec = HevcSpec(test::EvenClip());
  spec.seriesInstanceUid = "1.2.3.4";
  spec.sopInstanceUid = "1.2.3.4.5";
  spec.seriesNumber = 77;
  const std::string derived = dir / "derived.dcm";
  WriteDerivedInstance(src, spec, derived);
  VideoInstanceReader reader(derived);
  EXPECT_EQ(reader.header().seriesInstanceUid, "1.2.3.4");
  EXPECT_EQ(reader.header().sopInstanceUid, "1.2.3.4.5");
  EXPECT_EQ(reader.header().seriesNumber, 77);
}

// HEVC may span fragments (PS3.5 8.2.10); the reader concatenates them, and only the last one is padded.
TEST_F(RoundTrip, FragmentsAreConcatenated) {
  VideoInstanceReader src(source);
  const std::string derived = dir / "fragments.dcm";
  detail::WriteDerivedInstanceWithFragmentLimit(src, HevcSpec(test::OddClip()), derived, 64 * 1024);
  EXPECT_EQ(ItemLengths(derived), (std::vector<Uint32>{0, 65536, 65536, 65536, 16400}));  // 213007 + 1 pad
  const std::string out = dir / "fragments.mp4";
  VideoInstanceReader reader(derived);
  EXPECT_EQ(reader.ExtractBitstream(out), 213008u);
  std::vector<unsigned char> expected = ReadAll(test::OddClip());
  expected.push_back(0);
  EXPECT_EQ(ReadAll(out), expected);
}

TEST_F(RoundTrip, NonAsciiDescriptionSwitchesToUtf8) {
  VideoInstanceReader src(source);
  DerivedVideoSpec spec = HevcSpec(test::EvenClip());
  spec.seriesDescription = "Archivkopie Größe";
  const std::string derived = dir / "utf8.dcm";
  WriteDerivedInstance(src, spec, derived);
  VideoInstanceReader reader(derived);
  EXPECT_EQ(reader.header().specificCharacterSet, "ISO_IR 192");
  EXPECT_EQ(reader.header().seriesDescription, "Archivkopie Größe");
}

TEST_F(RoundTrip, SourceCharacterSetIsKept) {
  NewVideoSpec spec = test::EndovisSpec(test::EvenClip());
  spec.patientName = "Müller^Jürgen";
  const std::string latin = dir / "names.dcm";
  WriteNewVideoInstance(spec, latin);
  VideoInstanceReader src(latin);
  EXPECT_EQ(src.header().specificCharacterSet, "ISO_IR 192");
  const std::string derived = dir / "derived.dcm";
  WriteDerivedInstance(src, HevcSpec(test::EvenClip()), derived);
  VideoInstanceReader reader(derived);
  EXPECT_EQ(reader.header().specificCharacterSet, "ISO_IR 192");
  EXPECT_EQ(reader.header().patientName, "Müller^Jürgen");
}

TEST_F(RoundTrip, WriterRefusesWhatTheSyntaxForbids) {
  VideoInstanceReader src(source);
  DerivedVideoSpec spec = HevcSpec(test::EvenClip());
  spec.pixels.bitsStored = 10;  // Main is 8-bit
  EXPECT_THROW(WriteDerivedInstance(src, spec, dir / "x.dcm"), DicomError);
  spec = HevcSpec(test::EvenClip());
  spec.pixels.transferSyntaxUid = kHevcMain10Uid;  // Main 10 needs 16/10/9
  try {
    WriteDerivedInstance(src, spec, dir / "x.dcm");
    FAIL() << "expected DicomError";
  } catch (const DicomError& e) {
    EXPECT_NE(std::string(e.what()).find("Bits Allocated 16, Bits Stored 10, High Bit 9"), std::string::npos)
        << e.what();
  }
  spec = HevcSpec(test::EvenClip());
  spec.pixels.columns = 7680;
  spec.pixels.rows = 4320;
  EXPECT_THROW(WriteDerivedInstance(src, spec, dir / "x.dcm"), DicomError);
  spec = HevcSpec(dir / "missing.mp4");
  EXPECT_THROW(WriteDerivedInstance(src, spec, dir / "x.dcm"), DicomError);
  EXPECT_FALSE(std::filesystem::exists(dir / "x.dcm"));
  EXPECT_FALSE(std::filesystem::exists(dir / "x.dcm.tmp"));
}

TEST_F(RoundTrip, Main10Instance) {
  VideoInstanceReader src(source);
  DerivedVideoSpec spec = HevcSpec(test::EvenClip());
  spec.pixels.transferSyntaxUid = kHevcMain10Uid;
  spec.pixels.bitsAllocated = 16;
  spec.pixels.bitsStored = 10;
  spec.pixels.highBit = 9;
  const std::string derived = dir / "main10.dcm";
  WriteDerivedInstance(src, spec, derived);
  VideoInstanceReader reader(derived);
  EXPECT_EQ(reader.header().transferSyntaxUid, kHevcMain10Uid);
  EXPECT_EQ(reader.header().bitsAllocated, 16);
  EXPECT_EQ(reader.header().bitsStored, 10);
}

// A Latin-1 source with a UTF-8 description to add: the copied attributes are converted, not mislabelled.
TEST_F(RoundTrip, Latin1SourceIsConvertedWhenOurTextNeedsUtf8) {
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(source.c_str()).good());
  ASSERT_TRUE(file.getDataset()->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 100").good());
  ASSERT_TRUE(file.getDataset()->putAndInsertString(DCM_PatientName, "M\xFCller^J\xFCrgen").good());
  const std::string latin1 = dir / "latin1.dcm";
  ASSERT_TRUE(file.saveFile(latin1.c_str(), EXS_MPEG4HighProfileLevel4_1).good());

  VideoInstanceReader src(latin1);
  DerivedVideoSpec spec = HevcSpec(test::EvenClip());
  spec.derivationDescription = "Komprimiert für die Langzeitarchivierung";
  const std::string derived = dir / "derived.dcm";
  WriteDerivedInstance(src, spec, derived);
  VideoInstanceReader reader(derived);
  EXPECT_EQ(reader.header().specificCharacterSet, "ISO_IR 192");
  EXPECT_EQ(reader.header().patientName, "Müller^Jürgen");
}

// H.264 must fit one fragment (PS3.5 8.2.7): a 4 GiB stream is refused before anything is read. The file is
// sparse, so the test costs no disk space.
TEST_F(RoundTrip, SingleFragmentLimitForH264) {
  const std::string big = dir / "big.mp4";
  {
    std::FILE* f = std::fopen(big.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(ftruncate(fileno(f), 0x100000000LL), 0);
    std::fclose(f);
  }
  NewVideoSpec spec = test::EndovisSpec(big);
  try {
    WriteNewVideoInstance(spec, dir / "big.dcm");
    FAIL() << "expected DicomError";
  } catch (const DicomError& e) {
    EXPECT_NE(std::string(e.what()).find("one fragment"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "big.dcm"));
}

// Each VL video IOD admits one modality; the SOP class decides it, or the modality picks the class.
TEST(NewInstance, ModalityAndSopClassFollowEachOther) {
  ScratchDir dir;
  NewVideoSpec spec = test::EndovisSpec(test::EvenClip());
  spec.sopClassUid = "1.2.840.10008.5.1.4.1.1.77.1.2.1";  // modality left at its default "ES"
  WriteNewVideoInstance(spec, dir / "gm.dcm");
  EXPECT_EQ(VideoInstanceReader(dir / "gm.dcm").header().modality, "GM");
  spec.sopClassUid = "";
  spec.modality = "XC";
  WriteNewVideoInstance(spec, dir / "xc.dcm");
  EXPECT_EQ(VideoInstanceReader(dir / "xc.dcm").header().sopClassUid, "1.2.840.10008.5.1.4.1.1.77.1.4.1");
  spec.sopClassUid = "1.2.840.10008.5.1.4.1.1.3.1";  // US Multi-frame is not a VL video class
  EXPECT_THROW(WriteNewVideoInstance(spec, dir / "us.dcm"), DicomError);
}

}  // namespace
}  // namespace va::dicom
