// The keyed archive-ID watermark on synthetic pictures: round trips at the same and half size, 10-bit, wrong key,
// unmarked content, dark regions left alone, and the payload code on its own.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "../../../codec/src/watermark/PayloadCode.h"
#include "TestSupport.h"
#include "va/codec/Watermark.h"

namespace va::codec {
namespace {

constexpr uint64_t kId = 0x0123456789abcdefULL;

WatermarkKey Key(uint8_t seed) {
  WatermarkKey k{};
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(seed * 31 + i * 7);
  return k;
}

// A textured picture that changes from frame to frame: smooth shapes, a moving wave, a little noise.
struct Picture {
  int width, height, bitDepth;
  std::vector<uint8_t> bytes;
  int linesize() const { return width * (bitDepth > 8 ? 2 : 1); }
  LumaPlane plane() { return LumaPlane{bytes.data(), linesize(), width, height, bitDepth}; }
  int at(int x, int y) const {
    const uint8_t* p = &bytes[static_cast<size_t>(y) * linesize()];
    return bitDepth > 8 ? p[2 * x] | (p[2 * x + 1] << 8) : p[x];
  }
  void set(int x, int y, int v) {
    uint8_t* p = &bytes[static_cast<size_t>(y) * linesize()];
    if (bitDepth > 8) {
      p[2 * x] = static_cast<uint8_t>(v & 0xff);
      p[2 * x + 1] = static_cast<uint8_t>(v >> 8);
    } else {
      p[x] = static_cast<uint8_t>(v);
    }
  }
};

Picture Synthetic(int width, int height, int frame, int bitDepth = 8) {
  Picture p{width, height, bitDepth,
            std::vector<uint8_t>(static_cast<size_t>(width) * height * (bitDepth > 8 ? 2 : 1))};
  uint32_t noise = 12345u + static_cast<uint32_t>(frame) * 7919u;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      noise = noise * 1664525u + 1013904223u;
      const double u = static_cast<double>(x) / width, v = static_cast<double>(y) / height;
      double value = 110 + 50 * std::sin(6 * u + 3 * v + 0.2 * frame) + 30 * std::cos(11 * v - 4 * u) +
                     12 * std::sin(40 * u + 0.5 * frame) * std::cos(37 * v) + static_cast<double>(noise >> 29) - 3.5;
      value = std::clamp(value, 0.0, 255.0) * (1 << (bitDepth - 8));
      p.set(x, y, static_cast<int>(std::lround(value)));
    }
  return p;
}

// 2x2 area average (8-bit), as a downscale to half resolution does.
Picture Half(const Picture& in) {
  Picture out{in.width / 2, in.height / 2, 8, {}};
  out.bytes.resize(static_cast<size_t>(out.width) * out.height);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x)
      out.set(
          x, y,
          (in.at(2 * x, 2 * y) + in.at(2 * x + 1, 2 * y) + in.at(2 * x, 2 * y + 1) + in.at(2 * x + 1, 2 * y + 1) + 2) /
              4);
  return out;
}

std::vector<Picture> Marked(int width, int height, int frames, int bitDepth = 8) {
  WatermarkEmbedder embedder(Key(1), kId);
  std::vector<Picture> out;
  out.reserve(static_cast<size_t>(frames));
  for (int f = 0; f < frames; ++f) {
    Picture p = Synthetic(width, height, f, bitDepth);
    LumaPlane plane = p.plane();
    embedder.Embed(plane);
    out.push_back(std::move(p));
  }
  return out;
}

WatermarkDetection Detect(std::vector<Picture>& pictures, const WatermarkKey& key) {
  WatermarkDetector detector(key);
  for (Picture& p : pictures) detector.Add(p.plane());
  return detector.Result();
}

double Psnr(const Picture& a, const Picture& b) {
  double se = 0;
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < a.width; ++x) se += std::pow(a.at(x, y) - b.at(x, y), 2);
  const double mse = se / (static_cast<double>(a.width) * a.height);
  const double peak = (1 << a.bitDepth) - 1;
  return 10 * std::log10(peak * peak / mse);
}

TEST(Watermark, RoundTripSameSize) {
  std::vector<Picture> marked = Marked(640, 360, 3);
  const WatermarkDetection d = Detect(marked, Key(1));
  ASSERT_TRUE(d.found) << d.reason;
  EXPECT_EQ(d.archiveId, kId);
  EXPECT_LE(d.falsePositiveLog2, -16);
  EXPECT_GT(d.confidence, 0.9999);
  EXPECT_EQ(d.framesUsed, 3);
  EXPECT_GT(d.meanAbsSoft, 0.8);
  // Invisible enough: the change stays above 45 dB PSNR.
  EXPECT_GE(Psnr(marked[0], Synthetic(640, 360, 0)), 45.0);
}

TEST(Watermark, RoundTripHalfSize) {
  std::vector<Picture> marked = Marked(1280, 720, 3);
  std::vector<Picture> half;
  half.reserve(marked.size());
  for (const Picture& p : marked) half.push_back(Half(p));
  const WatermarkDetection d = Detect(half, Key(1));
  ASSERT_TRUE(d.found) << d.reason;
  EXPECT_EQ(d.archiveId, kId);
}

TEST(Watermark, WrongKeyFindsNothing) {
  std::vector<Picture> marked = Marked(640, 360, 3);
  const WatermarkDetection d = Detect(marked, Key(2));
  EXPECT_FALSE(d.found);
  EXPECT_GT(d.falsePositiveLog2, -16);
  EXPECT_FALSE(d.reason.empty());
}

