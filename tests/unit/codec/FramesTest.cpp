// Pictures of videos: the frame at a time or index, scaling, many formats, sprite sheets, JPEG / PNG encoding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "TestSupport.h"
#include "va/codec/Frames.h"
#include "va/codec/Probe.h"

namespace va::codec {
namespace {

using test::Scratch;

// Makes Scratch(name) with `ffmpeg -nostdin -v error -y ARGS OUT` once per process; throws when ffmpeg fails.
std::string Make(const std::string& name, const std::string& args) {
  const std::string path = Scratch(name);
  if (std::filesystem::exists(path)) return path;
  return test::MakeWithFfmpeg(name, args);
}

// Red for 0-1 s, lime for 1-2 s, blue for 2-3 s, 10 fps, 160x120: encoded with `codec`.
std::string ThreeColours(const std::string& name, const std::string& codec) {
  return Make(name,
              "-f lavfi -i 'color=c=red:s=160x120:r=10:d=1[r];color=c=lime:s=160x120:r=10:d=1[g];"
              "color=c=blue:s=160x120:r=10:d=1[b];[r][g][b]concat=n=3[out0]' " +
                  codec);
}

// 40 frames at 20 fps whose luma is 16 + 5 x frame number (limited range), in 7-frame GOPs with B-frames.
std::string GreyRamp(const std::string& name, const std::string& codec) {
  return Make(name,
              "-f lavfi -i 'color=c=black:s=64x48:r=20:d=2,format=yuv420p,geq=lum=16+5*N:cb=128:cr=128' " + codec);
}

std::string GreyRamp() {
  return GreyRamp("ramp.mp4", "-c:v libx264 -preset veryfast -crf 4 -g 7 -keyint_min 7 -bf 3 -sc_threshold 0");
}

struct Rgb {
  double r = 0, g = 0, b = 0;
};

// Mean colour of the w x h block at x, y (the whole image by default).
Rgb Mean(const RgbImage& im, int x = 0, int y = 0, int w = -1, int h = -1) {
  if (w < 0) w = im.width;
  if (h < 0) h = im.height;
  Rgb m;
  for (int row = y; row < y + h; ++row)
    for (int col = x; col < x + w; ++col) {
      const uint8_t* p = &im.pixels[(static_cast<size_t>(row) * im.width + col) * 3];
      m.r += p[0];
      m.g += p[1];
      m.b += p[2];
    }
  const double n = static_cast<double>(w) * h;
  return {m.r / n, m.g / n, m.b / n};
}

// 'r', 'g', 'b' for a saturated primary, 'k' for black, '?' otherwise.
char Colour(const Rgb& c) {
  auto hi = [](double v) { return v > 200; };
  auto lo = [](double v) { return v < 50; };
  if (hi(c.r) && lo(c.g) && lo(c.b)) return 'r';
  if (lo(c.r) && hi(c.g) && lo(c.b)) return 'g';
  if (lo(c.r) && lo(c.g) && hi(c.b)) return 'b';
  if (lo(c.r) && lo(c.g) && lo(c.b)) return 'k';
  return '?';
}

char Colour(const RgbImage& im) {
  return Colour(Mean(im));
}

std::string Colours(const std::vector<RgbImage>& images) {
  std::string s;
  for (const RgbImage& im : images) s += Colour(im);
  return s;
}

// The ramp frame a grey picture shows: luma 16 + 5n decodes to RGB 255 / 219 x 5n.
double RampFrame(const RgbImage& im) {
  return Mean(im).g / (255.0 / 219 * 5);
}

std::shared_ptr<ByteSource> Whole(const std::string& path) {
  return OpenWholeFile(path);
}

class Frames : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::HaveFfmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
  }
};

