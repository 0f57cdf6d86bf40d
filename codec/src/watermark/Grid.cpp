#include "Grid.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "KeyStream.h"
#include "PayloadCode.h"

namespace va::codec::detail {
namespace {

constexpr uint32_t kPurposeLayout = 0x574d4c31;  // "WML1"
constexpr float kDarkMean = 28.0f;
constexpr float kBrightMean = 232.0f;

// The two carriers' DCT coefficients (vertical u, horizontal v): low frequencies survive scaling and re-encoding.
constexpr int kCoefficients[kCarriersPerCell][4][2] = {{{0, 1}, {1, 1}, {2, 0}, {1, 2}},
                                                       {{1, 0}, {0, 2}, {2, 1}, {2, 2}}};

double Basis(int u, int v, int row, int col) {
  const double au = u == 0 ? std::sqrt(1.0 / 8) : 0.5;
  const double av = v == 0 ? std::sqrt(1.0 / 8) : 0.5;
  return au * av * std::cos(M_PI * (2 * row + 1) * u / 16.0) * std::cos(M_PI * (2 * col + 1) * v / 16.0);
}

void Bilinear(int pixels, int cells, std::vector<int>& lo, std::vector<int>& hi, std::vector<float>& w) {
  lo.resize(static_cast<size_t>(pixels));
  hi.resize(static_cast<size_t>(pixels));
  w.resize(static_cast<size_t>(pixels));
  for (int x = 0; x < pixels; ++x) {
    double f = (x + 0.5) * cells / pixels - 0.5;
    f = std::clamp(f, 0.0, cells - 1.0);
    const int i = std::min(static_cast<int>(f), cells - 1);
    lo[static_cast<size_t>(x)] = i;
    hi[static_cast<size_t>(x)] = std::min(i + 1, cells - 1);
    w[static_cast<size_t>(x)] = static_cast<float>(f - i);
  }
}

// Round half up and clip, without a libm call per pixel (values are small; negatives clip to 0 anyway).
inline int RoundClip(float v, int maxValue) {
  // v > 0 here, so truncating v + 0.5 rounds half up.
  return v <= 0 ? 0 : std::min(static_cast<int>(v + 0.5f), maxValue);  // NOLINT(bugprone-incorrect-roundings)
}

inline int Sample(const LumaPlane& p, int x, int y) {
  const uint8_t* row = p.data + static_cast<ptrdiff_t>(y) * p.linesize;
  if (p.bitDepth <= 8) return row[x];
  return row[2 * x] | (row[2 * x + 1] << 8);
}

}  // namespace

Grid MakeGrid(int width, int height) {
  Grid g;
  g.width = width;
  g.height = height;
  if (width <= 0 || height <= 0) return g;
  g.cols = kGridCols;
  g.rows = std::clamp(static_cast<int>(std::lround(static_cast<double>(kGridCols) * height / width)), 1, 400);
  g.nx = g.cols * kCellSize;
  g.ny = g.rows * kCellSize;
  g.usable = width >= g.nx && height >= g.ny;
  if (!g.usable) return g;
  g.xStart.resize(static_cast<size_t>(g.nx) + 1);
  g.yStart.resize(static_cast<size_t>(g.ny) + 1);
  for (int j = 0; j <= g.nx; ++j) g.xStart[static_cast<size_t>(j)] = static_cast<int>(int64_t{j} * width / g.nx);
  for (int i = 0; i <= g.ny; ++i) g.yStart[static_cast<size_t>(i)] = static_cast<int>(int64_t{i} * height / g.ny);
  Bilinear(width, g.nx, g.x0, g.x1, g.wx);
  Bilinear(height, g.ny, g.y0, g.y1, g.wy);
  return g;
}

void SuperPixelMeans(const LumaPlane& luma, const Grid& grid, std::vector<float>& means) {
  means.assign(static_cast<size_t>(grid.nx) * grid.ny, 0.0f);
  const float toEight = 1.0f / static_cast<float>(1 << std::max(0, luma.bitDepth - 8));
  std::vector<uint32_t> columnSums(static_cast<size_t>(grid.width));
  for (int i = 0; i < grid.ny; ++i) {
    std::fill(columnSums.begin(), columnSums.end(), 0u);
    const int ya = grid.yStart[static_cast<size_t>(i)], yb = grid.yStart[static_cast<size_t>(i) + 1];
    for (int y = ya; y < yb; ++y) {
      if (luma.bitDepth <= 8) {
        const uint8_t* row = luma.data + static_cast<ptrdiff_t>(y) * luma.linesize;
        for (int x = 0; x < grid.width; ++x) columnSums[static_cast<size_t>(x)] += row[x];
      } else {
        for (int x = 0; x < grid.width; ++x)
          columnSums[static_cast<size_t>(x)] += static_cast<uint32_t>(Sample(luma, x, y));
      }
    }
    for (int j = 0; j < grid.nx; ++j) {
      const int xa = grid.xStart[static_cast<size_t>(j)], xb = grid.xStart[static_cast<size_t>(j) + 1];
      uint64_t sum = 0;
      for (int x = xa; x < xb; ++x) sum += columnSums[static_cast<size_t>(x)];
      means[static_cast<size_t>(i) * grid.nx + j] =
          static_cast<float>(sum) / static_cast<float>((xb - xa) * (yb - ya)) * toEight;
    }
  }
}

void AddField(const LumaPlane& source, const Grid& grid, const std::vector<float>& delta, LumaPlane& target) {
  const float scale = static_cast<float>(1 << std::max(0, source.bitDepth - 8));
  const int maxValue = (1 << source.bitDepth) - 1;
  std::vector<float> row(static_cast<size_t>(grid.nx));
  for (int y = 0; y < grid.height; ++y) {
    const float* a = &delta[static_cast<size_t>(grid.y0[static_cast<size_t>(y)]) * grid.nx];
    const float* b = &delta[static_cast<size_t>(grid.y1[static_cast<size_t>(y)]) * grid.nx];
    const float w = grid.wy[static_cast<size_t>(y)];
    for (int j = 0; j < grid.nx; ++j) row[static_cast<size_t>(j)] = (a[j] + w * (b[j] - a[j])) * scale;
    const uint8_t* in = source.data + static_cast<ptrdiff_t>(y) * source.linesize;
    uint8_t* out = target.data + static_cast<ptrdiff_t>(y) * target.linesize;
    for (int x = 0; x < grid.width; ++x) {
      const size_t sx = static_cast<size_t>(x);
      const float l = row[static_cast<size_t>(grid.x0[sx])], r = row[static_cast<size_t>(grid.x1[sx])];
      const float d = l + grid.wx[sx] * (r - l);
      if (source.bitDepth <= 8) {
        out[x] = static_cast<uint8_t>(RoundClip(in[x] + d, maxValue));
      } else {
        const int v = in[2 * x] | (in[2 * x + 1] << 8);
        const int o = RoundClip(static_cast<float>(v) + d, maxValue);
        out[2 * x] = static_cast<uint8_t>(o & 0xff);
        out[2 * x + 1] = static_cast<uint8_t>(o >> 8);
      }
    }
  }
}

Layout MakeLayout(const WatermarkKey& key, int cols, int rows) {
  Layout layout;
  layout.cols = cols;
  layout.rows = rows;
  const size_t count = static_cast<size_t>(cols) * rows * kCarriersPerCell;
  layout.carriers.resize(count);
  KeyStream rng(key, kPurposeLayout, static_cast<uint32_t>(cols), static_cast<uint32_t>(rows));
  for (size_t c = 0; c < count; ++c) {
    const auto& coefficients = kCoefficients[c % kCarriersPerCell];
    double spread[4], norm = 0;
    for (double& s : spread) {
      s = rng.Gaussian();
      norm += s * s;
    }
    norm = std::sqrt(norm);
    Carrier& carrier = layout.carriers[c];
    for (int row = 0; row < kCellSize; ++row)
      for (int col = 0; col < kCellSize; ++col) {
        double w = 0;
        for (int k = 0; k < 4; ++k) w += spread[k] / norm * Basis(coefficients[k][0], coefficients[k][1], row, col);
        carrier.weights[static_cast<size_t>(row) * kCellSize + static_cast<size_t>(col)] = static_cast<float>(w);
      }
    carrier.dither = rng.Uniform();
  }
  // Keyed permutation (Fisher-Yates) of the carriers, then coded bits dealt round-robin: each coded bit lands in
  // count / 258 carriers scattered over the picture.
  std::vector<size_t> order(count);
  for (size_t i = 0; i < count; ++i) order[i] = i;
  for (size_t i = count; i > 1; --i) std::swap(order[i - 1], order[rng.Below(i)]);
  for (size_t i = 0; i < count; ++i)
    layout.carriers[order[i]].codedBit = static_cast<int>(i % static_cast<size_t>(kCodedBits));
  return layout;
}

bool SkipCell(const std::vector<float>& means, const Grid& grid, int cx, int cy) {
  double sum = 0;
  for (int r = 0; r < kCellSize; ++r) {
    const float* row = &means[static_cast<size_t>(cy * kCellSize + r) * grid.nx + cx * kCellSize];
    for (int c = 0; c < kCellSize; ++c) sum += row[c];
  }
  const double mean = sum / (kCellSize * kCellSize);
  return mean < kDarkMean || mean > kBrightMean;
}

double Project(const std::vector<float>& means, const Grid& grid, int cx, int cy, const Carrier& carrier) {
  double p = 0;
  for (int r = 0; r < kCellSize; ++r) {
    const float* row = &means[static_cast<size_t>(cy * kCellSize + r) * grid.nx + cx * kCellSize];
    const float* w = &carrier.weights[static_cast<size_t>(r) * kCellSize];
    for (int c = 0; c < kCellSize; ++c) p += static_cast<double>(w[c]) * row[c];
  }
  return p;
}

}  // namespace va::codec::detail
