// Transcoder options and unusual sources: size limit, crop, deinterlacing, variable frame rate, chroma formats,
// keyframe interval, HEVC level, other intermediate and legacy codecs.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "TestSupport.h"
#include "va/codec/Transcoder.h"

namespace va::codec {
namespace {

using test::MakeWithFfmpeg;
using test::Scratch;

TranscodeOptions Fast() {
  TranscodeOptions o;
  o.preset = "ultrafast";
  return o;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ffprobe's one-line answer for the first video stream, e.g. Ffprobe(f, "stream=codec_tag_string").
std::string Ffprobe(const std::string& path, const std::string& entries) {
  std::string out;
  test::Run("ffprobe -v error -select_streams v:0 -show_entries " + entries + " -of csv=p=0 '" + path + "'", &out);
  while (!out.empty() && (out.back() == '\n' || out.back() == ',')) out.pop_back();
  return out;
}

// Mean PSNR-Y (dB) of `a` against `b` after the filter `bFilter` on b ("null" for none), by FFmpeg's psnr filter.
double PsnrY(const std::string& a, const std::string& b, const std::string& bFilter) {
  std::string log;
  test::Run("ffmpeg -nostdin -i '" + a + "' -i '" + b + "' -lavfi '[1:v]" + bFilter +
                "[r];[0:v][r]psnr' -f null - 2>&1 | grep -o 'y:[0-9.inf]*' | tail -1",
            &log);
  if (log.rfind("y:", 0) != 0) throw std::runtime_error("no PSNR from ffmpeg: " + log);
  return log.find("inf") != std::string::npos ? 100 : std::stod(log.substr(2));
}

class TranscodeEdge : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::HaveFfmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
  }
};

// No DICOM transfer syntax carries 8K or 4:2:2: the archive keeps a 4K 4:2:0 Main 10 rendition.
TEST_F(TranscodeEdge, EightKFourTwoTwoTwelveBitIsScaledDownToUhdMain10) {
  // Upscaled from a small test pattern with nearest neighbour, which is far cheaper than rendering it at 8K.
  const std::string src =
      MakeWithFfmpeg("8k.mkv",
                     "-f lavfi -i testsrc2=size=960x540:rate=5 -frames:v 2 "
                     "-vf scale=7680:4320:flags=neighbor,format=yuv422p12le -c:v libx265 -preset ultrafast "
                     "-x265-params log-level=error");
  const StreamInfo in = Probe(src);
  EXPECT_EQ(in.chromaFormat, "422");
  EXPECT_EQ(in.bitDepth, 12);
  TranscodeOptions o = Fast();
  o.bitDepth = 10;
  o.maxWidth = 3840;
  o.maxHeight = 2160;
  const std::string out = Scratch("8k_to_uhd.mp4");
  const TranscodeResult r = Transcode(src, out, o);
  EXPECT_EQ(r.sourceWidth, 7680);
  EXPECT_EQ(r.sourceHeight, 4320);
  EXPECT_EQ(r.width, 3840);
  EXPECT_EQ(r.height, 2160);
  EXPECT_EQ(r.framesOut, 2);
  EXPECT_TRUE(Contains(r.videoNote, "scaled down 7680x4320 to 3840x2160 to fit within 3840x2160")) << r.videoNote;
  EXPECT_TRUE(Contains(r.videoNote, "converted yuv422p12le to yuv420p10le")) << r.videoNote;
  EXPECT_GT(r.psnrY, 30);
  const StreamInfo s = Probe(out);
  EXPECT_EQ(s.width, 3840);
  EXPECT_EQ(s.height, 2160);
  EXPECT_EQ(s.profile, "Main 10");
  EXPECT_EQ(s.pixelFormat, "yuv420p10le");
  EXPECT_EQ(s.chromaFormat, "420");
  EXPECT_LE(s.level, 153);
  EXPECT_EQ(DecodeAll(out).frames, 2);
}

TEST_F(TranscodeEdge, SizeLimitKeepsTheAspectRatioAndEvenSizes) {
  const std::string src =
      MakeWithFfmpeg("wide.mkv", "-f lavfi -i testsrc2=size=1000x562:rate=10:duration=0.5 -c:v ffv1");
  TranscodeOptions o = Fast();
  o.maxWidth = 641;  // odd limits round down to even sizes
  const TranscodeResult r = Transcode(src, Scratch("wide.mp4"), o);
  EXPECT_EQ(r.width, 640);
  EXPECT_EQ(r.height, 360);  // 562 * 0.641 = 360.2
  EXPECT_EQ(r.framesOut, 5);
  // Within the limit nothing is scaled (the odd height is padded as before).
  o.maxWidth = 1000;
  o.maxHeight = 600;
  const TranscodeResult same = Transcode(src, Scratch("wide_same.mp4"), o);
  EXPECT_EQ(same.width, 1000);
  EXPECT_EQ(same.height, 562);
  EXPECT_FALSE(Contains(same.videoNote, "scaled")) << same.videoNote;
}

// One view of a side-by-side stereo frame: the left half is the pattern, the right half its mirror image.
TEST_F(TranscodeEdge, CropTakesOneViewOfASideBySideFrame) {
  const std::string src = MakeWithFfmpeg("sbs.mkv",
                                         "-f lavfi -i testsrc2=size=320x240:rate=10:duration=1 "
                                         "-filter_complex '[0]split[a][b];[b]hflip[c];[a][c]hstack' -c:v ffv1");
  ASSERT_EQ(Probe(src).width, 640);
  TranscodeOptions o = Fast();
  o.crop = {0, 0, 320, 240};
  const std::string left = Scratch("sbs_left.mp4");
  const TranscodeResult l = Transcode(src, left, o);
  EXPECT_EQ(l.width, 320);
  EXPECT_EQ(l.height, 240);
  EXPECT_EQ(l.sourceWidth, 640);
  EXPECT_EQ(l.framesOut, 10);
  EXPECT_TRUE(Contains(l.videoNote, "cropped 320x240 at (0,0) from 640x240")) << l.videoNote;
  o.crop = {320, 0, 320, 240};
  const std::string right = Scratch("sbs_right.mp4");
  EXPECT_EQ(Transcode(src, right, o).width, 320);
  // Each output matches its own half of the source, not the other (mirrored) one.
  EXPECT_GT(PsnrY(left, src, "crop=320:240:0:0"), 30);
  EXPECT_LT(PsnrY(left, src, "crop=320:240:320:0"), 20);
  EXPECT_GT(PsnrY(right, src, "crop=320:240:320:0"), 30);

  // Crop, then the size limit.
  o.crop = {320, 0, 320, 240};
  o.maxWidth = 160;
  const TranscodeResult small = Transcode(src, Scratch("sbs_small.mp4"), o);
  EXPECT_EQ(small.width, 160);
  EXPECT_EQ(small.height, 120);
}

TEST_F(TranscodeEdge, BadGeometryIsACodecErrorAndLeavesNoOutput) {
  const std::string src =
      MakeWithFfmpeg("geom.mkv", "-f lavfi -i testsrc2=size=320x240:rate=10:duration=0.3 -c:v ffv1");
  auto expectError = [&](const TranscodeOptions& o, const std::string& message) {
    const std::string out = Scratch("geom_bad.mp4");
    try {
      Transcode(src, out, o);
      ADD_FAILURE() << "expected CodecError containing " << message;
    } catch (const CodecError& e) {
      EXPECT_TRUE(Contains(e.what(), message)) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(out));
  };
  TranscodeOptions o = Fast();
  o.crop = {200, 0, 160, 240};
  expectError(o, "crop 160x240 at (200,0) does not lie inside the 320x240 picture");
  o.crop = {0, 0, 0, 100};
  expectError(o, "has no width");
  o.crop = {};
  o.maxWidth = -1;
  expectError(o, "maxWidth and maxHeight must be 0 (no limit) or positive");
}

TEST_F(TranscodeEdge, InterlacedSourceIsDeinterlacedOneFramePerFrame) {
  const std::string src = MakeWithFfmpeg("interlaced.mpg",
                                         "-f lavfi -i testsrc2=size=720x576:rate=25:duration=1 -c:v mpeg2video "
                                         "-flags +ildct+ilme -top 1 -field_order tt -q:v 3");
  ASSERT_TRUE(Probe(src).interlaced);
  const std::string out = Scratch("deinterlaced.mp4");
  const TranscodeResult r = Transcode(src, out, Fast());
  EXPECT_EQ(r.framesIn, 25);
  EXPECT_EQ(r.framesOut, 25);
  EXPECT_TRUE(r.deinterlaced);
  EXPECT_TRUE(Contains(r.videoNote, "deinterlaced 25 interlaced frames (bwdif")) << r.videoNote;
  EXPECT_EQ(r.width, 720);
  EXPECT_EQ(r.height, 576);
  EXPECT_GT(r.psnrY, 30);
  const StreamInfo s = Probe(out);
  EXPECT_FALSE(s.interlaced);
  EXPECT_EQ(s.frameCount, 25);
  EXPECT_EQ(DecodeAll(out).frames, 25);
  EXPECT_EQ(Ffprobe(out, "stream=field_order"), "progressive");

  TranscodeOptions keep = Fast();
  keep.deinterlace = false;
  const TranscodeResult k = Transcode(src, Scratch("kept_interlaced.mp4"), keep);
  EXPECT_FALSE(k.deinterlaced);
  EXPECT_TRUE(Contains(k.videoNote, "interlaced source encoded as frames")) << k.videoNote;
  EXPECT_EQ(k.framesOut, 25);
}

// A 30 fps capture that lost every fifth frame: the gaps are filled by repeating the frame before.
TEST_F(TranscodeEdge, VariableFrameRateWithGapsIsPutOnTheNominalGrid) {
  const std::string src =
      MakeWithFfmpeg("vfr_gaps.mkv",
                     "-f lavfi -i testsrc2=size=160x120:rate=30:duration=3 "
                     "-vf select='not(eq(mod(n\\,5)\\,2))' -fps_mode vfr -c:v libx264 -preset ultrafast");
  const StreamInfo in = Probe(src);
  EXPECT_TRUE(in.variableFrameRate);
  EXPECT_EQ(DecodeAll(src).frames, 72);
  const std::string out = Scratch("vfr_gaps.mp4");
  const TranscodeResult r = Transcode(src, out, Fast());
  EXPECT_EQ(r.framesIn, 72);
  EXPECT_EQ(r.framesOut, 90);
  EXPECT_EQ(r.framesDuplicated, 18);
  EXPECT_EQ(r.framesDropped, 0);
  EXPECT_EQ(r.framesOut, r.framesIn + r.framesDuplicated - r.framesDropped);
  EXPECT_EQ(r.fpsNum, 30);
  EXPECT_EQ(r.fpsDen, 1);
  EXPECT_NEAR(r.durationSec, 3.0, 1e-6);
  EXPECT_TRUE(Contains(r.videoNote, "constant 30 fps grid: 18 frames repeated, 0 dropped")) << r.videoNote;
  const StreamInfo s = Probe(out);
  EXPECT_FALSE(s.variableFrameRate);
  EXPECT_EQ(s.frameCount, 90);
  EXPECT_NEAR(s.durationSec, 3.0, 1.0 / 30);
  EXPECT_EQ(s.fpsNum * 1, s.fpsDen * 30);
  EXPECT_EQ(DecodeAll(out).frames, 90);
}

// Every fifth frame arrives 5 ms after the one before: two frames fall into one slot and the next slot is empty.
TEST_F(TranscodeEdge, VariableFrameRateWithCollisionsDropsAndRepeats) {
  const std::string src =
      MakeWithFfmpeg("vfr_bunched.mkv",
                     "-f lavfi -i testsrc2=size=160x120:rate=30:duration=3 "
                     "-vf settb=1/1000,setpts='(N-eq(mod(N\\,5)\\,2)*(1-0.15))/30/TB' -fps_mode vfr "
                     "-enc_time_base:v 1:1000 -c:v libx264 -preset ultrafast");
  EXPECT_TRUE(Probe(src).variableFrameRate);
  const TranscodeResult r = Transcode(src, Scratch("vfr_bunched.mp4"), Fast());
  EXPECT_EQ(r.framesIn, 90);
  EXPECT_EQ(r.framesOut, 90);
  EXPECT_EQ(r.framesDropped, 18);
  EXPECT_EQ(r.framesDuplicated, 18);
  EXPECT_TRUE(Contains(r.videoNote, "18 frames repeated, 18 dropped")) << r.videoNote;
}

TEST_F(TranscodeEdge, ConstantRateSourcesAreNotVariable) {
  for (const char* clip : {"weasis_neurosurgery_h264_720p.mp4", "weasis_neurosurgery_mpeg2_ps_480p.mpg",
                           "endovis2017_d1_segmask_h264_1264x1010_2fps.mp4", "rvimlab_laparoscopy_h264_720p.mp4"}) {
    SCOPED_TRACE(clip);
    EXPECT_FALSE(Probe(test::Clip(clip)).variableFrameRate);
    EXPECT_EQ(Probe(test::Clip(clip)).chromaFormat, "420");
  }
  // Clock jitter well inside a frame period is not a variable rate.
  const std::string jitter = MakeWithFfmpeg("jitter.mkv",
                                            "-f lavfi -i testsrc2=size=160x120:rate=30:duration=2 "
                                            "-vf settb=1/1000,setpts='(N+0.1*sin(N))/30/TB' -fps_mode vfr "
                                            "-enc_time_base:v 1:1000 -c:v libx264 -preset ultrafast");
  EXPECT_FALSE(Probe(jitter).variableFrameRate);
}

TEST_F(TranscodeEdge, HighChromaAndBitDepthBecomeFourTwoZeroAtTheRequestedDepth) {
  const std::string src = MakeWithFfmpeg(
      "444p12.mkv", "-f lavfi -i testsrc2=size=320x240:rate=10:duration=0.5 -pix_fmt yuv444p12le -c:v ffv1");
  const StreamInfo in = Probe(src);
  EXPECT_EQ(in.chromaFormat, "444");
  EXPECT_EQ(in.bitDepth, 12);
  for (int depth : {8, 10}) {
    SCOPED_TRACE(depth);
    TranscodeOptions o = Fast();
    o.bitDepth = depth;
    const std::string out = Scratch("444p12_" + std::to_string(depth) + ".mp4");
    const TranscodeResult r = Transcode(src, out, o);
    EXPECT_EQ(r.framesOut, 5);
    EXPECT_GT(r.psnrY, 30);
    const StreamInfo s = Probe(out);
    EXPECT_EQ(s.chromaFormat, "420");
    EXPECT_EQ(s.bitDepth, depth);
    EXPECT_EQ(s.profile, depth == 8 ? "Main" : "Main 10");
  }
  const std::string grey = MakeWithFfmpeg("grey.mkv",
                                          "-f lavfi -i testsrc2=size=320x240:rate=10:duration=0.3 -pix_fmt gray "
                                          "-c:v ffv1");
  EXPECT_EQ(Probe(grey).chromaFormat, "400");
  EXPECT_EQ(Transcode(grey, Scratch("grey.mp4"), Fast()).framesOut, 3);
  EXPECT_EQ(Probe(Scratch("grey.mp4")).chromaFormat, "420");
}

// Keyframe positions (packet indices) of the first video stream.
std::vector<int> Keyframes(const std::string& path) {
  std::string flags;
  test::Run("ffprobe -v error -select_streams v:0 -show_entries packet=flags -of csv=p=0 '" + path + "'", &flags);
  std::vector<int> keys;
  std::istringstream lines(flags);
  std::string line;
  for (int i = 0; std::getline(lines, line); ++i)
    if (!line.empty() && line[0] == 'K') keys.push_back(i);
  return keys;
}

TEST_F(TranscodeEdge, KeyintMaxBoundsTheKeyframeIntervalWithClosedGops) {
  const std::string src = MakeWithFfmpeg("gop.mkv", "-f lavfi -i testsrc2=size=320x240:rate=25:duration=4 -c:v ffv1");
  TranscodeOptions o = Fast();
  o.keyintMax = 25;
  const std::string out = Scratch("gop.mp4");
  const TranscodeResult r = Transcode(src, out, o);
  EXPECT_TRUE(Contains(r.encoderSettings, "keyint=25 closed-gop")) << r.encoderSettings;
  const std::vector<int> keys = Keyframes(out);
  ASSERT_GE(keys.size(), 4u);
  EXPECT_EQ(keys.front(), 0);
  for (size_t i = 1; i < keys.size(); ++i) EXPECT_LE(keys[i] - keys[i - 1], 25);
  EXPECT_GE(100 - keys.back(), 1);
  EXPECT_LE(100 - keys.back(), 25);
  // The default stays x265's own (checked on a small picture: an 8K encode for it would cost seconds of CI).
  const std::string small = MakeWithFfmpeg("small422.mkv",
                                           "-f lavfi -i testsrc2=size=320x240:rate=5 -frames:v 2 "
                                           "-vf format=yuv422p12le -c:v libx265 -preset ultrafast "
                                           "-x265-params log-level=error");
  EXPECT_TRUE(Contains(Transcode(small, Scratch("gop_default.mp4"), Fast()).encoderSettings, "keyint=250"));
}

// DICOM's HEVC syntaxes end at level 5.1, which holds 4096x2160 at 60 fps.
TEST_F(TranscodeEdge, UhdAtSixtyFpsDeclaresLevelFiveOneAtMost) {
  const std::string uhd = MakeWithFfmpeg("uhd60.mkv",
                                         "-f lavfi -i testsrc2=size=480x270:rate=60 -frames:v 3 "
                                         "-vf scale=3840:2160:flags=neighbor -c:v libx264 -preset ultrafast");
  const std::string out = Scratch("uhd60.mp4");
  TranscodeOptions o = Fast();
  o.measureQuality = false;
  const TranscodeResult r = Transcode(uhd, out, o);
  EXPECT_EQ(r.fpsNum, 60);
  EXPECT_LE(Probe(out).level, 153);
  EXPECT_FALSE(Contains(r.encoderSettings, "level-idc")) << r.encoderSettings;

  // Many reference frames would make x265 choose level 6; the transcoder asks for 5.1 and x265 trims them.
  const std::string dci = MakeWithFfmpeg("dci60.mkv",
                                         "-f lavfi -i testsrc2=size=512x270:rate=60 -frames:v 3 "
                                         "-vf scale=4096:2160:flags=neighbor -c:v libx264 -preset ultrafast");
  o.x265Params = "ref=6:bframes=8:rc-lookahead=10";
  const std::string dciOut = Scratch("dci60.mp4");
  const TranscodeResult d = Transcode(dci, dciOut, o);
  EXPECT_TRUE(Contains(d.encoderSettings, "level-idc=5.1")) << d.encoderSettings;
  const StreamInfo s = Probe(dciOut);
  EXPECT_EQ(s.width, 4096);
  EXPECT_EQ(s.level, 153);
  EXPECT_EQ(DecodeAll(dciOut).frames, 3);
}

// Intermediate and legacy codecs a recorder or an old archive may deliver.
TEST_F(TranscodeEdge, MjpegProresAndMpeg4Part2Transcode) {
  struct Case {
    const char* name;
    const char* args;
    const char* codec;
  };
  const Case cases[] = {
      {"mjpeg.avi", "-pix_fmt yuvj422p -c:v mjpeg -q:v 3", "mjpeg"},
      {"prores.mov", "-pix_fmt yuv422p10le -c:v prores_ks -profile:v 2", "prores"},
      {"mpeg4.avi", "-pix_fmt yuv420p -c:v mpeg4 -q:v 3 -bf 2", "mpeg4"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string src =
        MakeWithFfmpeg(c.name, std::string("-f lavfi -i testsrc2=size=320x240:rate=10:duration=1 ") + c.args);
    EXPECT_EQ(Probe(src).codecName, c.codec);
    const std::string out = Scratch(std::string(c.name) + ".mp4");
    const TranscodeResult r = Transcode(src, out, Fast());
    EXPECT_EQ(r.framesIn, 10);
    EXPECT_EQ(r.framesOut, 10);
    EXPECT_GT(r.psnrY, 30);
    const StreamInfo s = Probe(out);
    EXPECT_EQ(s.codecName, "hevc");
    EXPECT_EQ(s.frameCount, 10);
    EXPECT_FALSE(s.variableFrameRate);
    EXPECT_EQ(DecodeAll(out).frames, 10);
  }
}

}  // namespace
}  // namespace va::codec
