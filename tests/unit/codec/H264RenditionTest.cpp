// The H.264 delivery rendition: profile, level, pixel format, keyframe grid, faststart, audio, size and rate limits,
// ByteSource input, failures that leave no output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "TestSupport.h"
#include "va/codec/H264Rendition.h"

namespace va::codec {
namespace {

using test::MakeWithFfmpeg;
using test::Scratch;
namespace fs = std::filesystem;

// ffprobe's answer for one stream ("v:0", "a:0"), trailing separators and newlines removed.
std::string Ffprobe(const std::string& path, const std::string& stream, const std::string& entries) {
  std::string out;
  test::Run("ffprobe -v error -select_streams " + stream + " -show_entries " + entries + " -of csv=p=0 '" + path + "'",
            &out);
  while (!out.empty() && (out.back() == '\n' || out.back() == ',')) out.pop_back();
  return out;
}

// Presentation times (s) of the video packets flagged as keyframes (sync samples), and of all video packets.
void PacketTimes(const std::string& path, std::vector<double>* keys, std::vector<double>* all) {
  std::string out;
  test::Run("ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,flags -of csv=p=0 '" + path + "'",
            &out);
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    const double t = std::stod(line.substr(0, comma));
    all->push_back(t);
    if (line.find('K', comma) != std::string::npos) keys->push_back(t);
  }
  std::sort(keys->begin(), keys->end());
}

bool MoovBeforeMdat(const std::string& path) {
  const auto boxes = test::TopLevelBoxes(path);
  const auto moov = std::find(boxes.begin(), boxes.end(), "moov");
  const auto mdat = std::find(boxes.begin(), boxes.end(), "mdat");
  return moov != boxes.end() && mdat != boxes.end() && moov < mdat;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

H264Options Fast() {
  H264Options o;
  o.preset = "ultrafast";  // CI has 2 cores
  return o;
}

class H264Rendition : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::HaveFfmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
  }
};

// 4 s of 320x240 HEVC Main 10 at 25 fps with AAC, rendered with the default options but a 1 s keyframe interval.
class H264RenditionHevcMain10 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::HaveFfmpeg()) return;
    source_ =
        MakeWithFfmpeg("h264_src_hevc10.mp4",
                       "-f lavfi -i testsrc2=size=320x240:rate=25:duration=4 -f lavfi -i sine=frequency=440:duration=4 "
                       "-c:v libx265 -preset ultrafast -pix_fmt yuv420p10le -x265-params log-level=error "
                       "-c:a aac -b:a 64k -shortest");
    output_ = Scratch("h264_out_hevc10.mp4");
    H264Options o;
    o.keyframeIntervalSec = 1;
    result_ = RenderH264(source_, output_, o);
  }
  void SetUp() override {
    if (!test::HaveFfmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
  }
  static std::string source_, output_;
  static H264Result result_;
};
std::string H264RenditionHevcMain10::source_, H264RenditionHevcMain10::output_;
H264Result H264RenditionHevcMain10::result_;

TEST_F(H264RenditionHevcMain10, IsH264HighLevel42EightBit420InFaststartMp4) {
  const StreamInfo out = Probe(output_);
  EXPECT_EQ(out.container, "mov,mp4,m4a,3gp,3g2,mj2");
  EXPECT_EQ(out.codecName, "h264");
  EXPECT_EQ(out.profile, "High");
  EXPECT_EQ(out.level, 42);
  EXPECT_EQ(out.pixelFormat, "yuv420p");
  EXPECT_EQ(out.bitDepth, 8);
  EXPECT_EQ(out.width, 320);
  EXPECT_EQ(out.height, 240);
  EXPECT_EQ(Ffprobe(output_, "v:0", "stream=codec_tag_string"), "avc1");
  EXPECT_TRUE(MoovBeforeMdat(output_)) << ::testing::PrintToString(test::TopLevelBoxes(output_));
  EXPECT_FALSE(fs::exists(output_ + ".tmp"));
  EXPECT_EQ(result_.outputBytes, static_cast<int64_t>(fs::file_size(output_)));
  EXPECT_EQ(result_.inputBytes, static_cast<int64_t>(fs::file_size(source_)));
  EXPECT_EQ(result_.encoderSettings, "libx264 preset=veryfast crf=23 profile=high level=4.2 keyint=25");
  EXPECT_TRUE(Contains(result_.videoNote, "converted yuv420p10le to yuv420p")) << result_.videoNote;
  EXPECT_GT(result_.encodeFps, 0);
  // A decoder that rejects anything finds nothing to reject.
  std::string log;
  EXPECT_EQ(test::Run("ffmpeg -nostdin -v error -xerror -i '" + output_ + "' -f null -", &log), 0) << log;
}

