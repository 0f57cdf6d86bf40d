// Pictures of a video for thumbnails, previews and scrubbing sprites: the frame shown at a time (or the Nth frame),
// scaled to fit a box, as RGB; still-image encoding of such pictures (JPEG, PNG).
//
// Decoding is accurate and bounded: each picture is found by seeking to the keyframe before it and decoding forward
// one GOP, holding at most two decoded pictures besides the decoder's own references; a whole video is never held.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "va/codec/ByteSource.h"
#include "va/codec/CodecError.h"

namespace va::codec {

// RGB24: 3 bytes a pixel (R, G, B), rows packed top to bottom (stride = width * 3).
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;
};

// The frame displayed timeSec seconds after the start of the video: the one whose presentation interval contains
// that time. timeSec <= 0 gives the first frame, a time past the end the last frame. The picture is shown with
// square pixels (a non-square sample aspect ratio shrinks one dimension, never enlarges the other) and scaled down,
// never up, to fit maxWidth x maxHeight keeping its aspect ratio (0 = no limit on that side).
// An interlaced picture shrunk to half its height or less is made from its top field (no combing); at larger sizes
// both fields are shown as coded. Colours: the picture's own matrix and range; untagged video is taken as BT.709
// from 720 lines up, else BT.601.
// Anything FFmpeg decodes works (H.264, HEVC, MPEG-2, MJPEG, ...; 8 to 12 bits, 4:2:0 / 4:2:2 / 4:4:4).
// Throws CodecError: no video stream, unreadable or truncated source, no picture decodable at that time, negative
// sizes.
RgbImage GrabFrame(std::shared_ptr<ByteSource> source, double timeSec, int maxWidth = 0, int maxHeight = 0);

// Frame frameIndex (0-based, presentation order) as GrabFrame shows it: the frame displayed at
// (frameIndex + 0.5) x the nominal frame duration after the start of the stream. Throws CodecError saying how many
// frames there are when frameIndex is out of range: beyond the container's frame count (MP4), or, where the
// container states none (MPEG program / transport streams), beyond the last frame found at the end of the stream.
RgbImage GrabFrameByIndex(std::shared_ptr<ByteSource> source, int64_t frameIndex, int maxWidth = 0, int maxHeight = 0);

// One picture per time, in the order given, from one opened source. Ascending times are cheapest: a time within
// the GOP being decoded continues decoding instead of seeking again.
std::vector<RgbImage> GrabFrames(std::shared_ptr<ByteSource> source, const std::vector<double>& timesSec,
                                 int maxWidth = 0, int maxHeight = 0);

// Scrubbing sprite: `tiles` pictures evenly spread over the duration (tile i shows time (i + 0.5) x duration /
// tiles), each tileWidth x tileHeight, laid out row-major on one image of columns x rows tiles; unused cells black.
struct SpriteSheet {
  RgbImage image;
  int columns = 0;
  int rows = 0;
  int tileWidth = 0;
  int tileHeight = 0;            // from the display aspect ratio, rounded to even
  std::vector<double> timesSec;  // of each tile, row-major
};

// Tiles are scaled to exactly tileWidth (up or down) so every cell has the same size; columns is capped at tiles.
// Throws CodecError for tiles/tileWidth/columns < 1, a sheet wider or taller than 16384 pixels or larger than 2^25
// pixels, a video of unknown duration, and as GrabFrames does.
SpriteSheet MakeSpriteSheet(std::shared_ptr<ByteSource> source, int tiles, int tileWidth, int columns);

// Baseline JFIF bytes from libavcodec's mjpeg encoder (4:2:0, full-range BT.601). quality 1..100 (higher is
// better; 100 is quantiser 1, 1 is quantiser 31). Throws CodecError for an invalid image or quality.
std::string EncodeJpeg(const RgbImage& image, int quality = 85);

// Lossless PNG bytes (RGB, 8 bits a sample). Throws CodecError for an invalid image.
std::string EncodePng(const RgbImage& image);

}  // namespace va::codec
