#include <gtest/gtest.h>

#include "TestSupport.h"
#include "va/codec/Probe.h"

namespace va::codec {
namespace {

using test::Clip;

TEST(Probe, H264Mp4WithAac) {
  const StreamInfo s = Probe(Clip("weasis_neurosurgery_h264_720p.mp4"));
  EXPECT_EQ(s.container, "mov,mp4,m4a,3gp,3g2,mj2");
  EXPECT_EQ(s.codecName, "h264");
  EXPECT_EQ(s.profile, "High");
  EXPECT_EQ(s.level, 31);
  EXPECT_EQ(s.width, 1280);
  EXPECT_EQ(s.height, 720);
  EXPECT_EQ(s.fpsNum, 30000);
  EXPECT_EQ(s.fpsDen, 1001);
  EXPECT_EQ(s.frameCount, 111);
  EXPECT_NEAR(s.durationSec, 3.7037, 0.001);
  EXPECT_EQ(s.bitDepth, 8);
  EXPECT_EQ(s.pixelFormat, "yuv420p");
  EXPECT_FALSE(s.interlaced);
  EXPECT_EQ(s.audioStreams, 1);
  EXPECT_EQ(s.audioCodec, "aac");
  EXPECT_GT(s.bitRate, 0);
}

TEST(Probe, Mpeg2ProgramStreamWithAc3) {
  const StreamInfo s = Probe(Clip("weasis_neurosurgery_mpeg2_ps_480p.mpg"));
  EXPECT_EQ(s.container, "mpeg");
  EXPECT_EQ(s.codecName, "mpeg2video");
  EXPECT_EQ(s.profile, "Main");
  EXPECT_EQ(s.width, 720);
  EXPECT_EQ(s.height, 480);
  EXPECT_EQ(s.fpsNum, 30000);
  EXPECT_EQ(s.fpsDen, 1001);
  // No frame count in a program stream: estimated from duration * fps.
  EXPECT_EQ(s.frameCount, 111);
  EXPECT_FALSE(s.interlaced);
  EXPECT_EQ(s.audioStreams, 1);
  EXPECT_EQ(s.audioCodec, "ac3");
}

TEST(Probe, OddHeightTwoFpsWithoutAudio) {
  const StreamInfo s = Probe(Clip("endovis2017_d1_h264_1264x1010_2fps.mp4"));
  EXPECT_EQ(s.codecName, "h264");
  EXPECT_EQ(s.width, 1264);
  EXPECT_EQ(s.height, 1010);
  EXPECT_EQ(s.fpsNum, 2);
  EXPECT_EQ(s.fpsDen, 1);
  EXPECT_EQ(s.frameCount, 23);
  EXPECT_NEAR(s.durationSec, 11.5, 0.01);
  EXPECT_EQ(s.level, 32);
  EXPECT_EQ(s.audioStreams, 0);
  EXPECT_EQ(s.audioCodec, "");
}

TEST(Probe, EveryClipHasVideo) {
  for (const char* name : {"rvimlab_laparoscopy_h264_720p.mp4", "endovis2017_d1_segmask_h264_1264x1010_2fps.mp4",
                           "endovis2017_d2_segmask_h264_1264x1010_2fps.mp4"}) {
    SCOPED_TRACE(name);
    const StreamInfo s = Probe(Clip(name));
    EXPECT_EQ(s.codecName, "h264");
    EXPECT_GT(s.frameCount, 0);
  }
  EXPECT_EQ(Probe(Clip("rvimlab_laparoscopy_h264_720p.mp4")).frameCount, 250);
}

TEST(Probe, BufferGivesTheSameAnswerAsTheFile) {
  const auto bytes = test::ReadFile(Clip("weasis_neurosurgery_h264_720p.mp4"));
  const StreamInfo fromFile = Probe(Clip("weasis_neurosurgery_h264_720p.mp4"));
  const StreamInfo fromMemory = ProbeBuffer(bytes.data(), bytes.size());
  EXPECT_EQ(fromMemory.codecName, fromFile.codecName);
  EXPECT_EQ(fromMemory.width, fromFile.width);
  EXPECT_EQ(fromMemory.frameCount, fromFile.frameCount);
  EXPECT_EQ(fromMemory.audioCodec, fromFile.audioCodec);
  const auto ps = test::ReadFile(Clip("weasis_neurosurgery_mpeg2_ps_480p.mpg"));
  EXPECT_EQ(ProbeBuffer(ps.data(), ps.size()).codecName, "mpeg2video");
}

TEST(Probe, RejectsGarbageWithAClearMessage) {
  const std::string path = test::Scratch("not-a-video.mp4");
  const std::string text = "this is a text file, not a video\n";
  test::WriteFile(path, std::vector<uint8_t>(text.begin(), text.end()));
  try {
    Probe(path);
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot open " + path + ": Invalid data found when processing input");
  }
  EXPECT_THROW(ProbeBuffer(reinterpret_cast<const uint8_t*>(text.data()), text.size()), CodecError);
  EXPECT_THROW(ProbeBuffer(nullptr, 0), CodecError);
  EXPECT_THROW(Probe(test::Scratch("does-not-exist.mp4")), CodecError);
}

// A minimal PCM WAV file: audio only.
std::vector<uint8_t> Wav() {
  std::vector<uint8_t> w;
  auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) w.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  auto u16 = [&](uint16_t v) {
    for (int i = 0; i < 2; ++i) w.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  auto tag = [&](const char* t) { w.insert(w.end(), t, t + 4); };
  const uint32_t samples = 8000;
  tag("RIFF");
  u32(36 + samples * 2);
  tag("WAVE");
  tag("fmt ");
  u32(16);
  u16(1);
  u16(1);
  u32(8000);
  u32(16000);
  u16(2);
  u16(16);
  tag("data");
  u32(samples * 2);
  for (uint32_t i = 0; i < samples; ++i) u16(static_cast<uint16_t>((i * 37) & 0x7fff));
  return w;
}

TEST(Probe, RejectsAudioOnlyFiles) {
  const std::string path = test::Scratch("tone.wav");
  test::WriteFile(path, Wav());
  try {
    Probe(path);
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_EQ(std::string(e.what()), "no video stream in " + path);
  }
}

TEST(DecodeAll, CountsEveryFrame) {
  const DecodeCheck h264 = DecodeAll(Clip("weasis_neurosurgery_h264_720p.mp4"));
  EXPECT_EQ(h264.frames, 111);
  EXPECT_NEAR(h264.durationSec, 3.7037, 0.001);
  EXPECT_EQ(h264.audioPackets, 158);
  const DecodeCheck mpeg2 = DecodeAll(Clip("weasis_neurosurgery_mpeg2_ps_480p.mpg"));
  EXPECT_EQ(mpeg2.frames, 111);
  EXPECT_GT(mpeg2.audioPackets, 0);
  EXPECT_EQ(DecodeAll(Clip("endovis2017_d1_segmask_h264_1264x1010_2fps.mp4")).frames, 23);
}

TEST(DecodeAll, DamageInTheMiddleIsAnErrorWithAPosition) {
  auto bytes = test::ReadFile(Clip("weasis_neurosurgery_h264_720p.mp4"));
  for (size_t i = 0; i < 20000; ++i) bytes[bytes.size() * 4 / 10 + i] = static_cast<uint8_t>(i * 7919 >> 3);
  const std::string path = test::Scratch("damaged.mp4");
  test::WriteFile(path, bytes);
  try {
    DecodeAll(path);
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find(" s (stream"), std::string::npos) << e.what();
  }
}

TEST(DecodeAll, TruncationIsAnError) {
  const auto bytes = test::ReadFile(Clip("rvimlab_laparoscopy_h264_720p.mp4"));
  const std::string path = test::Scratch("truncated.mp4");
  test::WriteFile(path, std::vector<uint8_t>(bytes.begin(), bytes.begin() + bytes.size() / 2));
  EXPECT_THROW(DecodeAll(path), CodecError);
}

}  // namespace
}  // namespace va::codec
