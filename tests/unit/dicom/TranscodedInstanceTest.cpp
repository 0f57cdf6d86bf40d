// WriteTranscodedInstance: a stored HEVC instance handed out as H.264, as the same instance or as a new one.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcvrov.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "DicomTestSupport.h"
#include "va/dicom/BitstreamLocation.h"
#include "va/dicom/VideoInstance.h"

namespace va::dicom {
namespace {

using test::ErrorOf;
using test::Get;
using test::ReadAll;
using test::ScratchDir;

std::string Printed(DcmObject& object) {
  std::ostringstream out;
  object.print(out);
  return out.str();
}

// What a transcode changes in the same instance: the pixel data and its lossy compression history.
bool ChangedByTranscode(const DcmTagKey& tag) {
  return tag.getGroup() == 0x7FE0 || tag == DCM_LossyImageCompression || tag == DCM_LossyImageCompressionRatio ||
         tag == DCM_LossyImageCompressionMethod;
}

class Transcode : public ::testing::Test {
 protected:
  ScratchDir dir;
  std::string original = dir / "original.dcm";  // H.264, as a recorder upload is stored
  std::string hevc = dir / "hevc.dcm";          // its archival HEVC copy, with a few extra attributes

  void SetUp() override {
    WriteNewVideoInstance(test::EndovisSpec(test::EvenClip()), original);
    const std::string plain = dir / "plain.dcm";
    WriteDerivedInstance(VideoInstanceReader(original), test::HevcSpec(test::OddClip()), plain);

    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile(plain.c_str()).good());
    DcmDataset& d = *file.getDataset();
    ASSERT_TRUE(d.putAndInsertString(DCM_PixelSpacing, "0.05\\0.05").good());
    ASSERT_TRUE(d.putAndInsertString(DCM_RepresentativeFrameNumber, "5").good());
    ASSERT_TRUE(d.putAndInsertString(DcmTag(0x0009, 0x0010, EVR_LO), "VA TEST").good());
    ASSERT_TRUE(d.putAndInsertString(DcmTag(0x0009, 0x1001, EVR_LO), "private value").good());
    auto* eot = new DcmOther64bitVeryLong(DCM_ExtendedOffsetTable);  // it points into the old fragments
    const Uint64 offsets[1] = {0};
    ASSERT_TRUE(eot->putUint64Array(offsets, 1).good());
    ASSERT_TRUE(d.insert(eot).good());
    ASSERT_TRUE(file.saveFile(hevc.c_str(), EXS_HEVCMainProfileLevel5_1).good());
  }

