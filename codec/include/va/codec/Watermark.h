// A keyed, invisible, robust watermark carrying a 64-bit archive ID in the pixels (docs/watermark.md).
// Spread-transform dither modulation (STDM) on low-frequency DCT coefficients of a resolution-independent grid of
// cells; detection sums soft decisions over cells and frames, so it works at any resolution and after re-encoding.
// A watermark is not cryptographic: it says which record a copy came from; authenticity rests on the signed SEI.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace va::codec {

// 32 secret bytes, derived by the caller from a master secret (HKDF); the codec never sees the master.
using WatermarkKey = std::array<uint8_t, 32>;

// One luma plane, 8-bit (bitDepth 8, one byte per sample) or high bit depth (bitDepth 9..16, little-endian uint16).
struct LumaPlane {
  uint8_t* data = nullptr;
  int linesize = 0;  // bytes
  int width = 0;
  int height = 0;
  int bitDepth = 8;
};

struct WatermarkParams {
  // Embedding strength: the STDM quantisation step, in 8-bit luma levels (scaled for higher bit depths).
  // The default keeps the marked encode >= 45 dB PSNR against the unmarked one on the test clips.
  double strength = 0;  // 0 = the built-in default
};

// Embeds the same 64-bit ID into every frame it is given. Not thread-safe; one per video.
class WatermarkEmbedder {
 public:
  WatermarkEmbedder(const WatermarkKey& key, uint64_t archiveId, const WatermarkParams& params = {});
  ~WatermarkEmbedder();
  WatermarkEmbedder(const WatermarkEmbedder&) = delete;
  WatermarkEmbedder& operator=(const WatermarkEmbedder&) = delete;
  // Marks the luma plane in place.
  void Embed(LumaPlane& luma);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct WatermarkDetection {
  bool found = false;            // an ID decoded and its CRC matched, with enough confidence
  uint64_t archiveId = 0;        // valid when found
  double confidence = 0;         // 0..1: 1 - (estimated probability that unmarked content yields this result)
  double falsePositiveLog2 = 0;  // log2 of that probability estimate (<= -16 when found)
  int framesUsed = 0;
  double meanAbsSoft = 0;     // mean |soft decision| per coded bit, normalised: 0 = noise, ~1 = clean mark
  std::string reason;         // why nothing was found, or "" when found
  int codedBitsSeen = 0;      // coded bits (of 258) that at least one usable cell voted on
  int codedBitsAgreeing = 0;  // of those, how many agree with the decoded ID's codeword
  // Only with WatermarkDetector::ExpectId (benchmarks): error rates of the raw channel before error correction.
  double rawBitErrorRate = -1;    // per carrier and frame (hard decisions, nothing summed)
  double codedBitErrorRate = -1;  // per coded bit after summing over cells and frames
};

// Accumulates soft decisions frame by frame; any resolution (the grid is relative to the picture).
class WatermarkDetector {
 public:
  // params.strength must match the embedder's (0 = the built-in default on both sides).
  explicit WatermarkDetector(const WatermarkKey& key, const WatermarkParams& params = {});
  ~WatermarkDetector();
  WatermarkDetector(const WatermarkDetector&) = delete;
  WatermarkDetector& operator=(const WatermarkDetector&) = delete;
  void Add(const LumaPlane& luma);  // data is only read
  WatermarkDetection Result() const;
  // For measurements: count raw bit errors against the ID that should be there (see rawBitErrorRate).
  void ExpectId(uint64_t archiveId);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Decodes up to maxSeconds of the first video stream of any file FFmpeg reads (MP4, TS, MKV, raw HEVC/H.264, a
// screen recording...) and looks for the mark. Throws CodecError when the file cannot be read.
WatermarkDetection DetectWatermark(const std::string& path, const WatermarkKey& key, double maxSeconds = 10);
// The same, feeding a detector the caller prepared (e.g. with ExpectId); returns detector.Result().
WatermarkDetection DetectWatermark(const std::string& path, WatermarkDetector& detector, double maxSeconds = 10);

}  // namespace va::codec