TEST_F(Frames, GrabFrameShowsTheColourOfItsTime) {
  const std::string v = ThreeColours("rgb.mp4", "-c:v libx264 -preset veryfast -g 8 -bf 2 -pix_fmt yuv420p");
  EXPECT_EQ(Colour(GrabFrame(Whole(v), 0.5)), 'r');
  EXPECT_EQ(Colour(GrabFrame(Whole(v), 1.5)), 'g');
  EXPECT_EQ(Colour(GrabFrame(Whole(v), 2.5)), 'b');
  EXPECT_EQ(Colour(GrabFrame(Whole(v), 0)), 'r');
  EXPECT_EQ(Colour(GrabFrame(Whole(v), -3)), 'r');
  // Past the end: the last frame.
  const RgbImage last = GrabFrame(Whole(v), 1e9);
  EXPECT_EQ(Colour(last), 'b');
  EXPECT_EQ(last.width, 160);
  EXPECT_EQ(last.height, 120);
  EXPECT_EQ(last.pixels.size(), 160u * 120 * 3);
}

TEST_F(Frames, EveryFrameOfARampIsFoundByTimeAndByIndex) {
  // HEVC with open GOPs (leading pictures that need the GOP before); MPEG-2 in a program stream: open GOPs, and
  // seeks that land near a time rather than on a keyframe.
  for (const std::string& v :
       {GreyRamp(), GreyRamp("ramp.mpg", "-c:v mpeg2video -q:v 1 -g 7 -bf 2"),
        GreyRamp("ramp_hevc.mp4",
                 "-c:v libx265 -preset ultrafast -tag:v hvc1 "
                 "-x265-params log-level=error:keyint=7:min-keyint=7:open-gop=1:bframes=3:scenecut=0:qp=4")}) {
    SCOPED_TRACE(v);
    std::vector<double> times;  // just inside both ends of each frame's 50 ms interval, latest first
    for (int n = 0; n < 40; ++n) {
      EXPECT_NEAR(RampFrame(GrabFrameByIndex(Whole(v), n)), n, 0.4) << "index " << n;
      times.insert(times.begin(), {n * 0.05 + 0.002, n * 0.05 + 0.048});
    }
    // Descending, so every time is found by a seek.
    const std::vector<RgbImage> images = GrabFrames(Whole(v), times);
    for (size_t i = 0; i < times.size(); ++i)
      EXPECT_NEAR(RampFrame(images[i]), 39 - static_cast<int>(i / 2), 0.4) << "time " << times[i];
    EXPECT_NEAR(RampFrame(GrabFrame(Whole(v), 5)), 39, 0.4);
  }
}

TEST_F(Frames, GrabFramesInAnyOrderMatchesSingleGrabs) {
  const std::string v = GreyRamp();
  std::vector<double> times;
  std::vector<int> expected;
  for (int n = 0; n < 40; n += 3) {  // ascending, several per GOP, some twice
    times.push_back(n * 0.05 + 0.01);
    expected.push_back(n);
    if (n % 9 == 0) {
      times.push_back(n * 0.05 + 0.03);
      expected.push_back(n);
    }
  }
  times.push_back(100);  // past the end, then back to the start and into the middle
  expected.push_back(39);
  times.push_back(0);
  expected.push_back(0);
  times.push_back(1.01);
  expected.push_back(20);
  times.push_back(0.26);
  expected.push_back(5);
  const std::vector<RgbImage> images = GrabFrames(Whole(v), times, 32, 0);
  ASSERT_EQ(images.size(), times.size());
  for (size_t i = 0; i < images.size(); ++i) {
    EXPECT_NEAR(RampFrame(images[i]), expected[i], 0.4) << "time " << times[i];
    EXPECT_EQ(images[i].width, 32);
    EXPECT_EQ(images[i].height, 24);
  }
  EXPECT_TRUE(GrabFrames(Whole(v), {}).empty());
}