TEST(Watermark, UnmarkedFindsNothing) {
  std::vector<Picture> plain;
  plain.reserve(4);
  for (int f = 0; f < 4; ++f) plain.push_back(Synthetic(640, 360, f));
  for (uint8_t seed = 1; seed < 6; ++seed) {
    const WatermarkDetection d = Detect(plain, Key(seed));
    EXPECT_FALSE(d.found) << "key " << int(seed);
    EXPECT_LT(d.meanAbsSoft, 0.3);
  }
}

TEST(Watermark, DarkAndSaturatedRegionsUntouched) {
  Picture p = Synthetic(640, 360, 0);
  // Black border on the left third, blown-out highlight on the right third.
  for (int y = 0; y < p.height; ++y)
    for (int x = 0; x < p.width; ++x) {
      if (x < 213) p.set(x, y, 12 + (x + y) % 3);
      if (x >= 427) p.set(x, y, 245 + (x * y) % 4);
    }
  const Picture before = p;
  WatermarkEmbedder embedder(Key(1), kId);
  LumaPlane plane = p.plane();
  embedder.Embed(plane);
  int changedInside = 0, changedMiddle = 0;
  for (int y = 0; y < p.height; ++y)
    for (int x = 0; x < p.width; ++x) {
      const bool changed = p.at(x, y) != before.at(x, y);
      // Well inside the skipped regions (one cell away from the marked middle, the spreading reaches ~1/240).
      if ((x < 213 - 22 || x >= 427 + 22) && changed) ++changedInside;
      if (x >= 230 && x < 410 && changed) ++changedMiddle;
    }
  EXPECT_EQ(changedInside, 0);
  EXPECT_GT(changedMiddle, 1000);
}

TEST(Watermark, TenBit) {
  std::vector<Picture> marked = Marked(640, 360, 3, 10);
  WatermarkDetection d = Detect(marked, Key(1));
  ASSERT_TRUE(d.found) << d.reason;
  EXPECT_EQ(d.archiveId, kId);
  EXPECT_GE(Psnr(marked[0], Synthetic(640, 360, 0, 10)), 45.0);
  // Marked at 10 bits, read back at 8 bits (a transcode that drops the precision).
  std::vector<Picture> eight;
  eight.reserve(marked.size());
  for (const Picture& p : marked) {
    Picture e{p.width, p.height, 8, std::vector<uint8_t>(static_cast<size_t>(p.width) * p.height)};
    for (int y = 0; y < p.height; ++y)
      for (int x = 0; x < p.width; ++x) e.set(x, y, std::min(255, (p.at(x, y) + 2) >> 2));
    eight.push_back(std::move(e));
  }
  d = Detect(eight, Key(1));
  ASSERT_TRUE(d.found) << d.reason;
  EXPECT_EQ(d.archiveId, kId);
}

TEST(Watermark, TinyPicturesAreLeftAlone) {
  Picture p = Synthetic(160, 120, 0);
  const Picture before = p;
  WatermarkEmbedder embedder(Key(1), kId);
  LumaPlane plane = p.plane();
  embedder.Embed(plane);
  EXPECT_EQ(p.bytes, before.bytes);
  WatermarkDetector detector(Key(1));
  detector.Add(p.plane());
  const WatermarkDetection d = detector.Result();
  EXPECT_FALSE(d.found);
  EXPECT_NE(d.reason.find("too small"), std::string::npos);
}

TEST(Watermark, PayloadCodeCorrectsErrorsAndChecksCrc) {
  const std::vector<uint8_t> coded = detail::EncodePayload(kId);
  ASSERT_EQ(coded.size(), static_cast<size_t>(detail::kCodedBits));
  std::vector<double> soft(coded.size());
  for (size_t i = 0; i < coded.size(); ++i) soft[i] = coded[i] ? -1.0 : 1.0;
  // Every 9th coded bit wrong, every 13th erased.
  for (size_t i = 0; i < soft.size(); i += 9) soft[i] = -soft[i];
  for (size_t i = 5; i < soft.size(); i += 13) soft[i] = 0;
  const std::optional<uint64_t> id = detail::DecodePayload(soft);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, kId);
  // Noise alone decodes to some word, which the CRC rejects (nearly always).
  int accepted = 0;
  uint32_t r = 99;
  for (int trial = 0; trial < 50; ++trial) {
    for (double& s : soft) {
      r = r * 1664525u + 1013904223u;
      s = static_cast<double>(r >> 8) / (1 << 24) - 0.5;
    }
    accepted += detail::DecodePayload(soft).has_value();
  }
  EXPECT_LE(accepted, 1);
}

TEST(Watermark, BinomialTail) {
  EXPECT_NEAR(detail::Log2BinomialTail(10, 10), -10.0, 1e-9);
  EXPECT_NEAR(detail::Log2BinomialTail(10, 0), 0.0, 1e-9);
  EXPECT_NEAR(detail::Log2BinomialTail(2, 1), std::log2(0.75), 1e-9);
  // 258 coded bits all agreeing: 64 - 258 = -194 after the union over 2^64 IDs.
  EXPECT_NEAR(64 + detail::Log2BinomialTail(258, 258), -194.0, 1e-9);
}

}  // namespace
}  // namespace va::codec
