// Embedder and detector: spread-transform dither modulation (STDM) of keyed carriers on the cell grid (Grid.h).
#include "va/codec/Watermark.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "Grid.h"
#include "PayloadCode.h"
#include "va/codec/CodecError.h"

namespace va::codec {
namespace {

using detail::Carrier;
using detail::Grid;
using detail::Layout;

// The STDM step in 8-bit luma units along a unit carrier (tuned on the clips: docs/watermark.md).
constexpr double kDefaultStrength = 20.0;
// Embedding passes: the bilinear spreading and the clipping blur the intended change a little, so the embedder
// measures what it did and corrects towards the chosen lattice point.
constexpr int kEmbedPasses = 3;
// Required evidence: an unmarked picture must have <= 2^-16 chance to produce an accepted ID.
constexpr double kMaxFalsePositiveLog2 = -16.0;

// Offset of the projection from the nearest point of the lattice of bit 0, in steps: [-0.5, 0.5).
double LatticeOffset(double projection, double step, double dither) {
  const double r = projection / step - dither;
  return r - std::round(r);
}

// The point of the lattice of `bit` nearest to the projection.
double Quantise(double projection, double step, double dither, int bit) {
  const double shift = dither + 0.5 * bit;
  return step * (std::round(projection / step - shift) + shift);
}

// +1 = surely coded bit 0, -1 = surely bit 1, 0 = half-way between the two lattices.
double SoftDecision(double projection, double step, double dither) {
  return 1.0 - 4.0 * std::fabs(LatticeOffset(projection, step, dither));
}

void CheckPlane(const LumaPlane& luma) {
  if (!luma.data || luma.width <= 0 || luma.height <= 0) throw CodecError("watermark: empty luma plane");
  if (luma.bitDepth < 8 || luma.bitDepth > 16)
    throw CodecError("watermark: unsupported bit depth " + std::to_string(luma.bitDepth));
  const int bytes = luma.bitDepth > 8 ? 2 : 1;
  if (luma.linesize < luma.width * bytes) throw CodecError("watermark: luma linesize smaller than its width");
}

double StepFor(const WatermarkParams& params) {
  if (params.strength < 0 || !std::isfinite(params.strength))
    throw CodecError("watermark strength must be a positive number of luma levels");
  return params.strength > 0 ? params.strength : kDefaultStrength;
}

// The keyed layout, rebuilt only when the grid size changes.
const Layout& LayoutFor(std::optional<Layout>& cache, const WatermarkKey& key, const Grid& grid) {
  if (!cache || cache->cols != grid.cols || cache->rows != grid.rows)
    cache = detail::MakeLayout(key, grid.cols, grid.rows);
  return *cache;
}

}  // namespace

struct WatermarkEmbedder::Impl {
  WatermarkKey key;
  std::vector<uint8_t> codeword;
  double step = kDefaultStrength;
  std::optional<Layout> layout;
  std::vector<uint8_t> original;
  std::vector<float> means, delta;
  std::vector<double> targets;
};

WatermarkEmbedder::WatermarkEmbedder(const WatermarkKey& key, uint64_t archiveId, const WatermarkParams& params)
    : impl_(std::make_unique<Impl>()) {
  impl_->key = key;
  impl_->codeword = detail::EncodePayload(archiveId);
  impl_->step = StepFor(params);
}

WatermarkEmbedder::~WatermarkEmbedder() = default;

void WatermarkEmbedder::Embed(LumaPlane& luma) {
  CheckPlane(luma);
  Impl& m = *impl_;
  const Grid grid = detail::MakeGrid(luma.width, luma.height);
  if (!grid.usable) return;  // below 240 super-pixels across, left unmarked (docs/watermark.md)
  const Layout& layout = LayoutFor(m.layout, m.key, grid);

  // Keep the unmarked picture: every pass re-applies the whole field to it, so rounding never accumulates.
  const int rowBytes = luma.width * (luma.bitDepth > 8 ? 2 : 1);
  m.original.resize(static_cast<size_t>(rowBytes) * luma.height);
  for (int y = 0; y < luma.height; ++y)
    std::memcpy(&m.original[static_cast<size_t>(y) * rowBytes], luma.data + static_cast<ptrdiff_t>(y) * luma.linesize,
                static_cast<size_t>(rowBytes));
  const LumaPlane original{m.original.data(), rowBytes, luma.width, luma.height, luma.bitDepth};

  detail::SuperPixelMeans(original, grid, m.means);
  const int cells = grid.cols * grid.rows;
  std::vector<uint8_t> skip(static_cast<size_t>(cells));
  m.targets.assign(static_cast<size_t>(cells) * detail::kCarriersPerCell, 0.0);
  for (int cy = 0; cy < grid.rows; ++cy)
    for (int cx = 0; cx < grid.cols; ++cx) {
      const int cell = cy * grid.cols + cx;
      skip[static_cast<size_t>(cell)] = detail::SkipCell(m.means, grid, cx, cy);
      for (int c = 0; c < detail::kCarriersPerCell; ++c) {
        const size_t k = static_cast<size_t>(cell) * detail::kCarriersPerCell + static_cast<size_t>(c);
        const Carrier& carrier = layout.carriers[k];
        const double p = detail::Project(m.means, grid, cx, cy, carrier);
        m.targets[k] = Quantise(p, m.step, carrier.dither, m.codeword[static_cast<size_t>(carrier.codedBit)]);
      }
    }

  m.delta.assign(static_cast<size_t>(grid.nx) * grid.ny, 0.0f);
  for (int pass = 0; pass < kEmbedPasses; ++pass) {
    if (pass > 0) detail::SuperPixelMeans(luma, grid, m.means);
    for (int cy = 0; cy < grid.rows; ++cy)
      for (int cx = 0; cx < grid.cols; ++cx) {
        const int cell = cy * grid.cols + cx;
        if (skip[static_cast<size_t>(cell)]) continue;
        for (int c = 0; c < detail::kCarriersPerCell; ++c) {
          const size_t k = static_cast<size_t>(cell) * detail::kCarriersPerCell + static_cast<size_t>(c);
          const Carrier& carrier = layout.carriers[k];
          const float change = static_cast<float>(m.targets[k] - detail::Project(m.means, grid, cx, cy, carrier));
          for (int r = 0; r < detail::kCellSize; ++r) {
            float* row = &m.delta[static_cast<size_t>(cy * detail::kCellSize + r) * grid.nx + cx * detail::kCellSize];
            const float* w = &carrier.weights[static_cast<size_t>(r) * detail::kCellSize];
            for (int col = 0; col < detail::kCellSize; ++col) row[col] += change * w[col];
          }
        }
      }
    detail::AddField(original, grid, m.delta, luma);
  }
}

struct WatermarkDetector::Impl {
  WatermarkKey key;
  double step = kDefaultStrength;
  std::optional<Layout> layout;
  std::vector<double> sums = std::vector<double>(detail::kCodedBits, 0.0);
  std::vector<int> votes = std::vector<int>(detail::kCodedBits, 0);
  std::vector<float> means;
  int frames = 0;
  int tooSmall = 0;
  std::optional<std::vector<uint8_t>> expected;
  int64_t rawErrors = 0, rawTotal = 0;
};

WatermarkDetector::WatermarkDetector(const WatermarkKey& key, const WatermarkParams& params)
    : impl_(std::make_unique<Impl>()) {
  impl_->key = key;
  impl_->step = StepFor(params);
}

WatermarkDetector::~WatermarkDetector() = default;

void WatermarkDetector::ExpectId(uint64_t archiveId) {
  impl_->expected = detail::EncodePayload(archiveId);
}

void WatermarkDetector::Add(const LumaPlane& luma) {
  CheckPlane(luma);
  Impl& m = *impl_;
  const Grid grid = detail::MakeGrid(luma.width, luma.height);
  if (!grid.usable) {
    ++m.tooSmall;
    return;
  }
  const Layout& layout = LayoutFor(m.layout, m.key, grid);
  detail::SuperPixelMeans(luma, grid, m.means);
  const double step = m.step;
  for (int cy = 0; cy < grid.rows; ++cy)
    for (int cx = 0; cx < grid.cols; ++cx) {
      if (detail::SkipCell(m.means, grid, cx, cy)) continue;
      for (int c = 0; c < detail::kCarriersPerCell; ++c) {
        const Carrier& carrier =
            layout
                .carriers[static_cast<size_t>(cy * grid.cols + cx) * detail::kCarriersPerCell + static_cast<size_t>(c)];
        const double soft = SoftDecision(detail::Project(m.means, grid, cx, cy, carrier), step, carrier.dither);
        m.sums[static_cast<size_t>(carrier.codedBit)] += soft;
        ++m.votes[static_cast<size_t>(carrier.codedBit)];
        if (m.expected) {
          const int bit = (*m.expected)[static_cast<size_t>(carrier.codedBit)];
          if ((bit == 0) != (soft > 0)) ++m.rawErrors;
          ++m.rawTotal;
        }
      }
    }
  ++m.frames;
}

WatermarkDetection WatermarkDetector::Result() const {
  const Impl& m = *impl_;
  WatermarkDetection d;
  d.framesUsed = m.frames;
  if (m.expected && m.rawTotal > 0) {
    d.rawBitErrorRate = static_cast<double>(m.rawErrors) / static_cast<double>(m.rawTotal);
    int seen = 0, wrong = 0;
    for (int b = 0; b < detail::kCodedBits; ++b) {
      if (m.votes[static_cast<size_t>(b)] == 0) continue;
      ++seen;
      if (((*m.expected)[static_cast<size_t>(b)] == 0) != (m.sums[static_cast<size_t>(b)] > 0)) ++wrong;
    }
    d.codedBitErrorRate = seen ? static_cast<double>(wrong) / seen : -1;
  }
  if (m.frames == 0) {
    d.reason =
        m.tooSmall ? "pictures too small for the watermark grid (needs >= 240 pixels across)" : "no frames examined";
    return d;
  }
  double absSum = 0;
  int withVotes = 0;
  for (int b = 0; b < detail::kCodedBits; ++b) {
    if (m.votes[static_cast<size_t>(b)] == 0) continue;
    absSum += std::fabs(m.sums[static_cast<size_t>(b)]) / m.votes[static_cast<size_t>(b)];
    ++withVotes;
  }
  d.meanAbsSoft = withVotes ? absSum / withVotes : 0;
  if (withVotes == 0) {
    d.reason = "no usable cells (pictures too dark or too bright everywhere)";
    return d;
  }
  const std::optional<uint64_t> id = detail::DecodePayload(m.sums);
  if (!id) {
    d.reason = "no watermark: the decoded payload fails its CRC";
    return d;
  }
  // Evidence: how many coded bits with votes agree in sign with the codeword of the decoded ID. On unmarked
  // content (or with another key) each such sign is a fair coin, independent across coded bits (disjoint cells,
  // keyed dithers); the union bound over all 2^64 valid codewords bounds the chance that ANY ID agrees this well.
  const std::vector<uint8_t> codeword = detail::EncodePayload(*id);
  int agree = 0;
  int seen = 0;
  for (int b = 0; b < detail::kCodedBits; ++b) {
    const double s = m.sums[static_cast<size_t>(b)];
    if (m.votes[static_cast<size_t>(b)] == 0 || s == 0) continue;
    ++seen;
    if ((codeword[static_cast<size_t>(b)] == 0) == (s > 0)) ++agree;
  }
  d.codedBitsSeen = seen;
  d.codedBitsAgreeing = agree;
  d.falsePositiveLog2 = std::min(0.0, 64.0 + detail::Log2BinomialTail(seen, agree));
  d.confidence = 1.0 - std::exp2(d.falsePositiveLog2);
  if (d.falsePositiveLog2 > kMaxFalsePositiveLog2) {
    d.reason = "evidence too weak: " + std::to_string(agree) + " of " + std::to_string(seen) +
               " coded bits agree with the decoded ID (more frames or a less damaged copy needed)";
    return d;
  }
  d.found = true;
  d.archiveId = *id;
  return d;
}

}  // namespace va::codec