  static TranscodedVideoSpec H264Spec() {
    TranscodedVideoSpec spec;
    spec.bitstreamPath = test::EvenClip();
    spec.pixels = test::EndovisPixels();  // H.264 High Profile / Level 4.1
    return spec;
  }
};

TEST_F(Transcode, SameInstanceKeepsEveryAttribute) {
  const std::string out = dir / "h264.dcm";
  WriteTranscodedInstance(VideoInstanceReader(hevc), H264Spec(), out);

  DcmFileFormat source, result;
  ASSERT_TRUE(source.loadFile(hevc.c_str()).good());
  ASSERT_TRUE(result.loadFile(out.c_str()).good());
  DcmDataset& s = *source.getDataset();
  DcmDataset& r = *result.getDataset();
  for (DcmObject* e = s.nextInContainer(nullptr); e != nullptr; e = s.nextInContainer(e)) {
    const DcmTagKey tag = e->getTag();
    if (ChangedByTranscode(tag)) continue;
    DcmElement* copy = nullptr;
    ASSERT_TRUE(r.findAndGetElement(tag, copy).good()) << "lost " << DcmTag(tag).getTagName();
    // compare(): the values, not how the lengths were encoded (the writer uses explicit lengths).
    EXPECT_EQ(copy->compare(*static_cast<DcmElement*>(e)), 0) << Printed(*copy) << "\nsource:\n" << Printed(*e);
  }
  std::set<DcmTagKey> added;
  for (DcmObject* e = r.nextInContainer(nullptr); e != nullptr; e = r.nextInContainer(e))
    if (!s.tagExists(e->getTag())) added.insert(e->getTag());
  EXPECT_EQ(added, (std::set<DcmTagKey>{}));  // Pixel Data was there before too
  EXPECT_FALSE(r.tagExists(DCM_ExtendedOffsetTable));
  EXPECT_EQ(Get(*result.getMetaInfo(), DCM_TransferSyntaxUID), "1.2.840.10008.1.2.4.102");
  EXPECT_EQ(Get(*result.getMetaInfo(), DCM_MediaStorageSOPInstanceUID), Get(s, DCM_SOPInstanceUID));
  EXPECT_EQ(Get(r, DCM_PixelSpacing), "0.05\\0.05");  // same picture size: still true
  EXPECT_EQ(Get(r, DcmTagKey(0x0009, 0x1001)), "private value");

  // The history: the recorder's H.264, the archive's HEVC, now H.264 again; one ratio per step.
  EXPECT_EQ(Get(r, DCM_LossyImageCompression), "01");
  EXPECT_EQ(Get(r, DCM_LossyImageCompressionMethod), "ISO_14496_10\\ISO_23008_2\\ISO_14496_10");
  DcmElement* ratio = nullptr;
  ASSERT_TRUE(r.findAndGetElement(DCM_LossyImageCompressionRatio, ratio).good());
  EXPECT_EQ(ratio->getVM(), 3u) << Get(r, DCM_LossyImageCompressionRatio);

  const VideoInstanceReader reader(out);
  EXPECT_EQ(reader.header().sopInstanceUid, VideoInstanceReader(hevc).header().sopInstanceUid);
  EXPECT_EQ(reader.header().transferSyntaxUid, "1.2.840.10008.1.2.4.102");
  const std::string mp4 = dir / "h264.mp4";
  EXPECT_EQ(reader.ExtractBitstream(mp4), 172526u);
  EXPECT_EQ(ReadAll(mp4), ReadAll(test::EvenClip()));
  EXPECT_EQ(LocateBitstream(out).totalLength, 172526u);
}

TEST_F(Transcode, NewUidMakesALossyDerivativeOfTheSource) {
  TranscodedVideoSpec spec = H264Spec();
  spec.newSopInstanceUid = true;
  const std::string out = dir / "new.dcm";
  WriteTranscodedInstance(VideoInstanceReader(hevc), spec, out);

  const InstanceHeader s = VideoInstanceReader(hevc).header();
  const InstanceHeader h = VideoInstanceReader(out).header();
  EXPECT_NE(h.sopInstanceUid, s.sopInstanceUid);
  EXPECT_EQ(h.sopInstanceUid.rfind("2.25.", 0), 0u);
  EXPECT_EQ(h.sopClassUid, s.sopClassUid);
  EXPECT_EQ(h.studyInstanceUid, s.studyInstanceUid);
  EXPECT_EQ(h.seriesInstanceUid, s.seriesInstanceUid);
  EXPECT_EQ(h.patientId, s.patientId);

  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(out.c_str()).good());
  DcmDataset& d = *file.getDataset();
  EXPECT_EQ(Get(*file.getMetaInfo(), DCM_MediaStorageSOPInstanceUID), h.sopInstanceUid);
  EXPECT_EQ(Get(d, DCM_ImageType), "DERIVED\\SECONDARY");
  // Source Image Sequence names the direct source only (not the HEVC copy's own predecessor).
  DcmSequenceOfItems* sources = nullptr;
  ASSERT_TRUE(d.findAndGetSequence(DCM_SourceImageSequence, sources).good());
  ASSERT_EQ(sources->card(), 1u);
  EXPECT_EQ(Get(*sources->getItem(0), DCM_ReferencedSOPClassUID), s.sopClassUid);
  EXPECT_EQ(Get(*sources->getItem(0), DCM_ReferencedSOPInstanceUID), s.sopInstanceUid);
  DcmItem* purpose = nullptr;
  ASSERT_TRUE(sources->getItem(0)->findAndGetSequenceItem(DCM_PurposeOfReferenceCodeSequence, purpose, 0).good());
  EXPECT_EQ(Get(*purpose, DCM_CodeValue), "121330");  // lossy compressed predecessor
  DcmItem* derivation = nullptr;
  ASSERT_TRUE(d.findAndGetSequenceItem(DCM_DerivationCodeSequence, derivation, 0).good());
  EXPECT_EQ(Get(*derivation, DCM_CodeValue), "113040");
  EXPECT_NE(Get(d, DCM_DerivationDescription).find(s.sopInstanceUid), std::string::npos);
  DcmSequenceOfItems* equipment = nullptr;
  ASSERT_TRUE(d.findAndGetSequence(DCM_ContributingEquipmentSequence, equipment).good());
  ASSERT_EQ(equipment->card(), 2u);  // the archival transcode's, then ours
  EXPECT_EQ(Get(*equipment->getItem(1), DCM_ContributionDescription), "Transcoded to another transfer syntax");
  EXPECT_EQ(Get(d, DCM_LossyImageCompressionMethod), "ISO_14496_10\\ISO_23008_2\\ISO_14496_10");
}

TEST_F(Transcode, NewUidKeepsTheSecondImageTypeValue) {
  TranscodedVideoSpec spec = H264Spec();
  spec.pixels.transferSyntaxUid = "1.2.840.10008.1.2.4.104";
  spec.newSopInstanceUid = true;
  spec.sopInstanceUid = "1.2.826.0.1.3680043.2.1125.42";
  const std::string out = dir / "new.dcm";
  WriteTranscodedInstance(VideoInstanceReader(original), spec, out);
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(out.c_str()).good());
  EXPECT_EQ(Get(*file.getDataset(), DCM_SOPInstanceUID), "1.2.826.0.1.3680043.2.1125.42");
  EXPECT_EQ(Get(*file.getDataset(), DCM_ImageType), "DERIVED\\PRIMARY");
  EXPECT_EQ(Get(*file.getMetaInfo(), DCM_TransferSyntaxUID), "1.2.840.10008.1.2.4.104");
}

