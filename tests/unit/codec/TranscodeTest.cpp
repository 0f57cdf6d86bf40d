#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

extern "C" {
#include <libavformat/avformat.h>
}

#include "TestSupport.h"
#include "va/codec/Transcoder.h"

namespace va::codec {
namespace {

using test::Clip;
using test::Scratch;

TranscodeOptions Fast() {
  TranscodeOptions o;
  o.preset = "ultrafast";  // CI has 2 cores; quality gates below still hold at ultrafast
  return o;
}

bool MoovBeforeMdat(const std::string& path) {
  const auto boxes = test::TopLevelBoxes(path);
  const auto moov = std::find(boxes.begin(), boxes.end(), "moov");
  const auto mdat = std::find(boxes.begin(), boxes.end(), "mdat");
  return moov != boxes.end() && mdat != boxes.end() && moov < mdat;
}

// One transcode of the neurosurgery H.264 clip, shared by the checks that only read its result.
class NeurosurgeryH264 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    source_ = Clip("weasis_neurosurgery_h264_720p.mp4");
    output_ = Scratch("neuro_h264.mp4");
    result_ = Transcode(source_, output_, Fast());
  }
  static std::string source_, output_;
  static TranscodeResult result_;
};
std::string NeurosurgeryH264::source_, NeurosurgeryH264::output_;
TranscodeResult NeurosurgeryH264::result_;

TEST_F(NeurosurgeryH264, OutputIsHevcMainInFaststartMp4) {
  const StreamInfo out = Probe(output_);
  EXPECT_EQ(out.container, "mov,mp4,m4a,3gp,3g2,mj2");
  EXPECT_EQ(out.codecName, "hevc");
  EXPECT_EQ(out.profile, "Main");
  EXPECT_EQ(out.pixelFormat, "yuv420p");
  EXPECT_EQ(out.width, 1280);
  EXPECT_EQ(out.height, 720);
  EXPECT_TRUE(MoovBeforeMdat(output_)) << ::testing::PrintToString(test::TopLevelBoxes(output_));
  EXPECT_EQ(result_.outputBytes, static_cast<int64_t>(std::filesystem::file_size(output_)));
  EXPECT_EQ(result_.inputBytes, static_cast<int64_t>(std::filesystem::file_size(source_)));
  EXPECT_NE(result_.encoderSettings.find("preset=ultrafast crf=22 profile=main"), std::string::npos)
      << result_.encoderSettings;
}

TEST_F(NeurosurgeryH264, EveryFrameArrivesWithTheSourceDuration) {
  const StreamInfo in = Probe(source_);
  const StreamInfo out = Probe(output_);
  EXPECT_EQ(result_.framesIn, in.frameCount);
  EXPECT_EQ(result_.framesOut, in.frameCount);
  EXPECT_EQ(out.frameCount, in.frameCount);
  EXPECT_EQ(DecodeAll(output_).frames, in.frameCount);
  const double frame = static_cast<double>(in.fpsDen) / in.fpsNum;
  EXPECT_NEAR(out.durationSec, in.durationSec, frame);
  EXPECT_NEAR(result_.durationSec, in.durationSec, frame);
  EXPECT_EQ(out.fpsNum * in.fpsDen, in.fpsNum * out.fpsDen);
}

TEST_F(NeurosurgeryH264, QualityIsMeasuredInThePass) {
  EXPECT_GT(result_.psnrY, 30);
  EXPECT_GT(result_.minPsnrY, 25);
  EXPECT_LE(result_.minPsnrY, result_.psnrY);
  EXPECT_GT(result_.psnrGlobal, 30);
  EXPECT_GT(result_.ssim, 0.9);
  EXPECT_LE(result_.ssim, 1.0);
  EXPECT_NEAR(result_.ssimDb, -10 * std::log10(1 - result_.ssim), 1e-9);
  EXPECT_GT(result_.encodeFps, 0);
}