TEST_F(H264RenditionHevcMain10, SameFramesAndDurationAtTheSourceRate) {
  const StreamInfo in = Probe(source_);
  const StreamInfo out = Probe(output_);
  EXPECT_EQ(result_.framesIn, 100);
  EXPECT_EQ(result_.framesOut, 100);
  EXPECT_EQ(result_.framesDuplicated, 0);
  EXPECT_EQ(result_.framesDropped, 0);
  EXPECT_EQ(out.frameCount, in.frameCount);
  EXPECT_EQ(DecodeAll(output_).frames, 100);
  EXPECT_EQ(result_.fpsNum, 25);
  EXPECT_EQ(result_.fpsDen, 1);
  EXPECT_EQ(out.fpsNum * in.fpsDen, in.fpsNum * out.fpsDen);
  EXPECT_NEAR(result_.durationSec, 4.0, 1e-9);
  EXPECT_NEAR(out.durationSec, in.durationSec, 0.04);
  EXPECT_FALSE(out.variableFrameRate);
}

TEST_F(H264RenditionHevcMain10, IdrExactlyEveryKeyframeInterval) {
  EXPECT_EQ(result_.keyframeInterval, 25);
  EXPECT_DOUBLE_EQ(result_.keyframeIntervalSec, 1.0);
  std::vector<double> keys, all;
  PacketTimes(output_, &keys, &all);
  ASSERT_EQ(all.size(), 100u);
  ASSERT_EQ(keys.size(), 4u) << ::testing::PrintToString(keys);
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_NEAR(keys[i], static_cast<double>(i), 1e-6);
  // Closed GOPs: every keyframe is an IDR, which the decoder can start from (skip_frame nokey keeps only those).
  std::string out;
  test::Run("ffprobe -v error -skip_frame nokey -select_streams v:0 -show_entries frame=pts_time -of csv=p=0 '" +
                output_ + "'",
            &out);
  std::vector<double> decodable;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0]))) decodable.push_back(std::stod(line));
  EXPECT_EQ(decodable, keys) << out;
  // The first picture is shown at time 0.
  EXPECT_EQ(Ffprobe(output_, "v:0", "stream=start_time"), "0.000000");
}

TEST_F(H264RenditionHevcMain10, AacIsCopiedInSync) {
  EXPECT_EQ(result_.audioTracks, 1);
  EXPECT_EQ(result_.audioNote, "copied aac");
  EXPECT_EQ(Probe(output_).audioCodec, "aac");
  EXPECT_EQ(Ffprobe(output_, "a:0", "stream=codec_name"), "aac");
  const double audioStart = std::stod(Ffprobe(output_, "a:0", "stream=start_time"));
  const double audioDuration = std::stod(Ffprobe(output_, "a:0", "stream=duration"));
  const double sourceAudio = std::stod(Ffprobe(source_, "a:0", "stream=duration"));
  EXPECT_NEAR(audioStart, 0, 0.03);
  EXPECT_NEAR(audioDuration, sourceAudio, 0.03);
  EXPECT_NEAR(audioDuration, 4.0, 0.05);
}

