#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "va/dicom/TransferSyntaxTable.h"

namespace va::dicom {
namespace {

const VideoTransferSyntax& Ts(const char* uid) {
  const VideoTransferSyntax* ts = FindVideoTransferSyntax(uid);
  EXPECT_NE(ts, nullptr) << uid;
  return *ts;
}

TEST(TransferSyntaxTable, FindsEveryVideoSyntax) {
  const char* uids[] = {"1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.101", "1.2.840.10008.1.2.4.102",
                        "1.2.840.10008.1.2.4.103", "1.2.840.10008.1.2.4.104", "1.2.840.10008.1.2.4.105",
                        "1.2.840.10008.1.2.4.106", "1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.108"};
  std::set<std::string> seen;
  for (const char* uid : uids) {
    const VideoTransferSyntax* ts = FindVideoTransferSyntax(uid);
    ASSERT_NE(ts, nullptr) << uid;
    EXPECT_EQ(ts->uid, uid);
    EXPECT_FALSE(ts->name.empty());
    EXPECT_FALSE(ts->lossyCompressionMethod.empty());
    seen.insert(ts->uid);
  }
  EXPECT_EQ(AllVideoTransferSyntaxes().size(), seen.size());
  EXPECT_EQ(Ts(kHevcMainUid).codec, VideoCodec::Hevc);
  EXPECT_EQ(Ts(kHevcMain10Uid).maxBitDepth, 10);
  EXPECT_EQ(Ts("1.2.840.10008.1.2.4.100").codec, VideoCodec::Mpeg2);
  EXPECT_EQ(Ts("1.2.840.10008.1.2.4.106").codec, VideoCodec::H264);
}

TEST(TransferSyntaxTable, NonVideoSyntaxesAreNotFound) {
  for (const char* uid : {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.50",
                          "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.1070", "", "garbage"})
    EXPECT_EQ(FindVideoTransferSyntax(uid), nullptr) << uid;
}

TEST(TransferSyntaxTable, OnlyHevcMaySpanFragments) {
  for (const auto& ts : AllVideoTransferSyntaxes()) EXPECT_EQ(ts.multiFragment, ts.codec == VideoCodec::Hevc);
}

TEST(TransferSyntaxTable, VideoSopClasses) {
  ASSERT_EQ(VideoSopClasses().size(), 3u);
  EXPECT_TRUE(IsVideoSopClass("1.2.840.10008.5.1.4.1.1.77.1.1.1"));
  EXPECT_TRUE(IsVideoSopClass("1.2.840.10008.5.1.4.1.1.77.1.2.1"));
  EXPECT_TRUE(IsVideoSopClass("1.2.840.10008.5.1.4.1.1.77.1.4.1"));
  EXPECT_FALSE(IsVideoSopClass("1.2.840.10008.5.1.4.1.1.77.1.1"));  // VL Endoscopic (still) Image
  EXPECT_FALSE(IsVideoSopClass("1.2.840.10008.5.1.4.1.1.3.1"));     // US Multi-frame
}

TEST(CheckFits, H264Level41) {
  const auto& ts = Ts("1.2.840.10008.1.2.4.102");
  EXPECT_EQ(CheckFits(ts, 1920, 1080, 30, 8), "");
  EXPECT_EQ(CheckFits(ts, 1920, 1080, 30000.0 / 1001, 8), "");
  EXPECT_EQ(CheckFits(ts, 1280, 720, 60, 8), "");
  EXPECT_EQ(CheckFits(ts, 1264, 1010, 2, 8), "");   // the endovis clips
  EXPECT_EQ(CheckFits(ts, 2048, 1024, 30, 8), "");  // MaxFS 8192 macroblocks exactly
  EXPECT_NE(CheckFits(ts, 1920, 1080, 60, 8), "");  // 1080p60 needs level 4.2
  const std::string uhd = CheckFits(ts, 3840, 2160, 30, 8);
  EXPECT_NE(uhd, "");
  EXPECT_NE(uhd.find("3840x2160 at 30 fps exceeds MPEG-4 AVC/H.264 High Profile / Level 4.1"), std::string::npos)
      << uhd;
  EXPECT_NE(uhd.find("1.2.840.10008.1.2.4.107"), std::string::npos) << "should suggest HEVC: " << uhd;
  EXPECT_NE(CheckFits(ts, 1920, 1080, 30, 10), "");  // High profile is 8-bit here
}

TEST(CheckFits, H264Level42SuggestedFor1080p60) {
  const std::string msg = CheckFits(Ts("1.2.840.10008.1.2.4.102"), 1920, 1080, 60, 8);
  EXPECT_NE(msg.find("1.2.840.10008.1.2.4.107"), std::string::npos) << msg;  // HEVC preferred
  EXPECT_EQ(CheckFits(Ts("1.2.840.10008.1.2.4.104"), 1920, 1080, 60, 8), "");
  EXPECT_NE(CheckFits(Ts("1.2.840.10008.1.2.4.104"), 1920, 1080, 120, 8), "");
}

TEST(CheckFits, HevcMainLevel51) {
  const auto& ts = Ts(kHevcMainUid);
  EXPECT_EQ(CheckFits(ts, 4096, 2160, 60, 8), "");
  EXPECT_EQ(CheckFits(ts, 3840, 2160, 60, 8), "");
  EXPECT_EQ(CheckFits(ts, 8192, 1088, 30, 8), "");  // MaxLumaPs exactly, width under sqrt(8 * MaxLumaPs)
  EXPECT_NE(CheckFits(ts, 8448, 1024, 30, 8), "");  // wider than 8444
  const std::string eightK = CheckFits(ts, 7680, 4320, 30, 8);
  EXPECT_NE(eightK.find("7680x4320"), std::string::npos) << eightK;
  EXPECT_NE(eightK.find("no DICOM video transfer syntax"), std::string::npos) << eightK;
  const std::string fast = CheckFits(ts, 3840, 2160, 120, 8);
  EXPECT_NE(fast.find("3840x2160 at 120 fps exceeds HEVC/H.265 Main Profile / Level 5.1 (max 4096x2160 at 60 fps"),
            std::string::npos)
      << fast;
  const std::string tenBit = CheckFits(ts, 1920, 1080, 30, 10);
  EXPECT_NE(tenBit.find("8-bit"), std::string::npos) << tenBit;
  EXPECT_NE(tenBit.find(kHevcMain10Uid), std::string::npos) << tenBit;
}

TEST(CheckFits, HevcMain10) {
  const auto& ts = Ts(kHevcMain10Uid);
  EXPECT_EQ(CheckFits(ts, 4096, 2160, 60, 10), "");
  EXPECT_EQ(CheckFits(ts, 1920, 1080, 30, 8), "");
  EXPECT_NE(CheckFits(ts, 1920, 1080, 30, 12), "");
}

TEST(CheckFits, Mpeg2) {
  const auto& ml = Ts("1.2.840.10008.1.2.4.100");
  EXPECT_EQ(CheckFits(ml, 720, 480, 30000.0 / 1001, 8), "");  // the weasis MPEG-2 clip
  EXPECT_EQ(CheckFits(ml, 720, 576, 25, 8), "");
  EXPECT_NE(CheckFits(ml, 720, 576, 30, 8), "");  // PAL size at NTSC rate: over 10,368,000 samples/s
  EXPECT_NE(CheckFits(ml, 1280, 720, 25, 8), "");
  EXPECT_NE(CheckFits(ml, 352, 288, 50, 8), "");  // Main Level tops out at 30 fps
  const auto& hl = Ts("1.2.840.10008.1.2.4.101");
  EXPECT_EQ(CheckFits(hl, 1920, 1080, 25, 8), "");
  EXPECT_EQ(CheckFits(hl, 1280, 720, 60000.0 / 1001, 8), "");
  EXPECT_NE(CheckFits(hl, 1920, 1080, 50, 8), "");
  const std::string odd = CheckFits(hl, 1440, 1080, 25, 8);
  EXPECT_NE(odd.find("DICOM permits only 1920x1080 and 1280x720"), std::string::npos) << odd;
}

TEST(CheckFits, BlurayFormatsOnly) {
  const auto& bd = Ts("1.2.840.10008.1.2.4.103");
  EXPECT_EQ(CheckFits(bd, 1920, 1080, 24000.0 / 1001, 8), "");
  EXPECT_EQ(CheckFits(bd, 1280, 720, 50, 8), "");
  EXPECT_NE(CheckFits(bd, 1920, 1080, 30, 8), "");  // 29.97 interlaced is listed, 30 is not
  EXPECT_NE(CheckFits(bd, 1024, 768, 25, 8), "");
}

TEST(CheckFits, InvalidInput) {
  const auto& ts = Ts(kHevcMainUid);
  EXPECT_NE(CheckFits(ts, 0, 1080, 30, 8), "");
  EXPECT_NE(CheckFits(ts, 1920, -1, 30, 8), "");
  EXPECT_NE(CheckFits(ts, 1920, 1080, 0, 8), "");
  EXPECT_NE(CheckFits(ts, 1920, 1080, std::numeric_limits<double>::quiet_NaN(), 8), "");
  EXPECT_NE(CheckFits(ts, 1920, 1080, 30, 0), "");
}

}  // namespace
}  // namespace va::dicom
