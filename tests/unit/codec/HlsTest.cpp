// HLS delivery without re-encoding: timeline, cut plan, MPEG-TS segments stitched across instances.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "TestSupport.h"
#include "va/codec/Hls.h"

namespace va::codec {
namespace {

using test::MakeWithFfmpeg;
using test::Scratch;

// testsrc2 320x240 at 25 fps with a sine tone, a keyframe every second (closed GOPs).
std::string MakeH264(const std::string& name, int seconds, const std::string& container = "") {
  const std::string d = std::to_string(seconds);
  return MakeWithFfmpeg(name, "-f lavfi -i testsrc2=size=320x240:rate=25:duration=" + d +
                                  " -f lavfi -i sine=frequency=440:sample_rate=48000:duration=" + d +
                                  " -c:v libx264 -preset veryfast -g 25 -keyint_min 25 -sc_threshold 0 -bf 3"
                                  " -c:a aac -b:a 64k -shortest " +
                                  container);
}

std::string MakeHevc(const std::string& name, int seconds) {
  const std::string d = std::to_string(seconds);
  return MakeWithFfmpeg(name,
                        "-f lavfi -i testsrc2=size=320x240:rate=25:duration=" + d +
                            " -f lavfi -i sine=frequency=440:sample_rate=48000:duration=" + d +
                            " -c:v libx265 -x265-params keyint=25:min-keyint=25:scenecut=0:open-gop=0:log-level=error"
                            " -tag:v hvc1 -c:a aac -b:a 64k -shortest");
}

// Counts the bytes FFmpeg reads.
class CountingSource final : public ByteSource {
 public:
  explicit CountingSource(std::shared_ptr<ByteSource> inner) : inner_(std::move(inner)) {}
  uint64_t Size() const override { return inner_->Size(); }
  std::string Name() const override { return inner_->Name(); }
  size_t ReadAt(uint64_t offset, uint8_t* buffer, size_t length) const override {
    const size_t n = inner_->ReadAt(offset, buffer, length);
    read_ += n;
    return n;
  }
  uint64_t read() const { return read_; }

 private:
  std::shared_ptr<ByteSource> inner_;
  mutable std::atomic<uint64_t> read_{0};
};

// The file stored in pieces with other bytes between them, as an encapsulated bitstream lies in the fragments of
// a DICOM file; returns the path of that file and the spans that make up the original.
std::string Fragment(const std::string& path, size_t pieces, std::vector<FileSpan>& spans) {
  const std::vector<uint8_t> bytes = test::ReadFile(path);
  std::vector<uint8_t> out(1000, 0xEE);  // a "header"
  spans.clear();
  const size_t piece = bytes.size() / pieces + 1;
  for (size_t at = 0; at < bytes.size(); at += piece) {
    const size_t n = std::min(piece, bytes.size() - at);
    spans.push_back(FileSpan{out.size(), n});
    out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at),
               bytes.begin() + static_cast<std::ptrdiff_t>(at + n));
    out.insert(out.end(), 8, 0xFE);  // an item tag between fragments
  }
  const std::string fragmented = path + ".frag";
  test::WriteFile(fragmented, out);
  return fragmented;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// ffprobe's packets of one stream of a file, as "pts_time,dts_time,flags" lines in file order.
struct ProbedPacket {
  double pts = 0, dts = 0;
  bool key = false;
};
std::vector<ProbedPacket> Packets(const std::string& path, const std::string& stream) {
  std::string out;
  if (test::Run("ffprobe -v error -select_streams " + stream +
                    " -show_entries packet=pts_time,dts_time,flags -of csv=p=0 '" + path + "' 2>/dev/null",
                &out) != 0)
    throw std::runtime_error("ffprobe failed on " + path + ": " + out);
  std::vector<ProbedPacket> packets;
  for (const std::string& line : Lines(out)) {
    ProbedPacket p;
    std::istringstream fields(line);
    std::string pts, dts, flags;
    std::getline(fields, pts, ',');
    std::getline(fields, dts, ',');
    std::getline(fields, flags, ',');
    p.pts = std::stod(pts);
    p.dts = dts == "N/A" ? p.pts : std::stod(dts);
    p.key = flags.find('K') != std::string::npos;
    packets.push_back(p);
  }
  return packets;
}

// Frames of the first video stream, decoded.
int64_t DecodedFrames(const std::string& path) {
  std::string out;
  test::Run("ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 '" +
                path + "'",
            &out);
  return std::stoll(out);
}

std::string Segments(const std::string& source, const MediaTimeline& t, double offset, double target,
                     std::vector<HlsSegmentStats>* stats = nullptr) {
  std::string all;
  for (const HlsCut& cut : PlanHlsCuts(t, target)) {
    std::string segment;
    const HlsSegmentStats s = RemuxHlsSegment(OpenWholeFile(source), cut, offset, segment);
    EXPECT_EQ(s.bytes, static_cast<int64_t>(segment.size()));
    EXPECT_EQ(segment.size() % 188, 0u);
    EXPECT_EQ(static_cast<uint8_t>(segment.at(0)), 0x47);
    if (stats) stats->push_back(s);
    all += segment;
  }
  return all;
}

void Save(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class Hls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::HaveFfmpeg()) return;
    a_ = MakeH264("hls_a.mp4", 4);
    b_ = MakeH264("hls_b.mp4", 3);
  }
  void SetUp() override {
    if (!test::HaveFfmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
  }
  static std::string a_, b_;
};
std::string Hls::a_, Hls::b_;

