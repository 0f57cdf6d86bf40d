// The archival transcode with its provenance: masked regions, the watermark and the signed SEI written in the same
// pass, read back by ScanProvenance and DetectWatermark.
#include <gtest/gtest.h>

#include <cstring>

#include "TestSupport.h"
#include "va/codec/Provenance.h"
#include "va/codec/Transcoder.h"
#include "va/codec/Watermark.h"

namespace va::codec {
namespace {

using test::Clip;
using test::MakeWithFfmpeg;

using test::Scratch;

// A stand-in for Ed25519: the codec only carries the bytes; the signature itself is checked in verify/ and the
// integration tests, with the real key.
std::vector<uint8_t> FakeSign(const std::vector<uint8_t>& message) {
  std::vector<uint8_t> s(64);
  for (size_t i = 0; i < message.size(); ++i) s[i % 64] = static_cast<uint8_t>(s[i % 64] * 31 + message[i]);
  return s;
}

TEST(TranscodeProvenance, MaskedMarkedAndSignedInOnePass) {
  // 36 frames of the real neurosurgery clip: enough for the watermark, short for the sanitizer run.
  const std::string in = MakeWithFfmpeg("neuro-36.mp4", "-i " + Clip("weasis_neurosurgery_h264_720p.mp4") +
                                                            " -frames:v 36 -c:v libx264 -preset ultrafast -crf 16 -an");
  const std::string out = Scratch("provenance.mp4");
  TranscodeOptions o;
  o.preset = "ultrafast";
  o.keyintMax = 25;
  o.keepAudio = false;
  o.masks.push_back({40, 40, 320, 60});
  o.watermark.enabled = true;
  o.watermark.key.fill(7);
  o.watermark.archiveId = 0x1234abcd5678ef01ULL;
  o.provenance.record.studyInstanceUid = "1.2.3";
  o.provenance.record.seriesInstanceUid = "1.2.3.4";
  o.provenance.record.sopInstanceUid = "1.2.3.4.5";
  o.provenance.record.watermarkId = o.watermark.archiveId;
  o.provenance.sign = FakeSign;
  const TranscodeResult r = Transcode(in, out, o);
  EXPECT_EQ(r.framesMasked, r.framesOut);
  EXPECT_GE(r.provenanceMessages, 2 + r.framesOut / 25);  // every keyframe, and the final message
  EXPECT_NE(r.encoderSettings.find("picture-hash=md5"), std::string::npos);

  const ProvenanceScan scan = ScanProvenance(out, true);
  EXPECT_TRUE(scan.problems.empty()) << scan.problems.front();
  EXPECT_EQ(scan.pictures, r.framesOut);
  EXPECT_EQ(scan.picturesDecoded, r.framesOut);
  EXPECT_TRUE(scan.finalPresent);
  ASSERT_EQ(static_cast<int64_t>(scan.messages.size()), r.provenanceMessages);
  for (size_t i = 0; i < scan.messages.size(); ++i) {
    EXPECT_TRUE(scan.chainMatches[i]);
    EXPECT_EQ(scan.messages[i].signature, FakeSign(scan.messages[i].signedBytes));
    EXPECT_EQ(scan.messages[i].record.sopInstanceUid, "1.2.3.4.5");
  }
  EXPECT_NE(scan.messages.front().record.encoder.find("x265"), std::string::npos);  // filled in by the transcoder

  const WatermarkDetection d = DetectWatermark(out, o.watermark.key);
  EXPECT_TRUE(d.found) << d.reason;
  EXPECT_EQ(d.archiveId, o.watermark.archiveId);

  // The masked region is black in the encoded pictures.
  std::string gray;
  ASSERT_EQ(test::Run("ffmpeg -nostdin -v error -i " + out + " -vf 'select=eq(n\\,30),crop=320:60:40:40'" +
                          " -frames:v 1 -f rawvideo -pix_fmt gray - | od -An -tu1 -v",
                      &gray),
            0);
  int maximum = 0;
  for (char* p = std::strtok(gray.data(), " \n"); p; p = std::strtok(nullptr, " \n"))
    maximum = std::max(maximum, std::atoi(p));
  EXPECT_LT(maximum, 40);
}

TEST(TranscodeProvenance, MaskOutsideThePictureIsClippedAndEmptyMaskRefused) {
  const std::string in = MakeWithFfmpeg(
      "provenance-small.mp4", "-f lavfi -i testsrc2=s=320x240:r=10 -frames:v 10 -c:v libx264 -preset ultrafast");
  TranscodeOptions o;
  o.preset = "ultrafast";
  o.masks.push_back({300, 200, 500, 500});
  EXPECT_EQ(Transcode(in, Scratch("provenance-clipped.mp4"), o).framesMasked, 10);
  o.masks = {{0, 0, 0, 10}};
  EXPECT_THROW(Transcode(in, Scratch("provenance-empty.mp4"), o), CodecError);
}

}  // namespace
}  // namespace va::codec
