// Which transfer syntax an already-encoded stream fits as it is (PS3.5 8.2.5-8.2.11).
#include <gtest/gtest.h>

#include "va/dicom/TransferSyntaxTable.h"

namespace va::dicom {
namespace {

constexpr const char* kAvc41 = "1.2.840.10008.1.2.4.102";
constexpr const char* kAvcBd = "1.2.840.10008.1.2.4.103";
constexpr const char* kAvc42 = "1.2.840.10008.1.2.4.104";
constexpr const char* kAvc3d = "1.2.840.10008.1.2.4.105";
constexpr const char* kAvcStereo = "1.2.840.10008.1.2.4.106";

EncodedStreamFacts Avc(const char* profile, int level, int width = 1920, int height = 1080, double fps = 30) {
  return {VideoCodec::H264, profile, level, width, height, fps, 8, "420", false};
}

EncodedStreamFacts Hevc(const char* profile, int level, int bitDepth = 8) {
  return {VideoCodec::Hevc, profile, level, 3840, 2160, 60, bitDepth, "420", false};
}

std::string Fit(const EncodedStreamFacts& facts, std::string* why = nullptr) {
  std::string ignored;
  return FindFittingTransferSyntax(facts, why != nullptr ? why : &ignored);
}

std::string Problem(const char* uid, const EncodedStreamFacts& facts) {
  return StreamFitProblem(*FindVideoTransferSyntax(uid), facts);
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(StreamFit, HighProfileLevel41PrefersTheLowerLevelSyntax) {
  std::string why = "stale";
  EXPECT_EQ(Fit(Avc("High", 41), &why), kAvc41);
  EXPECT_EQ(why, "");                               // cleared on success
  EXPECT_EQ(Problem(kAvc42, Avc("High", 41)), "");  // .104 would fit too; .102 comes first
  EXPECT_EQ(Fit(Avc("High", 40, 1280, 720, 60)), kAvc41);
  EXPECT_EQ(Fit(Avc("High", 31, 1264, 1010, 2)), kAvc41);  // the endovis clips
}

TEST(StreamFit, Level42GoesToThe2DSyntax) {
  EXPECT_EQ(Fit(Avc("High", 42, 1920, 1080, 60)), kAvc42);
  // Signalled 4.1 but 1080p60 exceeds 4.1's macroblock rate: the limits decide, not the label alone.
  EXPECT_EQ(Fit(Avc("High", 41, 1920, 1080, 60)), kAvc42);
}

TEST(StreamFit, LevelAboveTheSyntaxIsRefused) {
  std::string why;
  EXPECT_EQ(Fit(Avc("High", 52, 1920, 1080, 30), &why), "");
  EXPECT_TRUE(Has(why, "level 5.2 above 4.1")) << why;
  EXPECT_TRUE(Has(why, "level 5.2 above 4.2")) << why;
  EXPECT_TRUE(Has(why, kAvc41) && Has(why, kAvc42)) << why;
  EXPECT_EQ(Problem(kAvc41, Avc("High", 42)), "level 4.2 above 4.1");
  EXPECT_EQ(Problem(kAvc41, Avc("High", 0)), "the H.264 level is unknown (0)");
  EXPECT_EQ(Problem(kAvc41, Avc("Constrained Baseline", 9, 176, 144, 15)), "");  // level 1b
}

TEST(StreamFit, MainAndConstrainedBaselineAreHighProfileSubsets) {
  EXPECT_EQ(Fit(Avc("Main", 40)), kAvc41);
  EXPECT_EQ(Fit(Avc("Constrained Baseline", 31, 1280, 720, 30)), kAvc41);
  EXPECT_EQ(Fit(Avc("Main", 42, 1920, 1080, 60)), kAvc42);
}

TEST(StreamFit, ProfilesHighDecodersCannotPlayAreRefused) {
  for (const char* profile :
       {"Baseline", "Extended", "High 10", "High 4:2:2", "High 4:4:4 Predictive", "Multiview High", "High 10 Intra"}) {
    std::string why;
    EXPECT_EQ(Fit(Avc(profile, 41), &why), "") << profile;
    EXPECT_TRUE(Has(why, std::string("H.264 ") + profile + " profile has no DICOM transfer syntax")) << why;
  }
  EXPECT_TRUE(Has(Problem(kAvc41, Avc("Baseline", 30)), "this syntax carries High, Main or Constrained Baseline"));
  std::string why;
  EXPECT_EQ(Fit(Avc("", 41), &why), "");
  EXPECT_TRUE(Has(why, "profile is unknown")) << why;
}

TEST(StreamFit, H264IsEightBit420Only) {
  EncodedStreamFacts chroma = Avc("High", 41);
  chroma.chromaFormat = "422";
  EXPECT_EQ(Problem(kAvc41, chroma), "chroma 4:2:2: DICOM video carries 4:2:0 only");
  std::string why;
  EXPECT_EQ(Fit(chroma, &why), "");
  EXPECT_TRUE(Has(why, "4:2:2")) << why;
  EncodedStreamFacts deep = Avc("High", 41);
  deep.bitDepth = 10;  // inconsistent with High, but a probe may say so
  EXPECT_TRUE(Has(Problem(kAvc41, deep), "10-bit samples")) << Problem(kAvc41, deep);
  EXPECT_EQ(Fit(deep), "");
}

TEST(StreamFit, InterlacedH264OnlyWhereTheLevelAllowsIt) {
  EncodedStreamFacts field = Avc("High", 41, 1920, 1080, 30000.0 / 1001);
  field.interlaced = true;
  EXPECT_EQ(Fit(field), kAvc41);  // 1080i is a level 4.1 format
  field.level = 42;
  std::string why;
  EXPECT_EQ(Fit(field, &why), "");
  EXPECT_TRUE(Has(why, "level 4.2 is progressive only")) << why;
  EXPECT_TRUE(Has(Problem(kAvc42, field), "frame_mbs_only_flag")) << Problem(kAvc42, field);
}

TEST(StreamFit, BlurayCompatibleOnlyListedFormatsRatesAndScan) {
  EncodedStreamFacts film = Avc("High", 41, 1920, 1080, 24000.0 / 1001);
  EXPECT_EQ(Problem(kAvcBd, film), "");
  EncodedStreamFacts tv = Avc("High", 41, 1920, 1080, 25);
  tv.interlaced = true;
  EXPECT_EQ(Problem(kAvcBd, tv), "");
  tv.interlaced = false;
  EXPECT_TRUE(Has(Problem(kAvcBd, tv), "interlaced only")) << Problem(kAvcBd, tv);
  EncodedStreamFacts hd = Avc("High", 41, 1280, 720, 50);
  EXPECT_EQ(Problem(kAvcBd, hd), "");
  hd.interlaced = true;
  EXPECT_TRUE(Has(Problem(kAvcBd, hd), "progressive")) << Problem(kAvcBd, hd);
  EXPECT_TRUE(Has(Problem(kAvcBd, Avc("High", 41, 1920, 1080, 30)), "DICOM permits only"));
  EXPECT_TRUE(Has(Problem(kAvcBd, Avc("High", 41, 1440, 1080, 25)), "DICOM permits only"));
  EXPECT_EQ(Fit(film), kAvc41);  // never .103: .102 carries everything it does
}

TEST(StreamFit, StereoSyntaxesOnlyForStereoStreams) {
  for (const EncodedStreamFacts& flat : {Avc("High", 41), Avc("High", 42, 1920, 1080, 60)}) {
    const std::string uid = Fit(flat);
    EXPECT_NE(uid, kAvc3d);
    EXPECT_NE(uid, kAvcStereo);
  }
  EXPECT_TRUE(Has(Problem(kAvc3d, Avc("High", 42)), "frame-packed 3D video only"));
  EncodedStreamFacts packed = Avc("High", 41);
  packed.framePacked3d = true;
  EXPECT_EQ(Fit(packed), kAvc3d);
  EXPECT_TRUE(Has(Problem(kAvc41, packed), kAvc3d)) << Problem(kAvc41, packed);
  EXPECT_EQ(Fit(Avc("Stereo High", 42, 1920, 1080, 30)), kAvcStereo);
  EXPECT_TRUE(Has(Problem(kAvc42, Avc("Stereo High", 42)), "this syntax carries High"));
  std::string why;
  EXPECT_EQ(Fit(Avc("Stereo High", 51), &why), "");
  EXPECT_TRUE(Has(why, "level 5.1 above 4.2")) << why;
}

TEST(StreamFit, HevcMainAndMain10) {
  EXPECT_EQ(Fit(Hevc("Main", 153)), kHevcMainUid);
  EXPECT_EQ(Fit(Hevc("Main", 150)), kHevcMainUid);
  EXPECT_EQ(Problem(kHevcMain10Uid, Hevc("Main", 153)), "");  // Main is a subset of Main 10
  EXPECT_EQ(Fit(Hevc("Main 10", 153, 10)), kHevcMain10Uid);
  EXPECT_EQ(Fit(Hevc("Main 10", 153, 8)), kHevcMain10Uid);  // Main 10 profile, 8-bit content
  EXPECT_TRUE(Has(Problem(kHevcMainUid, Hevc("Main 10", 153, 10)), "this syntax carries Main"));
  EXPECT_TRUE(Has(Problem(kHevcMain10Uid, Hevc("Main", 153, 10)), "10-bit samples"));  // Main cannot be 10-bit
  std::string why;
  EXPECT_EQ(Fit(Hevc("Main", 156), &why), "");
  EXPECT_TRUE(Has(why, "level 5.2 above 5.1")) << why;
  EXPECT_EQ(Fit(Hevc("Rext", 153), &why), "");
  EXPECT_TRUE(Has(why, "HEVC Rext profile has no DICOM transfer syntax")) << why;
  EncodedStreamFacts big = Hevc("Main", 153);
  big.width = 7680;
  big.height = 4320;
  big.fps = 30;
  EXPECT_EQ(Fit(big, &why), "");
  EXPECT_TRUE(Has(why, "7680x4320")) << why;
  EncodedStreamFacts chroma = Hevc("Main 10", 153, 10);
  chroma.chromaFormat = "422";
  EXPECT_EQ(Fit(chroma, &why), "");
  EXPECT_TRUE(Has(why, "chroma 4:2:2")) << why;
  EncodedStreamFacts field = Hevc("Main", 153);
  field.interlaced = true;
  EXPECT_EQ(Fit(field, &why), "");
  EXPECT_TRUE(Has(why, "field-coded")) << why;
}

TEST(StreamFit, Mpeg2) {
  EncodedStreamFacts sd{VideoCodec::Mpeg2, "Main", 8, 720, 576, 25, 8, "420", true};
  EXPECT_EQ(Fit(sd), "1.2.840.10008.1.2.4.100");
  EncodedStreamFacts hd{VideoCodec::Mpeg2, "Main", 4, 1920, 1080, 25, 8, "420", true};
  EXPECT_EQ(Fit(hd), "1.2.840.10008.1.2.4.101");
  std::string why;
  EncodedStreamFacts studio{VideoCodec::Mpeg2, "4:2:2", 8, 720, 576, 25, 8, "422", true};
  EXPECT_EQ(Fit(studio, &why), "");
  EXPECT_TRUE(Has(why, "MPEG-2 4:2:2 profile has no DICOM transfer syntax")) << why;
}

TEST(StreamFit, CodecMustMatchTheSyntax) {
  EXPECT_TRUE(Has(Problem(kHevcMainUid, Avc("Main", 41)), "cannot use a HEVC transfer syntax"));
}

}  // namespace
}  // namespace va::dicom
