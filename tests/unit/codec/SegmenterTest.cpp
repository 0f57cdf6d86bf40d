// Splitting recordings into bounded MP4 segments without re-encoding the video.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "TestSupport.h"
#include "va/codec/Segmenter.h"
#include "va/codec/Transcoder.h"

namespace va::codec {
namespace {

namespace fs = std::filesystem;
using test::MakeWithFfmpeg;
using test::Scratch;

// A fresh, empty folder for one test's segments.
std::string Folder(const std::string& name) {
  const std::string dir = Scratch(name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

size_t FilesIn(const std::string& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

// ffprobe's answer for one stream ("v:0", "a:0"), e.g. Ffprobe(f, "a:0", "stream=duration").
std::string Ffprobe(const std::string& path, const std::string& stream, const std::string& entries) {
  std::string out;
  test::Run("ffprobe -v error -select_streams " + stream + " -show_entries " + entries + " -of csv=p=0 '" + path + "'",
            &out);
  while (!out.empty() && (out.back() == '\n' || out.back() == ',')) out.pop_back();
  return out;
}

double FfprobeSeconds(const std::string& path, const std::string& stream, const std::string& entry) {
  const std::string s = Ffprobe(path, stream, "stream=" + entry);
  if (s.empty() || s == "N/A") throw std::runtime_error("no " + entry + " for " + stream + " of " + path);
  return std::stod(s);
}

bool MoovBeforeMdat(const std::string& path) {
  const auto boxes = test::TopLevelBoxes(path);
  const auto moov = std::find(boxes.begin(), boxes.end(), "moov");
  const auto mdat = std::find(boxes.begin(), boxes.end(), "mdat");
  return moov != boxes.end() && mdat != boxes.end() && moov < mdat;
}

void ExpectSplitFails(const std::string& input, const SegmentLimits& limits, const std::string& message) {
  const std::string dir = Folder("fail_" + fs::path(input).filename().string());
  try {
    SplitIntoSegments(input, dir, "seg", limits);
    ADD_FAILURE() << "expected CodecError containing " << message;
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
  EXPECT_EQ(FilesIn(dir), 0u) << "a failed split left files in " << dir;
}

// 30 s of H.264 (B-frames, a keyframe every 2 s) with AAC, shared by the tests that only read it.
class ThirtySeconds : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::HaveFfmpeg()) return;
    source_ = MakeWithFfmpeg("thirty.mp4",
                             "-f lavfi -i testsrc2=size=320x240:rate=25:duration=30 "
                             "-f lavfi -i sine=frequency=440:sample_rate=48000:duration=30 "
                             "-c:v libx264 -preset veryfast -g 50 -keyint_min 50 -sc_threshold 0 -bf 3 "
                             "-c:a aac -b:a 64k -shortest");
    sourceFrames_ = DecodeAll(source_).frames;
    dir_ = Folder("thirty_10s");
    segments_ = SplitIntoSegments(source_, dir_, "rec", SegmentLimits{10, 1LL << 30});
  }
  void SetUp() override {
    if (!test::HaveFfmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
  }
  static std::string source_, dir_;
  static int64_t sourceFrames_;
  static std::vector<SegmentInfo> segments_;
};
std::string ThirtySeconds::source_, ThirtySeconds::dir_;
int64_t ThirtySeconds::sourceFrames_ = 0;
std::vector<SegmentInfo> ThirtySeconds::segments_;

TEST_F(ThirtySeconds, SplitsAtTheLastKeyframeWithinTheLimit) {
  ASSERT_EQ(segments_.size(), 3u);
  for (size_t i = 0; i < segments_.size(); ++i) {
    SCOPED_TRACE(i);
    const SegmentInfo& s = segments_[i];
    EXPECT_EQ(s.index, static_cast<int>(i + 1));
    EXPECT_EQ(s.path, dir_ + "/rec-000" + std::to_string(i + 1) + ".mp4");
    EXPECT_NEAR(s.startSec, 10.0 * i, 1e-6);
    EXPECT_NEAR(s.durationSec, 10, 1e-6);
    EXPECT_EQ(s.frames, 250);
    EXPECT_EQ(s.bytes, static_cast<int64_t>(fs::file_size(s.path)));
  }
  EXPECT_EQ(FilesIn(dir_), 3u);  // no .tmp left
}

TEST_F(ThirtySeconds, NoFrameIsLostOrRepeated) {
  int64_t frames = 0;
  double seconds = 0;
  for (const SegmentInfo& s : segments_) {
    SCOPED_TRACE(s.path);
    const DecodeCheck d = DecodeAll(s.path);  // each decodes on its own
    EXPECT_EQ(d.frames, s.frames);
    frames += d.frames;
    const StreamInfo p = Probe(s.path);
    EXPECT_EQ(p.frameCount, s.frames);
    EXPECT_NEAR(p.durationSec, s.durationSec, 0.5 / 25);
    seconds += p.durationSec;
  }
  EXPECT_EQ(frames, sourceFrames_);
  EXPECT_EQ(frames, 750);
  EXPECT_NEAR(seconds, Probe(source_).durationSec, 1.0 / 25);
}

TEST_F(ThirtySeconds, EverySegmentIsAFaststartMp4StartingAtZero) {
  for (const SegmentInfo& s : segments_) {
    SCOPED_TRACE(s.path);
    EXPECT_TRUE(MoovBeforeMdat(s.path)) << ::testing::PrintToString(test::TopLevelBoxes(s.path));
    const StreamInfo p = Probe(s.path);
    EXPECT_EQ(p.container, "mov,mp4,m4a,3gp,3g2,mj2");
    EXPECT_EQ(p.codecName, "h264");
    EXPECT_EQ(Ffprobe(s.path, "v:0", "stream=codec_tag_string"), "avc1");
    EXPECT_NEAR(FfprobeSeconds(s.path, "v:0", "start_time"), 0, 1e-3);
    // The first picture decoded is a keyframe shown first.
    EXPECT_EQ(Ffprobe(s.path, "v:0", "frame=key_frame,pts_time -read_intervals %+#1").substr(0, 1), "1");
  }
}

TEST_F(ThirtySeconds, AudioFollowsEachSegmentInSync) {
  for (const SegmentInfo& s : segments_) {
    SCOPED_TRACE(s.path);
    EXPECT_EQ(s.audioTracks, 1);
    EXPECT_EQ(s.audioNote, "copied aac");
    const StreamInfo p = Probe(s.path);
    ASSERT_EQ(p.audioStreams, 1);
    EXPECT_EQ(p.audioCodec, "aac");
    EXPECT_NEAR(FfprobeSeconds(s.path, "a:0", "duration"), FfprobeSeconds(s.path, "v:0", "duration"), 0.1);
    EXPECT_NEAR(FfprobeSeconds(s.path, "a:0", "start_time"), FfprobeSeconds(s.path, "v:0", "start_time"), 0.03);
    EXPECT_GT(DecodeAll(s.path).audioPackets, 0);
  }
}

TEST_F(ThirtySeconds, ByteLimitCutsEarlier) {
  const int64_t total = static_cast<int64_t>(fs::file_size(source_));
  const int64_t limit = total / 2;
  const std::string dir = Folder("thirty_bytes");
  const auto segments = SplitIntoSegments(source_, dir, "rec", SegmentLimits{3600, limit});
  ASSERT_GE(segments.size(), 3u);
  int64_t frames = 0;
  for (const SegmentInfo& s : segments) {
    SCOPED_TRACE(s.path);
    EXPECT_LE(s.bytes, limit);
    EXPECT_NEAR(std::remainder(s.durationSec, 2.0), 0, 1e-6) << "not whole GOPs: " << s.durationSec;
    EXPECT_EQ(DecodeAll(s.path).frames, s.frames);
    frames += s.frames;
  }
  EXPECT_EQ(frames, sourceFrames_);
}

TEST_F(ThirtySeconds, OneSegmentWhenTheWholeFileFits) {
  const std::string dir = Folder("thirty_one");
  const auto segments = SplitIntoSegments(source_, dir, "whole", SegmentLimits{});
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(segments[0].frames, 750);
  EXPECT_NEAR(segments[0].durationSec, 30, 1e-6);
  EXPECT_EQ(DecodeAll(segments[0].path).frames, 750);
}

TEST_F(ThirtySeconds, AGopLongerThanTheLimitIsACodecError) {
  ExpectSplitFails(source_, SegmentLimits{1.5, 1LL << 30}, "the GOP at 0.000 s runs 2.000 s (50 frames");
  ExpectSplitFails(source_, SegmentLimits{10, 70000}, "GOP");
  ExpectSplitFails(source_, SegmentLimits{0, 1LL << 30}, "duration limit must be positive");
}

// A failure while writing segment 3 takes the finished segments 1 and 2 away too: no partial series is left.
TEST_F(ThirtySeconds, AFailureLeavesNoSegmentBehind) {
  const std::string dir = Folder("thirty_blocked");
  fs::create_directory(dir + "/rec-0003.mp4.tmp");  // the third segment's file cannot be created
  try {
    SplitIntoSegments(source_, dir, "rec", SegmentLimits{10, 1LL << 30});
    ADD_FAILURE() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find("rec-0003.mp4.tmp"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir + "/rec-0001.mp4"));
  EXPECT_FALSE(fs::exists(dir + "/rec-0002.mp4"));
  EXPECT_FALSE(fs::exists(dir + "/rec-0001.mp4.tmp"));
  EXPECT_FALSE(fs::exists(dir + "/rec-0002.mp4.tmp"));
  EXPECT_EQ(FilesIn(dir), 1u);  // only the obstacle
}

TEST(Segmenter, KeyframesFartherApartThanTheLimitAreACodecError) {
  if (!test::HaveFfmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
  const std::string src = MakeWithFfmpeg("long_gop.mkv",
                                         "-f lavfi -i testsrc2=size=160x120:rate=25:duration=12 "
                                         "-c:v libx264 -preset ultrafast -g 250 -keyint_min 250 -sc_threshold 0");
  ExpectSplitFails(src, SegmentLimits{5, 1LL << 30}, "the GOP at 0.000 s runs 10.000 s (250 frames, about");
  // An open GOP's leading pictures reference the GOP before, so its keyframe cannot start a segment.
  const std::string open =
      MakeWithFfmpeg("open_gop.mkv",
                     "-f lavfi -i testsrc2=size=160x120:rate=25:duration=6 -c:v libx264 -preset fast "
                     "-x264-params open-gop=1:keyint=50:min-keyint=50:scenecut=0");
  ExpectSplitFails(open, SegmentLimits{4, 1LL << 30}, "runs 6.000 s (150 frames");
  ExpectSplitFails(open, SegmentLimits{4, 1LL << 30}, "its 2 other keyframes start open GOPs");
}

TEST(Segmenter, MpegTsWithMp2BecomesOneMp4WithAac) {
  if (!test::HaveFfmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
  const std::string src = MakeWithFfmpeg("h264_mp2.ts",
                                         "-f lavfi -i testsrc2=size=320x240:rate=25:duration=5 "
                                         "-f lavfi -i sine=frequency=300:sample_rate=48000:duration=5 "
                                         "-c:v libx264 -preset veryfast -bf 2 -c:a mp2 -b:a 192k -f mpegts");
  ASSERT_EQ(Probe(src).container, "mpegts");
  const std::string dir = Folder("ts_one");
  const auto segments = SplitIntoSegments(src, dir, "ts", SegmentLimits{});
  ASSERT_EQ(segments.size(), 1u);
  const SegmentInfo& s = segments[0];
  EXPECT_EQ(s.audioNote, "re-encoded mp2 -> aac");
  EXPECT_EQ(s.audioTracks, 1);
  EXPECT_EQ(s.frames, 125);
  EXPECT_NEAR(s.durationSec, 5, 1e-6);
  const StreamInfo p = Probe(s.path);
  EXPECT_EQ(p.container, "mov,mp4,m4a,3gp,3g2,mj2");
  EXPECT_EQ(p.codecName, "h264");
  EXPECT_EQ(p.audioCodec, "aac");
  EXPECT_EQ(Ffprobe(s.path, "v:0", "stream=codec_tag_string"), "avc1");
  EXPECT_TRUE(MoovBeforeMdat(s.path));
  EXPECT_EQ(DecodeAll(s.path).frames, DecodeAll(src).frames);
  EXPECT_NEAR(FfprobeSeconds(s.path, "v:0", "start_time"), 0, 1e-3);
  EXPECT_NEAR(FfprobeSeconds(s.path, "a:0", "duration"), FfprobeSeconds(s.path, "v:0", "duration"), 0.1);
  std::string log;
  EXPECT_EQ(test::Run("ffmpeg -nostdin -v error -xerror -i '" + s.path + "' -f null -", &log), 0) << log;
}

TEST(Segmenter, HevcInMpegTsIsSplitIntoHvc1Segments) {
  if (!test::HaveFfmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
  const std::string src =
      MakeWithFfmpeg("hevc.ts",
                     "-f lavfi -i testsrc2=size=320x240:rate=25:duration=6 "
                     "-f lavfi -i sine=frequency=500:sample_rate=48000:duration=6 "
                     "-c:v libx265 -preset ultrafast "
                     "-x265-params log-level=error:keyint=50:min-keyint=50:scenecut=0:open-gop=0:bframes=3 "
                     "-c:a aac -f mpegts");
  const std::string dir = Folder("hevc_split");
  const auto segments = SplitIntoSegments(src, dir, "hevc", SegmentLimits{4, 1LL << 30});
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_NEAR(segments[0].durationSec, 4, 1e-6);
  EXPECT_NEAR(segments[1].durationSec, 2, 1e-6);
  int64_t frames = 0;
  for (const SegmentInfo& s : segments) {
    SCOPED_TRACE(s.path);
    const StreamInfo p = Probe(s.path);
    EXPECT_EQ(p.codecName, "hevc");
    EXPECT_EQ(Ffprobe(s.path, "v:0", "stream=codec_tag_string"), "hvc1");
    EXPECT_EQ(s.audioNote, "copied aac");
    EXPECT_TRUE(MoovBeforeMdat(s.path));
    EXPECT_EQ(DecodeAll(s.path).frames, s.frames);
    EXPECT_NEAR(FfprobeSeconds(s.path, "a:0", "duration"), FfprobeSeconds(s.path, "v:0", "duration"), 0.1);
    frames += s.frames;
  }
  EXPECT_EQ(frames, DecodeAll(src).frames);
  EXPECT_EQ(frames, 150);
}

// The archive's own HEVC output, with a bounded keyframe interval, segments cleanly.
TEST(Segmenter, TranscoderOutputWithKeyintMaxSegments) {
  if (!test::HaveFfmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
  const std::string src =
      MakeWithFfmpeg("for_keyint.mkv", "-f lavfi -i testsrc2=size=160x120:rate=25:duration=6 -c:v ffv1");
  TranscodeOptions o;
  o.preset = "ultrafast";
  o.measureQuality = false;
  o.keyintMax = 50;
  const std::string hevc = Scratch("keyint_hevc.mp4");
  Transcode(src, hevc, o);
  const auto segments = SplitIntoSegments(hevc, Folder("keyint_split"), "k", SegmentLimits{2, 1LL << 30});
  ASSERT_EQ(segments.size(), 3u);
  int64_t frames = 0;
  for (const SegmentInfo& s : segments) {
    EXPECT_NEAR(s.durationSec, 2, 1e-6);
    EXPECT_EQ(DecodeAll(s.path).frames, s.frames);
    frames += s.frames;
  }
  EXPECT_EQ(frames, 150);
}

TEST(Segmenter, OtherVideoCodecsNeedTranscoding) {
  ExpectSplitFails(test::Clip("weasis_neurosurgery_mpeg2_ps_480p.mpg"), SegmentLimits{},
                   "is mpeg2video, which needs transcoding");
  if (!test::HaveFfmpeg()) return;
  ExpectSplitFails(MakeWithFfmpeg("mjpeg_seg.avi", "-f lavfi -i testsrc2=size=160x120:rate=10:duration=1 -c:v mjpeg"),
                   SegmentLimits{}, "is mjpeg, which needs transcoding");
}

}  // namespace
}  // namespace va::codec