TEST_F(H264Rendition, InterlacedMpeg2With422IsDeinterlaced) {
  const std::string src =
      MakeWithFfmpeg("h264_src_interlaced.mpg",
                     "-f lavfi -i testsrc2=size=320x240:rate=25:duration=2 -f lavfi -i sine=duration=2 -c:v mpeg2video "
                     "-pix_fmt yuv422p -flags +ildct+ilme -top 1 -field_order tt -q:v 3 -c:a mp2");
  ASSERT_TRUE(Probe(src).interlaced);
  const std::string out = Scratch("h264_out_interlaced.mp4");
  const H264Result r = RenderH264(src, out, Fast());
  EXPECT_TRUE(r.deinterlaced);
  EXPECT_TRUE(Contains(r.videoNote, "deinterlaced 50 interlaced frames")) << r.videoNote;
  EXPECT_TRUE(Contains(r.videoNote, "converted yuv422p to yuv420p")) << r.videoNote;
  EXPECT_EQ(r.framesIn, 50);
  EXPECT_EQ(r.framesOut, 50);
  EXPECT_EQ(r.audioNote, "re-encoded mp2 -> aac");
  const StreamInfo s = Probe(out);
  EXPECT_FALSE(s.interlaced);
  EXPECT_EQ(s.pixelFormat, "yuv420p");
  EXPECT_EQ(s.profile, "High");
  EXPECT_EQ(Ffprobe(out, "v:0", "stream=field_order"), "progressive");
  EXPECT_EQ(Ffprobe(out, "a:0", "stream=codec_name"), "aac");
}

TEST_F(H264Rendition, UhdIsScaledDownTo1080p) {
  const std::string src = MakeWithFfmpeg(
      "h264_src_uhd.mp4", "-f lavfi -i testsrc2=size=3840x2160:rate=10:duration=1 -c:v libx264 -preset ultrafast");
  const std::string out = Scratch("h264_out_uhd.mp4");
  const H264Result r = RenderH264(src, out, Fast());
  EXPECT_EQ(r.sourceWidth, 3840);
  EXPECT_EQ(r.sourceHeight, 2160);
  EXPECT_EQ(r.width, 1920);
  EXPECT_EQ(r.height, 1080);
  EXPECT_EQ(r.framesOut, 10);
  EXPECT_TRUE(Contains(r.videoNote, "scaled down 3840x2160 to 1920x1080")) << r.videoNote;
  EXPECT_EQ(r.audioNote, "none in source");
  const StreamInfo s = Probe(out);
  EXPECT_EQ(s.width, 1920);
  EXPECT_EQ(s.height, 1080);
  EXPECT_EQ(s.level, 42);
}

TEST_F(H264Rendition, OddAspectFitsWithinTheLimitAtEvenSizes) {
  const std::string src = MakeWithFfmpeg(
      "h264_src_portrait.mp4", "-f lavfi -i testsrc2=size=270x480:rate=10:duration=1 -c:v libx264 -preset ultrafast");
  H264Options o = Fast();
  o.maxWidth = 320;
  o.maxHeight = 240;
  const H264Result r = RenderH264(src, Scratch("h264_out_portrait.mp4"), o);
  EXPECT_EQ(r.height, 240);
  EXPECT_EQ(r.width, 136);  // 270 x 0.5 = 135, to the nearest even size
}