TEST_F(NeurosurgeryH264, AacIsCopied) {
  EXPECT_EQ(result_.audioTracks, 1);
  EXPECT_EQ(result_.audioNote, "copied aac");
  const StreamInfo out = Probe(output_);
  EXPECT_EQ(out.audioStreams, 1);
  EXPECT_EQ(out.audioCodec, "aac");
  EXPECT_EQ(DecodeAll(output_).audioPackets, DecodeAll(source_).audioPackets);
}

// x265's own PSNR must agree with an independent measurement (FFmpeg's psnr filter, frame by frame).
TEST_F(NeurosurgeryH264, X265PsnrAgreesWithFfmpegPsnrFilter) {
  if (!test::HaveFfmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
  const std::string stats = Scratch("psnr_stats.log");
  std::string log;
  const int rc = test::Run("ffmpeg -nostdin -v error -i '" + output_ + "' -i '" + source_ +
                               "' -lavfi '[0:v][1:v]psnr=stats_file=" + stats + "' -f null -",
                           &log);
  ASSERT_EQ(rc, 0) << log;
  std::ifstream in(stats);
  std::string line;
  double sum = 0;
  int frames = 0;
  while (std::getline(in, line)) {
    const size_t at = line.find("psnr_y:");
    ASSERT_NE(at, std::string::npos) << line;
    sum += std::stod(line.substr(at + 7));
    ++frames;
  }
  ASSERT_EQ(frames, result_.framesOut);
  EXPECT_NEAR(result_.psnrY, sum / frames, 0.5);
}

TEST(Transcode, Mpeg2ProgramStreamWithAc3IsReencodedToAac) {
  const std::string out = Scratch("ps.mp4");
  const TranscodeResult r = Transcode(Clip("weasis_neurosurgery_mpeg2_ps_480p.mpg"), out, Fast());
  EXPECT_EQ(r.framesIn, 111);
  EXPECT_EQ(r.framesOut, 111);
  EXPECT_EQ(r.width, 720);
  EXPECT_EQ(r.height, 480);
  EXPECT_NEAR(r.durationSec, 3.7037, 1.001 / 30);
  EXPECT_GT(r.psnrY, 30);
  EXPECT_GT(r.ssim, 0.9);
  EXPECT_EQ(r.audioTracks, 1);
  EXPECT_EQ(r.audioNote, "re-encoded ac3 -> aac");
  const StreamInfo s = Probe(out);
  EXPECT_EQ(s.codecName, "hevc");
  EXPECT_EQ(s.profile, "Main");
  EXPECT_EQ(s.frameCount, 111);
  EXPECT_NEAR(s.durationSec, 3.7037, 1.001 / 30);
  EXPECT_EQ(s.audioCodec, "aac");
  EXPECT_TRUE(MoovBeforeMdat(out));
  if (test::HaveFfmpeg()) {
    std::string log;
    EXPECT_EQ(test::Run("ffmpeg -nostdin -v error -xerror -i '" + out + "' -f null -", &log), 0) << log;
    // The DVD's non-square pixels (32:27 for 16:9) must survive, or the picture is shown squeezed.
    test::Run("ffprobe -v error -select_streams v -show_entries stream=sample_aspect_ratio -of csv=p=0 '" + out + "'",
              &log);
    EXPECT_EQ(log, "32:27\n");
  }
}

TEST(Transcode, NoAudioWhenAskedSo) {
  TranscodeOptions o = Fast();
  o.keepAudio = false;
  const std::string out = Scratch("noaudio.mp4");
  const TranscodeResult r = Transcode(Clip("weasis_neurosurgery_mpeg2_ps_480p.mpg"), out, o);
  EXPECT_EQ(r.audioTracks, 0);
  EXPECT_EQ(r.audioNote, "dropped by option");
  EXPECT_EQ(Probe(out).audioStreams, 0);
}

TEST(Transcode, TenBitGivesMain10) {
  TranscodeOptions o = Fast();
  o.bitDepth = 10;
  const std::string out = Scratch("main10.mp4");
  const TranscodeResult r = Transcode(Clip("endovis2017_d1_segmask_h264_1264x1010_2fps.mp4"), out, o);
  EXPECT_EQ(r.bitDepth, 10);
  EXPECT_EQ(r.framesOut, 23);
  EXPECT_EQ(r.audioNote, "none in source");
  EXPECT_GT(r.psnrY, 30);
  const StreamInfo s = Probe(out);
  EXPECT_EQ(s.codecName, "hevc");
  EXPECT_EQ(s.profile, "Main 10");
  EXPECT_EQ(s.pixelFormat, "yuv420p10le");
  EXPECT_EQ(s.bitDepth, 10);
  EXPECT_EQ(s.width, 1264);
  EXPECT_EQ(s.height, 1010);
  EXPECT_EQ(s.frameCount, 23);
  EXPECT_NEAR(s.durationSec, 11.5, 0.5);
  EXPECT_NE(r.encoderSettings.find("profile=main10"), std::string::npos);
}

TEST(Transcode, ThreadsOptionSizesThePool) {
  TranscodeOptions o = Fast();
  o.threads = 1;
  o.measureQuality = false;
  const TranscodeResult r = Transcode(Clip("endovis2017_d2_segmask_h264_1264x1010_2fps.mp4"), Scratch("t1.mp4"), o);
  EXPECT_NE(r.encoderSettings.find("pools=1 frame-threads=1"), std::string::npos) << r.encoderSettings;
  EXPECT_EQ(r.framesOut, 23);
  EXPECT_EQ(r.psnrY, 0);  // not measured
  o.threads = 2;
  EXPECT_NE(Transcode(Clip("endovis2017_d2_segmask_h264_1264x1010_2fps.mp4"), Scratch("t2.mp4"), o)
                .encoderSettings.find("pools=2"),
            std::string::npos);
}

TEST(Transcode, StepsReportProgressAndTheResultOnlyAtTheEnd) {
  const std::string out = Scratch("steps.mp4");
  Transcoder t(Clip("endovis2017_d2_segmask_h264_1264x1010_2fps.mp4"), out, Fast());
  EXPECT_EQ(t.input().frameCount, 23);
  EXPECT_THROW(t.Result(), CodecError);
  double last = t.Progress();
  EXPECT_EQ(last, 0);
  int steps = 0;
  while (t.Step(5)) {
    ++steps;
    EXPECT_GE(t.Progress(), last);
    last = t.Progress();
  }
  EXPECT_GE(steps, 3);  // 23 frames in steps of 5 (the decoder's own delay may merge the last two)
  EXPECT_EQ(t.Progress(), 1);
  EXPECT_FALSE(t.Step(5));
  EXPECT_EQ(t.Result().framesOut, 23);
  EXPECT_TRUE(MoovBeforeMdat(out));
}

TEST(Transcode, OddSizesArePaddedAndSaidSo) {
  if (!test::HaveFfmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
  const std::string src = Scratch("odd.mkv");
  std::string log;
  ASSERT_EQ(test::Run("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=10:duration=1 "
                      "-vf scale=321:241,format=yuv444p -c:v ffv1 '" +
                          src + "'",
                      &log),
            0)
      << log;
  const std::string out = Scratch("odd.mp4");
  const TranscodeResult r = Transcode(src, out, Fast());
  EXPECT_EQ(r.width, 322);
  EXPECT_EQ(r.height, 242);
  EXPECT_EQ(r.framesOut, 10);
  EXPECT_NE(r.videoNote.find("padded 321x241 to 322x242"), std::string::npos) << r.videoNote;
  EXPECT_NE(r.videoNote.find("converted yuv444p to yuv420p"), std::string::npos) << r.videoNote;
  EXPECT_GT(r.psnrY, 30);
  EXPECT_EQ(Probe(out).width, 322);
}

// The VUI must describe what the samples are: BT.601 for converted RGB, full range kept for JPEG-range sources.
TEST(Transcode, ColourDescriptionFollowsTheSamples) {
  if (!test::HaveFfmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
  std::string log;
  const std::string rgb = Scratch("rgb.mkv");
  ASSERT_EQ(test::Run("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=10:duration=1 "
                      "-pix_fmt bgr0 -c:v ffv1 '" +
                          rgb + "'",
                      &log),
            0)
      << log;
  const std::string rgbOut = Scratch("rgb.mp4");
  const TranscodeResult r = Transcode(rgb, rgbOut, Fast());
  EXPECT_NE(r.videoNote.find("converted bgr0 to yuv420p"), std::string::npos) << r.videoNote;
  EXPECT_GT(r.psnrY, 30);
  test::Run(
      "ffprobe -v error -select_streams v -show_entries stream=color_range,color_space -of csv=p=0 '" + rgbOut + "'",
      &log);
  EXPECT_EQ(log, "tv,smpte170m\n");

  const std::string mjpeg = Scratch("mjpeg.avi");
  ASSERT_EQ(test::Run("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=10:duration=1 "
                      "-pix_fmt yuvj420p -c:v mjpeg -q:v 2 '" +
                          mjpeg + "'",
                      &log),
            0)
      << log;
  const std::string mjpegOut = Scratch("mjpeg.mp4");
  const TranscodeResult j = Transcode(mjpeg, mjpegOut, Fast());
  EXPECT_EQ(j.videoNote, "");  // same samples, passed straight to x265
  EXPECT_GT(j.psnrY, 30);
  test::Run("ffprobe -v error -select_streams v -show_entries stream=color_range -of csv=p=0 '" + mjpegOut + "'", &log);
  EXPECT_EQ(log, "pc\n");
}

TEST(Transcode, AdtsAacFromMpegTsIsCopied) {
  if (!test::HaveFfmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
  const std::string ts = Scratch("neuro.ts");
  std::string log;
  ASSERT_EQ(test::Run("ffmpeg -nostdin -v error -y -i '" + Clip("weasis_neurosurgery_h264_720p.mp4") +
                          "' -c copy -f mpegts '" + ts + "'",
                      &log),
            0)
      << log;
  ASSERT_EQ(Probe(ts).container, "mpegts");
  const std::string out = Scratch("from_ts.mp4");
  const TranscodeResult r = Transcode(ts, out, Fast());
  EXPECT_EQ(r.framesOut, 111);
  EXPECT_EQ(r.audioNote, "copied aac");
  EXPECT_EQ(Probe(out).audioCodec, "aac");
  EXPECT_EQ(test::Run("ffmpeg -nostdin -v error -xerror -i '" + out + "' -f null -", &log), 0) << log;
}

// Writes the first `keep` bytes, or the clip with `length` bytes overwritten at `at`.
std::string Damaged(const std::string& clip, const std::string& name, size_t keep, size_t at = 0, size_t length = 0) {
  auto bytes = test::ReadFile(Clip(clip));
  if (keep < bytes.size()) bytes.resize(keep);
  for (size_t i = 0; i < length && at + i < bytes.size(); ++i)
    bytes[at + i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
  const std::string path = Scratch(name);
  test::WriteFile(path, bytes);
  return path;
}

void ExpectFailure(const std::string& input, const std::string& expectedInMessage) {
  const std::string out = input + ".out.mp4";
  TranscodeOptions o = Fast();
  o.measureQuality = false;
  try {
    Transcode(input, out, o);
    ADD_FAILURE() << "expected CodecError for " << input;
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find(expectedInMessage), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(out)) << "a failed transcode left " << out;
}

TEST(Transcode, CorruptInputIsACodecErrorAndLeavesNoOutput) {
  const std::string lap = "rvimlab_laparoscopy_h264_720p.mp4";  // moov first
  const size_t lapSize = std::filesystem::file_size(Clip(lap));
  ExpectFailure(Damaged(lap, "lap_half.mp4", lapSize / 2), "lap_half.mp4");
  ExpectFailure(Damaged(lap, "lap_garbage.mp4", lapSize, lapSize / 2, 4000), "at ");
  const std::string endo = "endovis2017_d1_segmask_h264_1264x1010_2fps.mp4";  // moov last
  ExpectFailure(Damaged(endo, "endo_half.mp4", std::filesystem::file_size(Clip(endo)) / 2),
                "Invalid data found when processing input");
  const std::string ps = "weasis_neurosurgery_mpeg2_ps_480p.mpg";
  const size_t psSize = std::filesystem::file_size(Clip(ps));
  ExpectFailure(Damaged(ps, "ps_garbage.mpg", psSize, psSize * 4 / 10, 20000), "ps_garbage.mpg at ");
}

// A file cut exactly between two samples has no damaged packet at all; only the index tells.
TEST(Transcode, TruncationAtASampleBoundaryIsDetected) {
  const std::string clip = Clip("rvimlab_laparoscopy_h264_720p.mp4");
  AVFormatContext* fmt = nullptr;
  ASSERT_EQ(avformat_open_input(&fmt, clip.c_str(), nullptr, nullptr), 0);
  AVPacket* pkt = av_packet_alloc();
  int64_t cut = 0;
  for (int video = 0; av_read_frame(fmt, pkt) >= 0; av_packet_unref(pkt)) {
    if (fmt->streams[pkt->stream_index]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && ++video == 101) {
      cut = pkt->pos;
      av_packet_unref(pkt);
      break;
    }
  }
  av_packet_free(&pkt);
  avformat_close_input(&fmt);
  ASSERT_GT(cut, 0);
  ExpectFailure(Damaged("rvimlab_laparoscopy_h264_720p.mp4", "lap_cut.mp4", static_cast<size_t>(cut)),
                "is truncated: its index lists 250 video frames");
}

TEST(Transcode, NonVideoInputIsACodecError) {
  const std::string text = Scratch("notes.txt");
  test::WriteFile(text, {'h', 'e', 'l', 'l', 'o', '\n'});
  ExpectFailure(text, "cannot open " + text);
  if (test::HaveFfmpeg()) {
    const std::string m4a = Scratch("audio_only.m4a");
    std::string log;
    ASSERT_EQ(test::Run("ffmpeg -nostdin -v error -y -i '" + Clip("weasis_neurosurgery_h264_720p.mp4") +
                            "' -vn -c copy '" + m4a + "'",
                        &log),
              0)
        << log;
    ExpectFailure(m4a, "no video stream in " + m4a);
  }
}

TEST(Transcode, BadOptionsAreCodecErrors) {
  const std::string in = Clip("endovis2017_d2_segmask_h264_1264x1010_2fps.mp4");
  TranscodeOptions o = Fast();
  o.bitDepth = 12;
  EXPECT_THROW(Transcoder(in, Scratch("bad1.mp4"), o), CodecError);
  o = Fast();
  o.preset = "warp-speed";
  EXPECT_THROW(Transcoder(in, Scratch("bad2.mp4"), o), CodecError);
  o = Fast();
  o.x265Params = "no-such-option=1";
  EXPECT_THROW(Transcoder(in, Scratch("bad3.mp4"), o), CodecError);
  EXPECT_FALSE(std::filesystem::exists(Scratch("bad3.mp4")));
  EXPECT_THROW(Transcoder(in, "/nonexistent-dir/out.mp4", Fast()), CodecError);
}

TEST(Capabilities, ReportsTheLinkedLibraries) {
  const CodecCapabilities c = QueryCapabilities();
  EXPECT_EQ(c.x265Version.rfind("x265 3.", 0), 0u) << c.x265Version;
  EXPECT_TRUE(c.x265Main);
  EXPECT_TRUE(c.x265Main10);
  EXPECT_EQ(c.libavformatVersion.rfind("libavformat 59.", 0), 0u) << c.libavformatVersion;
  EXPECT_EQ(c.libavcodecVersion.rfind("libavcodec 59.", 0), 0u) << c.libavcodecVersion;
  EXPECT_TRUE(c.decodeH264);
  EXPECT_TRUE(c.decodeHevc);
  EXPECT_TRUE(c.decodeMpeg2);
  EXPECT_TRUE(c.encodeAac);
}

}  // namespace
}  // namespace va::codec
