// The resolution-independent grid of the watermark and the keyed layout of its carriers.
// The picture is cut into cols x rows cells (cols = 30, rows from the aspect ratio, so cells are ~square); each
// cell is area-averaged down to 8x8 "super-pixels". A carrier is one keyed unit vector over 4 low-frequency DCT
// coefficients of a cell (2 carriers per cell on disjoint coefficients), so it is just a unit vector over the 64
// super-pixels of the cell, orthogonal to the cell mean.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "va/codec/Watermark.h"

namespace va::codec::detail {

constexpr int kGridCols = 30;
constexpr int kCellSize = 8;         // super-pixels per cell side
constexpr int kCarriersPerCell = 2;  // on disjoint DCT coefficients

struct Grid {
  int width = 0, height = 0;
  int cols = 0, rows = 0;           // cells
  int nx = 0, ny = 0;               // super-pixels
  std::vector<int> xStart, yStart;  // super-pixel boundaries in pixels (nx + 1, ny + 1 entries)
  // Bilinear spreading of a super-pixel field over the pixels: neighbours and weight per column and row.
  std::vector<int> x0, x1, y0, y1;
  std::vector<float> wx, wy;
  bool usable = false;  // false when the picture is smaller than one pixel per super-pixel
};

Grid MakeGrid(int width, int height);

// Super-pixel means (ny * nx, row-major) in 8-bit luma units, whatever the bit depth.
void SuperPixelMeans(const LumaPlane& luma, const Grid& grid, std::vector<float>& means);

// Adds the super-pixel field `delta` (8-bit units), spread bilinearly, to `source` and writes the clipped, rounded
// result to `target` (both of the grid's size and the same bit depth; they may be the same plane).
void AddField(const LumaPlane& source, const Grid& grid, const std::vector<float>& delta, LumaPlane& target);

struct Carrier {
  std::array<float, kCellSize * kCellSize> weights;  // unit vector over the cell's super-pixels
  double dither = 0;                                 // in [0, 1), fraction of a quantisation step
  int codedBit = 0;
};

// Keyed, per grid size: carrier c of cell (cx, cy) is carriers[(cy * cols + cx) * kCarriersPerCell + c].
struct Layout {
  int cols = 0, rows = 0;
  std::vector<Carrier> carriers;
};

Layout MakeLayout(const WatermarkKey& key, int cols, int rows);

// Cells too dark or too bright to carry the mark (the black endoscope border, blown-out highlights): skipped by
// the embedder and, from the received picture, by the detector.
bool SkipCell(const std::vector<float>& means, const Grid& grid, int cx, int cy);

// Projection of a cell's super-pixels onto a carrier.
double Project(const std::vector<float>& means, const Grid& grid, int cx, int cy, const Carrier& carrier);

}  // namespace va::codec::detail