TEST_F(H264Rendition, ByteSourceOfSeveralSpansWorks) {
  const std::string mp4 =
      MakeWithFfmpeg("h264_src_spans.mp4",
                     "-f lavfi -i testsrc2=size=320x240:rate=25:duration=2 -f lavfi -i sine=duration=2 "
                     "-c:v libx264 -preset ultrafast -c:a aac -shortest");
  // The MP4 cut in three pieces, stored between unrelated bytes, as fragments lie inside a DICOM file.
  const std::vector<uint8_t> bytes = test::ReadFile(mp4);
  const size_t cut1 = bytes.size() / 3, cut2 = 2 * bytes.size() / 3;
  std::vector<uint8_t> packed(100, 0xAB);
  std::vector<FileSpan> spans;
  const size_t cuts[] = {0, cut1, cut2, bytes.size()};
  for (int i = 0; i < 3; ++i) {
    spans.push_back(FileSpan{packed.size(), cuts[i + 1] - cuts[i]});
    packed.insert(packed.end(), bytes.begin() + static_cast<std::ptrdiff_t>(cuts[i]),
                  bytes.begin() + static_cast<std::ptrdiff_t>(cuts[i + 1]));
    packed.insert(packed.end(), 37, 0xCD);
  }
  const std::string container = Scratch("h264_src_spans.bin");
  test::WriteFile(container, packed);
  const std::string out = Scratch("h264_out_spans.mp4");
  const H264Result r = RenderH264(OpenFileSpans(container, spans), out, Fast());
  EXPECT_EQ(r.framesIn, 50);
  EXPECT_EQ(r.framesOut, 50);
  EXPECT_EQ(r.inputBytes, static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(r.audioNote, "copied aac");
  EXPECT_EQ(Probe(out).codecName, "h264");
}

TEST_F(H264Rendition, GarbageThrowsAndLeavesNoOutput) {
  std::vector<uint8_t> garbage(64 * 1024);
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
  const std::string out = Scratch("h264_out_garbage.mp4");
  EXPECT_THROW(RenderH264(WrapMemory(garbage.data(), garbage.size(), "garbage"), out, Fast()), CodecError);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".tmp"));
  try {
    RenderH264(Scratch("does_not_exist.mp4"), out, Fast());
    ADD_FAILURE() << "no error for a missing input";
  } catch (const CodecError& e) {
    EXPECT_TRUE(Contains(e.what(), "does_not_exist.mp4")) << e.what();
  }
  EXPECT_FALSE(fs::exists(out + ".tmp"));
}

TEST_F(H264Rendition, TruncatedSourceFailsMidwayAndLeavesNoOutput) {
  const std::string mp4 = MakeWithFfmpeg(
      "h264_src_trunc.ts", "-f lavfi -i testsrc2=size=320x240:rate=25:duration=3 -c:v libx264 -preset ultrafast");
  std::vector<uint8_t> bytes = test::ReadFile(mp4);
  // Damage the middle of the stream: a strict rendition refuses concealed pictures.
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 4000 && i < bytes.size(); ++i)
    if (i % 188 > 4) bytes[i] = static_cast<uint8_t>(i * 7);
  const std::string damaged = Scratch("h264_src_damaged.ts");
  test::WriteFile(damaged, bytes);
  const std::string out = Scratch("h264_out_damaged.mp4");
  {
    H264Renderer r(damaged, out, Fast());
    EXPECT_TRUE(fs::exists(out + ".tmp"));
    EXPECT_THROW(while (r.Step(8)){}, CodecError);
    EXPECT_FALSE(fs::exists(out + ".tmp"));
    EXPECT_THROW(r.Step(8), CodecError);
    EXPECT_THROW(r.Result(), CodecError);
  }
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".tmp"));
}

TEST_F(H264Rendition, AbandonedRenditionLeavesNoOutput) {
  const std::string src = MakeWithFfmpeg(
      "h264_src_abandon.mp4", "-f lavfi -i testsrc2=size=320x240:rate=25:duration=2 -c:v libx264 -preset ultrafast");
  const std::string out = Scratch("h264_out_abandon.mp4");
  {
    H264Renderer r(src, out, Fast());
    EXPECT_TRUE(r.Step(5));
  }
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".tmp"));
}

TEST_F(H264Rendition, KeepAudioFalseDropsAudio) {
  const std::string src =
      MakeWithFfmpeg("h264_src_audio.mp4",
                     "-f lavfi -i testsrc2=size=320x240:rate=25:duration=2 -f lavfi -i sine=duration=2 "
                     "-c:v libx264 -preset ultrafast -c:a aac -shortest");
  H264Options o = Fast();
  o.keepAudio = false;
  const std::string out = Scratch("h264_out_noaudio.mp4");
  const H264Result r = RenderH264(src, out, o);
  EXPECT_EQ(r.audioTracks, 0);
  EXPECT_EQ(r.audioNote, "dropped by option");
  EXPECT_EQ(Probe(out).audioStreams, 0);
  EXPECT_EQ(Ffprobe(out, "a", "stream=codec_name"), "");
}