TEST_F(Transcode, NonAsciiDerivationDescriptionSwitchesToUtf8) {
  TranscodedVideoSpec spec = H264Spec();
  spec.newSopInstanceUid = true;
  spec.derivationDescription = "H.264-Fassung für einen Empfänger ohne HEVC";
  const std::string out = dir / "utf8.dcm";
  WriteTranscodedInstance(VideoInstanceReader(hevc), spec, out);
  EXPECT_EQ(VideoInstanceReader(out).header().specificCharacterSet, "ISO_IR 192");
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(out.c_str()).good());
  EXPECT_EQ(Get(*file.getDataset(), DCM_DerivationDescription), "H.264-Fassung für einen Empfänger ohne HEVC");
  // The same instance keeps the source's attributes: the description is only for a new one.
  spec.newSopInstanceUid = false;
  WriteTranscodedInstance(VideoInstanceReader(hevc), spec, out);
  ASSERT_TRUE(file.loadFile(out.c_str()).good());
  EXPECT_EQ(Get(*file.getDataset(), DCM_DerivationDescription), test::HevcSpec("").derivationDescription);
}

TEST_F(Transcode, UidRequestsThatCannotBeMet) {
  const VideoInstanceReader source(hevc);
  TranscodedVideoSpec spec = H264Spec();
  spec.sopInstanceUid = "1.2.3.4";  // without newSopInstanceUid
  EXPECT_NE(ErrorOf([&] { WriteTranscodedInstance(source, spec, dir / "x.dcm"); }).find("without newSopInstanceUid"),
            std::string::npos);
  spec.newSopInstanceUid = true;
  spec.sopInstanceUid = source.header().sopInstanceUid;
  EXPECT_NE(ErrorOf([&] { WriteTranscodedInstance(source, spec, dir / "x.dcm"); }).find("is the source's"),
            std::string::npos);
  spec.sopInstanceUid = "1.02.3";
  EXPECT_NE(ErrorOf([&] { WriteTranscodedInstance(source, spec, dir / "x.dcm"); }).find("not a valid UID"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "x.dcm"));
}

// A stream of another size and rate: the pixel modules follow it; attributes of the old pixels and frames go.
TEST_F(Transcode, NewPixelDescription) {
  TranscodedVideoSpec spec = H264Spec();
  spec.pixels.rows = 720;
  spec.pixels.columns = 1280;
  spec.pixels.numberOfFrames = 46;
  spec.pixels.frameTimeMs = 250;
  const std::string out = dir / "scaled.dcm";
  WriteTranscodedInstance(VideoInstanceReader(hevc), spec, out);
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(out.c_str()).good());
  DcmDataset& d = *file.getDataset();
  EXPECT_EQ(Get(d, DCM_Rows), "720");
  EXPECT_EQ(Get(d, DCM_Columns), "1280");
  EXPECT_EQ(Get(d, DCM_NumberOfFrames), "46");
  EXPECT_EQ(Get(d, DCM_FrameTime), "250");
  EXPECT_EQ(Get(d, DCM_CineRate), "4");
  EXPECT_EQ(Get(d, DCM_StopTrim), "46");
  EXPECT_EQ(Get(d, DCM_PhotometricInterpretation), "YBR_PARTIAL_420");
  EXPECT_EQ(Get(d, DCM_BitsAllocated), "8");
  EXPECT_FALSE(d.tagExists(DCM_PixelSpacing));
  EXPECT_FALSE(d.tagExists(DCM_RepresentativeFrameNumber));
  EXPECT_EQ(Get(d, DCM_PatientName), "Test^Patient");
}

TEST_F(Transcode, RefusesAStreamThatDoesNotFitTheSyntax) {
  const VideoInstanceReader source(hevc);
  TranscodedVideoSpec spec = H264Spec();
  spec.pixels.rows = 2160;  // 4K does not fit H.264 Level 4.1
  spec.pixels.columns = 3840;
  EXPECT_THROW(WriteTranscodedInstance(source, spec, dir / "x.dcm"), DicomError);

  spec = H264Spec();
  EncodedStreamFacts facts;
  facts.codec = VideoCodec::H264;
  facts.profile = "High";
  facts.level = 51;  // above 4.1
  facts.width = 1264;
  facts.height = 1010;
  facts.fps = 2;
  facts.chromaFormat = "420";
  spec.streamFacts = facts;
  const std::string message = ErrorOf([&] { WriteTranscodedInstance(source, spec, dir / "x.dcm"); });
  EXPECT_NE(message.find("does not conform to"), std::string::npos) << message;

  facts.level = 41;
  spec.streamFacts = facts;
  WriteTranscodedInstance(source, spec, dir / "fits.dcm");  // the same facts at the right level are accepted

  spec = H264Spec();
  spec.pixels.transferSyntaxUid = "1.2.840.10008.1.2.1";  // not a video syntax
  EXPECT_THROW(WriteTranscodedInstance(source, spec, dir / "x.dcm"), DicomError);
  EXPECT_FALSE(std::filesystem::exists(dir / "x.dcm"));
  EXPECT_FALSE(std::filesystem::exists(dir / "x.dcm.tmp"));
}

}  // namespace
}  // namespace va::dicom