TEST_F(Hls, TimelineOfAnMp4ComesFromItsIndex) {
  const MediaTimeline t = ReadTimeline(OpenWholeFile(a_));
  EXPECT_TRUE(t.fromIndex);
  ASSERT_EQ(t.keyframes.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(t.keyframes[i], static_cast<double>(i), 1e-9) << i;
  EXPECT_NEAR(t.durationSec, 4.0, 1e-6);
  ASSERT_EQ(t.keyframeBytes.size(), 4u);
  for (int64_t b : t.keyframeBytes) EXPECT_GT(b, 1000);
  EXPECT_EQ(t.videoCodec, "h264");
  EXPECT_EQ(t.width, 320);
  EXPECT_EQ(t.height, 240);
  EXPECT_EQ(t.fpsNum, 25);
  EXPECT_EQ(t.fpsDen, 1);
  EXPECT_DOUBLE_EQ(t.fps, 25);
  EXPECT_TRUE(t.hasAudio);
  EXPECT_EQ(t.audioCodec, "aac");
  EXPECT_TRUE(t.audioSkipped.empty());
  EXPECT_GT(t.bitRate, 0);
  // x264 High profile; the level follows the picture size: avc1.64 00 LL.
  EXPECT_EQ(t.codecs.substr(0, 9), "avc1.6400") << t.codecs;
  EXPECT_EQ(t.codecs.size(), std::string("avc1.64000d,mp4a.40.2").size()) << t.codecs;
  EXPECT_EQ(t.codecs.substr(11), ",mp4a.40.2") << t.codecs;
}

TEST_F(Hls, TimelineOfALongMp4ReadsLittleOfIt) {
  const std::string longer =
      MakeWithFfmpeg("hls_long.mp4",
                     "-f lavfi -i testsrc2=size=160x120:rate=25:duration=60 -c:v libx264 -preset ultrafast"
                     " -g 25 -keyint_min 25 -sc_threshold 0");
  auto counting = std::make_shared<CountingSource>(OpenWholeFile(longer));
  const MediaTimeline t = ReadTimeline(counting);
  EXPECT_TRUE(t.fromIndex);
  EXPECT_EQ(t.keyframes.size(), 60u);
  EXPECT_NEAR(t.durationSec, 60, 1e-6);
  EXPECT_LT(counting->read(), counting->Size() / 4) << "read " << counting->read() << " of " << counting->Size();
}

TEST_F(Hls, TimelineThroughFileSpansEqualsTheWholeFile) {
  std::vector<FileSpan> spans;
  const std::string fragmented = Fragment(a_, 7, spans);
  const MediaTimeline whole = ReadTimeline(OpenWholeFile(a_));
  const MediaTimeline pieces = ReadTimeline(OpenFileSpans(fragmented, spans));
  EXPECT_EQ(pieces.keyframes, whole.keyframes);
  EXPECT_EQ(pieces.keyframeBytes, whole.keyframeBytes);
  EXPECT_DOUBLE_EQ(pieces.durationSec, whole.durationSec);
  EXPECT_EQ(pieces.codecs, whole.codecs);

  // And from memory; a segment from the spans is the same bytes as from the file.
  const std::vector<uint8_t> bytes = test::ReadFile(a_);
  const MediaTimeline memory = ReadTimeline(WrapMemory(bytes.data(), bytes.size()));
  EXPECT_EQ(memory.keyframes, whole.keyframes);
  const std::vector<HlsCut> cuts = PlanHlsCuts(whole, 2);
  std::string fromFile, fromSpans;
  RemuxHlsSegment(OpenWholeFile(a_), cuts.at(1), 0, fromFile);
  RemuxHlsSegment(OpenFileSpans(fragmented, spans), cuts.at(1), 0, fromSpans);
  EXPECT_FALSE(fromFile.empty());
  EXPECT_EQ(fromFile, fromSpans);
}

TEST(HlsPlan, CutsCoverTheDurationWithoutGapsOrOverlaps) {
  MediaTimeline t;
  t.durationSec = 31.3;
  t.keyframes = {0, 2, 4, 5, 7.5, 9, 10, 12, 20, 21, 22, 23, 24, 28, 30, 31};
  t.keyframeBytes.assign(t.keyframes.size(), 100);
  for (double target : {1.0, 2.0, 4.0, 6.0, 10.0, 100.0}) {
    SCOPED_TRACE(target);
    const std::vector<HlsCut> cuts = PlanHlsCuts(t, target);
    ASSERT_FALSE(cuts.empty());
    double at = 0;
    int64_t bytes = 0;
    for (size_t i = 0; i < cuts.size(); ++i) {
      const HlsCut& c = cuts[i];
      EXPECT_EQ(c.index, static_cast<int>(i));
      EXPECT_DOUBLE_EQ(c.startSec, at);
      EXPECT_NE(std::find(t.keyframes.begin(), t.keyframes.end(), c.startSec), t.keyframes.end());
      EXPECT_GT(c.durationSec, 0);
      if (i + 1 < cuts.size()) {
        EXPECT_GE(c.durationSec, target / 2);
      }
      at = c.startSec + c.durationSec;
      bytes += c.videoBytes;
    }
    EXPECT_NEAR(at, t.durationSec, 1e-9);
    EXPECT_EQ(bytes, 100 * static_cast<int64_t>(t.keyframes.size()));
  }
  // Closest to the target; on a tie the shorter; a GOP longer than the target stays whole.
  const std::vector<HlsCut> six = PlanHlsCuts(t, 6);
  std::vector<double> starts;
  for (const HlsCut& c : six) starts.push_back(c.startSec);
  EXPECT_EQ(starts, (std::vector<double>{0, 5, 10, 20, 24, 30}));
  EXPECT_EQ(PlanHlsCuts(t, 100).size(), 1u);
}

TEST(HlsPlan, EvenKeyframes) {
  MediaTimeline t;
  t.durationSec = 13;
  for (int i = 0; i < 13; ++i) t.keyframes.push_back(i);
  const std::vector<HlsCut> cuts = PlanHlsCuts(t, 6);
  ASSERT_EQ(cuts.size(), 3u);
  EXPECT_DOUBLE_EQ(cuts[0].durationSec, 6);
  EXPECT_DOUBLE_EQ(cuts[1].durationSec, 6);
  EXPECT_DOUBLE_EQ(cuts[2].startSec, 12);
  EXPECT_DOUBLE_EQ(cuts[2].durationSec, 1);  // the last may be short
}

TEST(HlsPlan, RejectsWhatCannotBeCut) {
  MediaTimeline t;
  t.durationSec = 10;
  EXPECT_THROW(PlanHlsCuts(t, 6), CodecError);  // no keyframes
  t.keyframes = {0, 5};
  EXPECT_THROW(PlanHlsCuts(t, 0), CodecError);
  EXPECT_THROW(PlanHlsCuts(t, -1), CodecError);
  EXPECT_THROW(PlanHlsCuts(t, std::nan("")), CodecError);
  t.durationSec = 0;
  EXPECT_THROW(PlanHlsCuts(t, 6), CodecError);
}

// Two instances of one recording, each cut into segments, the second shifted by the duration of the first:
// concatenated, they are one stream with every frame once and a continuous timeline.
TEST_F(Hls, TwoInstancesMakeOneContinuousStream) {
  const MediaTimeline ta = ReadTimeline(OpenWholeFile(a_));
  const MediaTimeline tb = ReadTimeline(OpenWholeFile(b_));
  std::vector<HlsSegmentStats> stats;
  std::string joined = Segments(a_, ta, 0, 2, &stats);
  joined += Segments(b_, tb, ta.durationSec, 2, &stats);
  ASSERT_EQ(stats.size(), 4u);  // 2 + 2 segments (b: 3 s as 2 s + 1 s)
  const std::string path = Scratch("hls_joined.ts");
  Save(path, joined);

  // Every video frame exactly once.
  const std::vector<ProbedPacket> video = Packets(path, "v:0");
  ASSERT_EQ(video.size(), 175u);  // 100 + 75
  EXPECT_EQ(DecodedFrames(path), 175);
  int64_t written = 0;
  for (const HlsSegmentStats& s : stats) written += s.videoPackets;
  EXPECT_EQ(written, 175);

  // Presentation times: one frame period apart from the lead on, across segments and instances.
  std::vector<double> pts;
  for (const ProbedPacket& p : video) pts.push_back(p.pts);
  std::sort(pts.begin(), pts.end());
  for (size_t i = 0; i < pts.size(); ++i) {
    ASSERT_NEAR(pts[i], kHlsTimestampLeadSec + 0.04 * static_cast<double>(i), 1e-4) << "frame " << i;
  }
  // Each segment starts with a keyframe at its cut, and no picture of a segment comes before the previous one's.
  const double starts[] = {0, 2, 4, 6};
  for (size_t s = 0; s < stats.size(); ++s) EXPECT_NEAR(stats[s].firstPts, kHlsTimestampLeadSec + starts[s], 1e-4);
  size_t at = 0;
  double previousMax = -1;
  for (const HlsSegmentStats& s : stats) {
    EXPECT_TRUE(video[at].key) << "segment starting at packet " << at;
    double lo = 1e9, hi = -1;
    for (int64_t i = 0; i < s.videoPackets; ++i, ++at) {
      lo = std::min(lo, video[at].pts);
      hi = std::max(hi, video[at].pts);
      EXPECT_LE(video[at].dts, video[at].pts + 1e-6);
      EXPECT_GT(video[at].dts, 0);
    }
    EXPECT_GT(lo, previousMax);
    previousMax = hi;
  }
  // Decode times increase through the whole stream.
  for (size_t i = 1; i < video.size(); ++i) EXPECT_GT(video[i].dts, video[i - 1].dts) << i;

  // The audio: AAC (ADTS in the stream), increasing, covering the same 7 s, each packet once.
  std::string codec;
  test::Run("ffprobe -v error -select_streams a:0 -show_entries stream=codec_name -of csv=p=0 '" + path + "'", &codec);
  ASSERT_FALSE(Lines(codec).empty());
  EXPECT_EQ(Lines(codec).front(), "aac");
  const std::vector<ProbedPacket> audio = Packets(path, "a:0");
  int64_t audioWritten = 0;
  for (const HlsSegmentStats& s : stats) audioWritten += s.audioPackets;
  EXPECT_EQ(static_cast<int64_t>(audio.size()), audioWritten);
  EXPECT_NEAR(static_cast<double>(audio.size()), 7 * 48000 / 1024.0, 3);
  for (size_t i = 1; i < audio.size(); ++i) EXPECT_GT(audio[i].pts, audio[i - 1].pts) << i;
  EXPECT_NEAR(audio.front().pts, kHlsTimestampLeadSec, 0.03);
  EXPECT_NEAR(audio.back().pts, kHlsTimestampLeadSec + 7 - 1024 / 48000.0, 0.03);

  // FFmpeg reads the joined stream without a complaint (no corrupt packets at the junctions, no decode error).
  std::string log;
  EXPECT_EQ(test::Run("ffmpeg -nostdin -v warning -i '" + path + "' -f null -", &log), 0) << log;
  EXPECT_EQ(log, "");
}

TEST_F(Hls, EachSegmentPlaysOnItsOwn) {
  const MediaTimeline t = ReadTimeline(OpenWholeFile(a_));
  const std::vector<HlsCut> cuts = PlanHlsCuts(t, 1);
  ASSERT_EQ(cuts.size(), 4u);
  std::string segment;
  RemuxHlsSegment(OpenWholeFile(a_), cuts[2], 10, segment);  // a seek into the middle
  const std::string path = Scratch("hls_alone.ts");
  Save(path, segment);
  EXPECT_EQ(DecodedFrames(path), 25);
  const std::vector<ProbedPacket> video = Packets(path, "v:0");
  ASSERT_EQ(video.size(), 25u);
  EXPECT_TRUE(video.front().key);
  EXPECT_NEAR(video.front().pts, 10 + 2 + kHlsTimestampLeadSec, 1e-4);
  std::string log;
  EXPECT_EQ(test::Run("ffmpeg -nostdin -v warning -i '" + path + "' -f null -", &log), 0) << log;
  EXPECT_EQ(log, "");
}

TEST_F(Hls, HevcToo) {
  const std::string hevc = MakeHevc("hls_hevc.mp4", 3);
  const MediaTimeline t = ReadTimeline(OpenWholeFile(hevc));
  EXPECT_TRUE(t.fromIndex);
  EXPECT_EQ(t.videoCodec, "hevc");
  ASSERT_EQ(t.keyframes.size(), 3u);
  EXPECT_NEAR(t.keyframes[2], 2, 1e-9);
  EXPECT_NEAR(t.durationSec, 3, 1e-6);
  // x265 Main (general_profile_compatibility_flag 1 and 2 -> "6"), Main tier, progressive frames.
  EXPECT_EQ(t.codecs.substr(0, 12), "hvc1.1.6.L60") << t.codecs;
  EXPECT_NE(t.codecs.find(",mp4a.40.2"), std::string::npos) << t.codecs;

  std::string joined = Segments(hevc, t, 0, 1);
  joined += Segments(hevc, t, t.durationSec, 1);
  const std::string path = Scratch("hls_hevc.ts");
  Save(path, joined);
  EXPECT_EQ(Packets(path, "v:0").size(), 150u);
  EXPECT_EQ(DecodedFrames(path), 150);
  std::string log;
  EXPECT_EQ(test::Run("ffmpeg -nostdin -v warning -i '" + path + "' -f null -", &log), 0) << log;
  EXPECT_EQ(log, "");
}

// MPEG-TS has no sample index: the keyframes come from a packet scan, and its timestamps (starting at 1.4 s) are
// taken from its first keyframe.
TEST_F(Hls, MpegTsInputIsScanned) {
  const std::string ts = MakeH264("hls_in.ts", 3, "-f mpegts");
  const MediaTimeline t = ReadTimeline(OpenWholeFile(ts));
  EXPECT_FALSE(t.fromIndex);
  ASSERT_EQ(t.keyframes.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(t.keyframes[i], static_cast<double>(i), 1e-3);
  EXPECT_NEAR(t.durationSec, 3, 1e-3);
  EXPECT_EQ(t.codecs.substr(0, 9), "avc1.6400") << t.codecs;
  const std::string joined = Segments(ts, t, 0, 1);
  const std::string path = Scratch("hls_from_ts.ts");
  Save(path, joined);
  EXPECT_EQ(Packets(path, "v:0").size(), 75u);
  EXPECT_EQ(DecodedFrames(path), 75);
}

// A fragmented MP4 (moof boxes, no samples in the moov): FFmpeg 5.1 indexes its fragments when it opens a
// seekable source, mfra box or not.
TEST_F(Hls, FragmentedMp4) {
  const std::string fragmented = MakeWithFfmpeg(
      "hls_frag.mp4", "-i '" + a_ + "' -c copy -movflags frag_keyframe+empty_moov+default_base_moof+skip_trailer");
  const MediaTimeline t = ReadTimeline(OpenWholeFile(fragmented));
  const MediaTimeline whole = ReadTimeline(OpenWholeFile(a_));
  ASSERT_EQ(t.keyframes.size(), whole.keyframes.size());
  for (size_t i = 0; i < t.keyframes.size(); ++i) EXPECT_NEAR(t.keyframes[i], whole.keyframes[i], 1e-6);
  EXPECT_NEAR(t.durationSec, whole.durationSec, 1e-6);
  const std::string path = Scratch("hls_from_frag.ts");
  Save(path, Segments(fragmented, t, 0, 1));
  EXPECT_EQ(Packets(path, "v:0").size(), 100u);
  EXPECT_EQ(DecodedFrames(path), 100);
}

TEST_F(Hls, ErrorsSayWhatIsWrong) {
  const MediaTimeline t = ReadTimeline(OpenWholeFile(a_));
  std::string out;
  HlsCut beyond;
  beyond.index = 99;
  beyond.startSec = 100;
  beyond.durationSec = 2;
  try {
    RemuxHlsSegment(OpenWholeFile(a_), beyond, 0, out);
    ADD_FAILURE() << "a cut beyond the end was remuxed";
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find("does not start at a keyframe"), std::string::npos) << e.what();
  }
  HlsCut between;
  between.startSec = 0.5;
  between.durationSec = 1;
  EXPECT_THROW(RemuxHlsSegment(OpenWholeFile(a_), between, 0, out), CodecError);
  HlsCut empty;
  EXPECT_THROW(RemuxHlsSegment(OpenWholeFile(a_), empty, 0, out), CodecError);
  EXPECT_THROW(RemuxHlsSegment(OpenWholeFile(a_), PlanHlsCuts(t, 2)[0], -1, out), CodecError);

  const std::string audioOnly = MakeWithFfmpeg("hls_audio.m4a", "-f lavfi -i sine=duration=1 -c:a aac");
  try {
    ReadTimeline(OpenWholeFile(audioOnly));
    ADD_FAILURE() << "audio only was accepted";
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find("no video stream"), std::string::npos) << e.what();
  }
  const std::string mpeg2 =
      MakeWithFfmpeg("hls_mpeg2.mp4", "-f lavfi -i testsrc2=size=160x120:duration=1 -c:v mpeg2video");
  try {
    ReadTimeline(OpenWholeFile(mpeg2));
    ADD_FAILURE() << "MPEG-2 video was accepted";
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find("transcode"), std::string::npos) << e.what();
  }
  const std::vector<uint8_t> junk(5000, 0x42);
  EXPECT_THROW(ReadTimeline(WrapMemory(junk.data(), junk.size())), CodecError);
}

TEST_F(Hls, ASinkThatFailsStopsTheRemux) {
  const MediaTimeline t = ReadTimeline(OpenWholeFile(a_));
  size_t calls = 0;
  const HlsSink failing = [&calls](const uint8_t*, size_t) {
    if (++calls == 2) throw std::runtime_error("client gone");
  };
  EXPECT_THROW(RemuxHlsSegment(OpenWholeFile(a_), PlanHlsCuts(t, 4)[0], 0, failing), std::runtime_error);
  EXPECT_EQ(calls, 2u);
}

}  // namespace
}  // namespace va::codec