TEST_F(H264Rendition, ProgressGoesFromZeroToOne) {
  const std::string src = MakeWithFfmpeg(
      "h264_src_progress.mp4", "-f lavfi -i testsrc2=size=320x240:rate=25:duration=2 -c:v libx264 -preset ultrafast");
  H264Renderer r(src, Scratch("h264_out_progress.mp4"), Fast());
  EXPECT_EQ(r.Progress(), 0.0);
  EXPECT_THROW(r.Result(), CodecError);
  std::vector<double> seen;
  while (r.Step(5)) seen.push_back(r.Progress());
  EXPECT_EQ(r.Progress(), 1.0);
  ASSERT_GE(seen.size(), 5u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end())) << ::testing::PrintToString(seen);
  EXPECT_GT(seen[seen.size() / 2], 0.2);
  EXPECT_LT(seen[seen.size() / 2], 0.8);
  EXPECT_EQ(r.Result().framesOut, 50);
  EXPECT_FALSE(r.Step(5));
}

TEST_F(H264Rendition, RatesAbove60AreHalved) {
  const std::string src = MakeWithFfmpeg(
      "h264_src_120.mp4", "-f lavfi -i testsrc2=size=160x120:rate=120:duration=1 -c:v libx264 -preset ultrafast");
  const H264Result r = RenderH264(src, Scratch("h264_out_120.mp4"), Fast());
  EXPECT_EQ(r.fpsNum, 60);
  EXPECT_EQ(r.fpsDen, 1);
  EXPECT_EQ(r.framesIn, 120);
  EXPECT_EQ(r.framesOut, 60);
  EXPECT_EQ(r.framesDropped, 60);
  EXPECT_EQ(r.keyframeInterval, 120);
  EXPECT_TRUE(Contains(r.videoNote, "frame rate reduced from 120 to 60 fps")) << r.videoNote;
}

TEST_F(H264Rendition, NtscRateKeepsItsGridAndKeyframeIntervalIsRounded) {
  const std::string src =
      MakeWithFfmpeg("h264_src_ntsc.mp4",
                     "-f lavfi -i testsrc2=size=160x120:rate=30000/1001:duration=3 -c:v libx264 -preset ultrafast");
  const std::string out = Scratch("h264_out_ntsc.mp4");
  const H264Result r = RenderH264(src, out, Fast());
  EXPECT_EQ(r.fpsNum, 30000);
  EXPECT_EQ(r.fpsDen, 1001);
  EXPECT_EQ(r.framesOut, r.framesIn);
  EXPECT_EQ(r.keyframeInterval, 60);
  EXPECT_NEAR(r.keyframeIntervalSec, 2.002, 1e-9);
  std::vector<double> keys, all;
  PacketTimes(out, &keys, &all);
  ASSERT_EQ(keys.size(), 2u) << ::testing::PrintToString(keys);
  EXPECT_NEAR(keys[1], 2.002, 1e-3);
}

TEST_F(H264Rendition, InvalidOptionsAreRefusedBeforeAnyOutput) {
  const std::string src = MakeWithFfmpeg(
      "h264_src_opts.mp4", "-f lavfi -i testsrc2=size=160x120:rate=10:duration=1 -c:v libx264 -preset ultrafast");
  const std::string out = Scratch("h264_out_opts.mp4");
  auto fails = [&](H264Options o, const std::string& words) {
    try {
      RenderH264(src, out, o);
      ADD_FAILURE() << "accepted: " << words;
    } catch (const CodecError& e) {
      EXPECT_TRUE(Contains(e.what(), words)) << e.what();
    }
    EXPECT_FALSE(fs::exists(out));
    EXPECT_FALSE(fs::exists(out + ".tmp"));
  };
  H264Options o = Fast();
  o.maxWidth = 3840;
  fails(o, "1920x1080");
  o = Fast();
  o.crf = 0;
  fails(o, "crf");
  o = Fast();
  o.preset = "turbo";
  fails(o, "preset 'turbo'");
  o = Fast();
  o.keyframeIntervalSec = 0;
  fails(o, "keyframeIntervalSec");
}

}  // namespace
}  // namespace va::codec
