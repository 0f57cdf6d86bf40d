// MakeSpriteSheet: evenly spread pictures of a video tiled on one image, for scrubbing.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "FrameGrabber.h"
#include "va/codec/Frames.h"

namespace va::codec {

namespace {

// Largest sprite sheet: a side, and pixels in all (100 MB of RGB).
constexpr int kMaxSheetSide = 16384;
constexpr int64_t kMaxSheetPixels = int64_t{1} << 25;

}  // namespace

SpriteSheet MakeSpriteSheet(std::shared_ptr<ByteSource> source, int tiles, int tileWidth, int columns) {
  if (tiles < 1 || tileWidth < 1 || columns < 1)
    throw CodecError("invalid sprite sheet: " + std::to_string(tiles) + " tiles of width " + std::to_string(tileWidth) +
                     " in " + std::to_string(columns) + " columns (each must be at least 1)");
  detail::FrameGrabber grabber(std::move(source));
  const double duration = grabber.durationSec();
  if (duration <= 0)
    throw CodecError("cannot spread sprite tiles over " + grabber.name() + ": its duration is unknown");
  const detail::PictureSize display = grabber.displaySize();
  SpriteSheet sheet;
  sheet.columns = std::min(columns, tiles);
  sheet.rows = (tiles + sheet.columns - 1) / sheet.columns;
  sheet.tileWidth = tileWidth;
  const double tileHeight = static_cast<double>(tileWidth) * display.height / display.width;
  sheet.tileHeight = std::max(2, 2 * static_cast<int>(std::lround(tileHeight / 2)));
  const int64_t sheetWidth = int64_t{sheet.columns} * sheet.tileWidth;
  const int64_t sheetHeight = int64_t{sheet.rows} * sheet.tileHeight;
  if (sheetWidth > kMaxSheetSide || sheetHeight > kMaxSheetSide || sheetWidth * sheetHeight > kMaxSheetPixels)
    throw CodecError("sprite sheet of " + std::to_string(sheetWidth) + "x" + std::to_string(sheetHeight) +
                     " pixels is too large (at most " + std::to_string(kMaxSheetSide) + " a side and " +
                     std::to_string(kMaxSheetPixels) + " pixels): use fewer or smaller tiles");
  sheet.image.width = static_cast<int>(sheetWidth);
  sheet.image.height = static_cast<int>(sheetHeight);
  sheet.image.pixels.assign(static_cast<size_t>(sheetWidth * sheetHeight * 3), 0);
  const size_t sheetRow = static_cast<size_t>(sheetWidth) * 3;
  const size_t tileRow = static_cast<size_t>(sheet.tileWidth) * 3;
  for (int i = 0; i < tiles; ++i) {
    const double t = (i + 0.5) * duration / tiles;
    sheet.timesSec.push_back(t);
    const RgbImage tile = grabber.PictureOfSize(t, sheet.tileWidth, sheet.tileHeight);
    const size_t x0 = static_cast<size_t>(i % sheet.columns) * tileRow;
    const size_t y0 = static_cast<size_t>(i / sheet.columns) * sheet.tileHeight;
    for (int y = 0; y < sheet.tileHeight; ++y)
      std::memcpy(sheet.image.pixels.data() + (y0 + y) * sheetRow + x0, tile.pixels.data() + y * tileRow, tileRow);
  }
  return sheet;
}

}  // namespace va::codec