TEST_F(Frames, FrameIndexOutOfRangeSaysHowManyFramesThereAre) {
  const std::string v = ThreeColours("rgb.mp4", "-c:v libx264 -preset veryfast -g 8 -bf 2 -pix_fmt yuv420p");
  EXPECT_EQ(Colour(GrabFrameByIndex(Whole(v), 0)), 'r');
  EXPECT_EQ(Colour(GrabFrameByIndex(Whole(v), 15)), 'g');
  EXPECT_EQ(Colour(GrabFrameByIndex(Whole(v), 29)), 'b');
  for (const int64_t bad : {int64_t{30}, int64_t{-1}, int64_t{1} << 40}) {
    try {
      GrabFrameByIndex(Whole(v), bad);
      ADD_FAILURE() << "frame " << bad << " was found";
    } catch (const CodecError& e) {
      EXPECT_NE(std::string(e.what()).find("has 30 frames"), std::string::npos) << e.what();
    }
  }
  // A program stream states no frame count and FFmpeg's estimate of its duration falls short (1.9 s here): the end
  // of the stream tells.
  const std::string ps = GreyRamp("ramp.mpg", "-c:v mpeg2video -q:v 1 -g 7 -bf 2");
  EXPECT_NEAR(RampFrame(GrabFrameByIndex(Whole(ps), 39)), 39, 0.4);
  try {
    GrabFrameByIndex(Whole(ps), 40);
    ADD_FAILURE() << "frame 40 of 40 was found";
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find("has 40 frames (0 to 39)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(GrabFrameByIndex(Whole(ps), -1), CodecError);
}

TEST_F(Frames, ScalesDownToFitKeepingTheAspectRatioNeverUp) {
  const std::string v = Make("gray320.mp4", "-f lavfi -i color=c=gray:s=320x240:r=10:d=0.5 -c:v libx264");
  auto size = [&](int mw, int mh) {
    const RgbImage im = GrabFrame(Whole(v), 0.2, mw, mh);
    return std::to_string(im.width) + "x" + std::to_string(im.height);
  };
  EXPECT_EQ(size(0, 0), "320x240");
  EXPECT_EQ(size(100, 100), "100x75");
  EXPECT_EQ(size(0, 60), "80x60");
  EXPECT_EQ(size(160, 0), "160x120");
  EXPECT_EQ(size(1000, 1000), "320x240");
  EXPECT_EQ(size(1, 1), "1x1");
  EXPECT_THROW(GrabFrame(Whole(v), 0.2, -1, 10), CodecError);
}

TEST_F(Frames, NonSquarePixelsAreShownSquare) {
  const std::string wide =
      Make("sar2.mp4", "-f lavfi -i color=c=gray:s=160x120:r=10:d=0.5 -vf setsar=2/1 -c:v libx264");
  const std::string tall =
      Make("sar05.mp4", "-f lavfi -i color=c=gray:s=160x120:r=10:d=0.5 -vf setsar=1/2 -c:v libx264");
  RgbImage im = GrabFrame(Whole(wide), 0);
  EXPECT_EQ(im.width, 160);
  EXPECT_EQ(im.height, 60);
  im = GrabFrame(Whole(tall), 0);
  EXPECT_EQ(im.width, 80);
  EXPECT_EQ(im.height, 120);
  im = GrabFrame(Whole(wide), 0, 80, 80);
  EXPECT_EQ(im.width, 80);
  EXPECT_EQ(im.height, 30);
}

// Interlaced video shrunk to half its height or less shows one field, not both blended; at full size both fields.
TEST_F(Frames, ShrunkInterlacedPicturesShowOneField) {
  // Top field white, bottom field black, coded as interlaced MPEG-2 (field DCT, top field first).
  const std::string v = Make("fields.mpg",
                             "-f lavfi -i 'color=c=black:s=160x120:r=10:d=1,format=yuv420p,"
                             "geq=lum=if(mod(Y\\,2)\\,16\\,235):cb=128:cr=128' "
                             "-c:v mpeg2video -q:v 1 -g 5 -flags +ilme+ildct -top 1");
  const RgbImage full = GrabFrame(Whole(v), 0.5);
  ASSERT_EQ(full.height, 120);
  EXPECT_GT(Mean(full, 0, 10, 160, 1).g, 230);  // a top-field line
  EXPECT_LT(Mean(full, 0, 11, 160, 1).g, 25);   // a bottom-field line
  const RgbImage half = GrabFrame(Whole(v), 0.5, 80, 60);
  ASSERT_EQ(half.height, 60);
  EXPECT_GT(Mean(half).g, 230);
}

struct Format {
  const char* name;
  const char* args;
};

class FramesFormat : public Frames, public ::testing::WithParamInterface<Format> {};

TEST_P(FramesFormat, ColoursFollowTime) {
  const Format f = GetParam();
  const std::string v = ThreeColours(f.name, f.args);
  EXPECT_EQ(Colours(GrabFrames(Whole(v), {0, 0.5, 0.95, 1.05, 1.5, 2.5, 1e6})), "rrrggbb") << f.name;
  EXPECT_EQ(Colour(GrabFrame(Whole(v), 1.5, 80, 80)), 'g');
  EXPECT_EQ(Colour(GrabFrameByIndex(Whole(v), 25)), 'b');
}

INSTANTIATE_TEST_SUITE_P(
    FramesOf, FramesFormat,
    ::testing::Values(
        Format{"h264.mp4", "-c:v libx264 -preset veryfast -g 8 -bf 2 -pix_fmt yuv420p"},
        Format{"h264_422_10.mkv", "-c:v libx264 -preset veryfast -g 8 -pix_fmt yuv422p10le"},
        Format{"hevc_main10.mp4",
               "-c:v libx265 -preset ultrafast -pix_fmt yuv420p10le -tag:v hvc1 -x265-params log-level=error:keyint=8"},
        Format{"hevc_422_10.mkv",
               "-c:v libx265 -preset ultrafast -pix_fmt yuv422p10le -x265-params log-level=error:keyint=8"},
        Format{"mpeg2.mpg", "-c:v mpeg2video -q:v 2 -g 8 -bf 2"},
        Format{"mpeg2.ts", "-c:v mpeg2video -q:v 2 -g 8 -bf 2 -pix_fmt yuv422p"},
        Format{"mjpeg.avi", "-c:v mjpeg -q:v 3 -pix_fmt yuvj422p"}),
    [](const ::testing::TestParamInfo<Format>& info) {
      std::string n = info.param.name;
      for (char& c : n)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return n;
    });

// The frame found for an index is the one ffmpeg itself shows as that frame, in real footage with open GOPs.
TEST_F(Frames, RealClipsMatchFfmpegFrameForFrame) {
  struct Case {
    const char* clip;
    int index;
    const char* matrix;  // what GrabFrame assumes for untagged video: BT.709 from 720 lines up, else BT.601
  };
  for (const Case c : {Case{"weasis_neurosurgery_mpeg2_ps_480p.mpg", 57, "bt601"},
                       Case{"weasis_neurosurgery_h264_720p.mp4", 41, "bt709"},
                       Case{"endovis2017_d1_h264_1264x1010_2fps.mp4", 13, "bt709"}}) {
    const std::string clip = test::Clip(c.clip);
    const RgbImage ours = GrabFrameByIndex(Whole(clip), c.index);
    // ffmpeg's frames index-1, index, index+1 at our size, as raw RGB.
    const std::string raw = Scratch(std::string(c.clip) + ".rgb");
    std::string log;
    ASSERT_EQ(test::Run("ffmpeg -nostdin -v error -y -i '" + clip + "' -vf 'select=between(n\\," +
                            std::to_string(c.index - 1) + "\\," + std::to_string(c.index + 1) +
                            "),scale=" + std::to_string(ours.width) + ":" + std::to_string(ours.height) +
                            ":flags=area:in_color_matrix=" + c.matrix +
                            "' -fps_mode passthrough -f rawvideo -pix_fmt rgb24 '" + raw + "'",
                        &log),
              0)
        << log;
    const std::vector<uint8_t> frames = test::ReadFile(raw);
    ASSERT_EQ(frames.size(), ours.pixels.size() * 3) << c.clip;
    double mse[3] = {0, 0, 0};
    for (int k = 0; k < 3; ++k) {
      for (size_t i = 0; i < ours.pixels.size(); ++i) {
        const double d = static_cast<double>(ours.pixels[i]) - frames[k * ours.pixels.size() + i];
        mse[k] += d * d;
      }
      mse[k] /= static_cast<double>(ours.pixels.size());
    }
    const std::string detail = std::string(c.clip) + ": mean square errors against ffmpeg's frames " +
                               std::to_string(mse[0]) + ", " + std::to_string(mse[1]) + ", " + std::to_string(mse[2]);
    EXPECT_LT(mse[1] * 3, mse[0]) << detail;
    EXPECT_LT(mse[1] * 3, mse[2]) << detail;
    EXPECT_LT(mse[1], 8) << detail;  // the same picture: PSNR above 39 dB
  }
}

TEST_F(Frames, ReadsThroughSeveralFileSpans) {
  const std::string v = ThreeColours("rgb.mp4", "-c:v libx264 -preset veryfast -g 8 -bf 2 -pix_fmt yuv420p");
  const std::vector<uint8_t> mp4 = test::ReadFile(v);
  // The MP4 cut in three pieces, each behind some junk, as fragments lie in a DICOM file.
  const size_t cut1 = mp4.size() / 3, cut2 = mp4.size() * 2 / 3;
  std::vector<uint8_t> file(1000, 0xAB);
  std::vector<FileSpan> spans;
  auto add = [&](size_t from, size_t to) {
    spans.push_back(FileSpan{file.size(), to - from});
    file.insert(file.end(), mp4.begin() + static_cast<std::ptrdiff_t>(from),
                mp4.begin() + static_cast<std::ptrdiff_t>(to));
    file.insert(file.end(), 333, 0xCD);
  };
  add(0, cut1);
  add(cut1, cut2);
  add(cut2, mp4.size());
  const std::string path = Scratch("spans.bin");
  test::WriteFile(path, file);
  EXPECT_EQ(Colours(GrabFrames(OpenFileSpans(path, spans), {2.5, 0.5, 1.5})), "brg");
  EXPECT_EQ(Colour(GrabFrameByIndex(OpenFileSpans(path, spans), 29)), 'b');
}

TEST_F(Frames, SpriteSheetTilesFollowTime) {
  const std::string v = ThreeColours("rgb.mp4", "-c:v libx264 -preset veryfast -g 8 -bf 2 -pix_fmt yuv420p");
  const SpriteSheet s = MakeSpriteSheet(Whole(v), 6, 40, 4);
  EXPECT_EQ(s.columns, 4);
  EXPECT_EQ(s.rows, 2);
  EXPECT_EQ(s.tileWidth, 40);
  EXPECT_EQ(s.tileHeight, 30);
  EXPECT_EQ(s.image.width, 160);
  EXPECT_EQ(s.image.height, 60);
  ASSERT_EQ(s.image.pixels.size(), 160u * 60 * 3);
  ASSERT_EQ(s.timesSec.size(), 6u);
  EXPECT_NEAR(s.timesSec[0], 0.25, 1e-6);
  EXPECT_NEAR(s.timesSec[5], 2.75, 1e-6);
  std::string cells;
  for (int i = 0; i < 8; ++i) cells += Colour(Mean(s.image, (i % 4) * 40 + 2, (i / 4) * 30 + 2, 36, 26));
  EXPECT_EQ(cells, "rrggbbkk");

  // An odd height rounds to even; more columns than tiles make one row.
  const SpriteSheet one = MakeSpriteSheet(Whole(v), 3, 25, 10);
  EXPECT_EQ(one.columns, 3);
  EXPECT_EQ(one.rows, 1);
  EXPECT_EQ(one.tileHeight, 18);  // 25 x 3/4 = 18.75
  EXPECT_EQ(one.image.width, 75);
  EXPECT_EQ(Colour(Mean(one.image, 50, 0, 25, 18)), 'b');

  EXPECT_THROW(MakeSpriteSheet(Whole(v), 0, 40, 4), CodecError);
  EXPECT_THROW(MakeSpriteSheet(Whole(v), 4, 0, 4), CodecError);
  EXPECT_THROW(MakeSpriteSheet(Whole(v), 1000, 1000, 10), CodecError);  // 10000 x 75000 pixels
}

// A picture with detail: a colour gradient.
RgbImage Gradient(int w, int h) {
  RgbImage im;
  im.width = w;
  im.height = h;
  im.pixels.resize(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &im.pixels[(static_cast<size_t>(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(x * 255 / std::max(1, w - 1));
      p[1] = static_cast<uint8_t>(y * 255 / std::max(1, h - 1));
      p[2] = 128;
    }
  return im;
}

std::string Ffprobe(const std::string& path) {
  std::string out;
  test::Run("ffprobe -v error -show_entries stream=codec_name,width,height,pix_fmt -of csv=p=0 '" + path + "'", &out);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

TEST_F(Frames, JpegOfAFrameDecodesBackToItsSizeAndColour) {
  const std::string v = ThreeColours("rgb.mp4", "-c:v libx264 -preset veryfast -g 8 -bf 2 -pix_fmt yuv420p");
  const RgbImage green = GrabFrame(Whole(v), 1.5, 100, 100);
  const std::string jpeg = EncodeJpeg(green, 90);
  ASSERT_GT(jpeg.size(), 4u);
  EXPECT_EQ(static_cast<uint8_t>(jpeg[0]), 0xFF);
  EXPECT_EQ(static_cast<uint8_t>(jpeg[1]), 0xD8);
  EXPECT_EQ(static_cast<uint8_t>(jpeg[jpeg.size() - 2]), 0xFF);
  EXPECT_EQ(static_cast<uint8_t>(jpeg[jpeg.size() - 1]), 0xD9);
  const std::string path = Scratch("green.jpg");
  test::WriteFile(path, std::vector<uint8_t>(jpeg.begin(), jpeg.end()));
  EXPECT_EQ(Ffprobe(path), "mjpeg,100,75,yuvj420p");
  // Decoded again, here by GrabFrame itself (a JPEG is a one-frame video to FFmpeg).
  const RgbImage back =
      GrabFrame(WrapMemory(reinterpret_cast<const uint8_t*>(jpeg.data()), jpeg.size(), "green.jpg"), 0);
  EXPECT_EQ(back.width, 100);
  EXPECT_EQ(back.height, 75);
  const Rgb a = Mean(green), b = Mean(back);
  EXPECT_NEAR(a.r, b.r, 3);
  EXPECT_NEAR(a.g, b.g, 3);
  EXPECT_NEAR(a.b, b.b, 3);
}

TEST_F(Frames, JpegQualityTradesSizeForFidelityAtOddSizes) {
  const RgbImage im = Gradient(101, 57);
  const std::string fine = EncodeJpeg(im, 95), coarse = EncodeJpeg(im, 5);
  EXPECT_LT(coarse.size(), fine.size());
  EXPECT_NO_THROW(EncodeJpeg(im, 1));
  EXPECT_NO_THROW(EncodeJpeg(im, 100));
  const RgbImage back = GrabFrame(WrapMemory(reinterpret_cast<const uint8_t*>(fine.data()), fine.size()), 0);
  ASSERT_EQ(back.width, 101);
  ASSERT_EQ(back.height, 57);
  double err = 0;
  for (size_t i = 0; i < im.pixels.size(); ++i) err += std::abs(static_cast<int>(im.pixels[i]) - back.pixels[i]);
  EXPECT_LT(err / static_cast<double>(im.pixels.size()), 3.0);

  EXPECT_THROW(EncodeJpeg(im, 0), CodecError);
  EXPECT_THROW(EncodeJpeg(im, 101), CodecError);
  EXPECT_THROW(EncodeJpeg(RgbImage{}, 80), CodecError);
  RgbImage wrong = im;
  wrong.pixels.pop_back();
  EXPECT_THROW(EncodeJpeg(wrong, 80), CodecError);
}

TEST_F(Frames, PngIsLossless) {
  const RgbImage im = Gradient(37, 21);
  const std::string png = EncodePng(im);
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  const RgbImage back = GrabFrame(WrapMemory(reinterpret_cast<const uint8_t*>(png.data()), png.size()), 0);
  EXPECT_EQ(back.width, 37);
  EXPECT_EQ(back.height, 21);
  EXPECT_EQ(back.pixels, im.pixels);
  EXPECT_THROW(EncodePng(RgbImage{}), CodecError);
}

TEST_F(Frames, GarbageAndTruncatedSourcesThrow) {
  std::vector<uint8_t> garbage(20000);
  unsigned seed = 12345;
  for (uint8_t& b : garbage) b = static_cast<uint8_t>((seed = seed * 1103515245 + 12345) >> 16);
  EXPECT_THROW(GrabFrame(WrapMemory(garbage.data(), garbage.size()), 0), CodecError);
  EXPECT_THROW(GrabFrame(WrapMemory(garbage.data(), 0), 0), CodecError);

  // moov at the end: half a file has no index at all.
  const std::string v = ThreeColours("rgb.mp4", "-c:v libx264 -preset veryfast -g 8 -bf 2 -pix_fmt yuv420p");
  std::vector<uint8_t> mp4 = test::ReadFile(v);
  EXPECT_THROW(GrabFrame(WrapMemory(mp4.data(), mp4.size() / 2), 0.5), CodecError);

  // moov first: the index promises samples the file no longer holds.
  const std::string fast =
      ThreeColours("rgb_faststart.mp4", "-c:v libx264 -preset veryfast -g 8 -pix_fmt yuv420p -movflags +faststart");
  mp4 = test::ReadFile(fast);
  // Cut right before the first sample shown at 2 s or later, or a few bytes into it.
  std::string packets;
  test::Run("ffprobe -v error -select_streams v -show_entries packet=pts_time,pos -of csv=p=0 '" + fast + "'",
            &packets);
  size_t blue = mp4.size();
  std::istringstream lines(packets);
  for (std::string line; std::getline(lines, line);) {
    const size_t comma = line.find(',');
    if (comma != std::string::npos && std::stod(line.substr(0, comma)) >= 2.0)
      blue = std::min<size_t>(blue, std::stoul(line.substr(comma + 1)));
  }
  ASSERT_LT(blue, mp4.size());
  const auto atSample = WrapMemory(mp4.data(), blue, "cut.mp4");
  const auto inSample = WrapMemory(mp4.data(), blue + 5, "cut.mp4");
  for (const auto& cut : {atSample, inSample}) {
    EXPECT_EQ(Colour(GrabFrame(cut, 0.5)), 'r');
    EXPECT_EQ(Colour(GrabFrame(cut, 1.5)), 'g');
    for (const double t : {2.5, 100.0}) {
      try {
        GrabFrame(cut, t);
        ADD_FAILURE() << "a frame was found in the missing part at " << t << " s";
      } catch (const CodecError& e) {
        EXPECT_NE(std::string(e.what()).find("s of cut.mp4"), std::string::npos) << e.what();
      }
    }
  }
  const std::vector<double> times{0.5, 1.5, 2.5};
  EXPECT_THROW(GrabFrames(atSample, times), CodecError);
  EXPECT_THROW(MakeSpriteSheet(inSample, 3, 16, 3), CodecError);

  // An audio-only file has no pictures.
  const std::string audio = Make("tone.m4a", "-f lavfi -i sine=d=0.5 -c:a aac");
  try {
    GrabFrame(Whole(audio), 0);
    ADD_FAILURE() << "a picture of audio";
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find("no video stream"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace va::codec
