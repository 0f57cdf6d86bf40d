#include "PicturePlan.h"

#include <algorithm>
#include <cmath>

namespace va::codec::detail {

namespace {

std::string Size(int w, int h) {
  return std::to_string(w) + "x" + std::to_string(h);
}

std::string Rate(AVRational r) {
  return r.den == 1 ? std::to_string(r.num) : std::to_string(r.num) + "/" + std::to_string(r.den);
}

// Nearest even size to `exact` that is not above `limit` (0 = none), at least 2.
int Even(double exact, int limit) {
  int n = 2 * static_cast<int>(std::lround(exact / 2));
  if (limit > 0 && n > limit) n = limit - (limit & 1);
  return std::max(n, 2);
}

void CheckCrop(const TranscodeOptions::CropRect& c, int w, int h) {
  const std::string what =
      "crop " + Size(c.width, c.height) + " at (" + std::to_string(c.x) + "," + std::to_string(c.y) + ")";
  if (c.width == 0) {
    if (c.height != 0 || c.x != 0 || c.y != 0) throw CodecError(what + " has no width: give the width too");
    return;
  }
  if (c.width < 0 || c.height <= 0 || c.x < 0 || c.y < 0 || c.x > w - c.width || c.y > h - c.height)
    throw CodecError(what + " does not lie inside the " + Size(w, h) + " picture");
}

}  // namespace

PicturePlan PlanPictures(const TranscodeOptions& o, int sourceWidth, int sourceHeight, bool interlaced,
                         AVRational nominalRate, const FrameRateScan& scan) {
  if (o.maxWidth < 0 || o.maxHeight < 0)
    throw CodecError("maxWidth and maxHeight must be 0 (no limit) or positive, not " + Size(o.maxWidth, o.maxHeight));
  CheckCrop(o.crop, sourceWidth, sourceHeight);
  PicturePlan plan;
  std::vector<std::string> filters;

  // Deinterlace the whole picture first, so a crop at an odd line cannot swap the fields.
  if (interlaced && o.deinterlace) {
    plan.deinterlace = true;
    filters.push_back("bwdif=mode=send_frame:parity=auto:deint=interlaced");
  }

  plan.cropWidth = sourceWidth;
  plan.cropHeight = sourceHeight;
  if (o.crop.width > 0) {
    plan.cropWidth = o.crop.width;
    plan.cropHeight = o.crop.height;
    // exact: keep an odd offset as asked instead of rounding it to the chroma grid.
    filters.push_back("crop=w=" + std::to_string(o.crop.width) + ":h=" + std::to_string(o.crop.height) +
                      ":x=" + std::to_string(o.crop.x) + ":y=" + std::to_string(o.crop.y) + ":exact=1");
    plan.notes.push_back("cropped " + Size(o.crop.width, o.crop.height) + " at (" + std::to_string(o.crop.x) + "," +
                         std::to_string(o.crop.y) + ") from " + Size(sourceWidth, sourceHeight));
  }

  const int w = plan.cropWidth, h = plan.cropHeight;
  if ((o.maxWidth > 0 && w > o.maxWidth) || (o.maxHeight > 0 && h > o.maxHeight)) {
    double f = 1;
    if (o.maxWidth > 0) f = std::min(f, static_cast<double>(o.maxWidth) / w);
    if (o.maxHeight > 0) f = std::min(f, static_cast<double>(o.maxHeight) / h);
    plan.width = Even(w * f, o.maxWidth);
    plan.height = Even(h * f, o.maxHeight);
    plan.fitToLimit = true;
    plan.notes.push_back("scaled down " + Size(w, h) + " to " + Size(plan.width, plan.height) + " to fit within " +
                         (o.maxWidth > 0 ? std::to_string(o.maxWidth) : "any") + "x" +
                         (o.maxHeight > 0 ? std::to_string(o.maxHeight) : "any"));
  } else {
    // Odd sizes are padded by one column / row (FrameConverter), as 4:2:0 needs even dimensions.
    plan.width = w + (w & 1);
    plan.height = h + (h & 1);
  }

  plan.rate = nominalRate;
  if (scan.variable) {
    plan.constantRate = true;
    plan.rate = scan.gridRate;
    filters.push_back("fps=fps=" + Rate(scan.gridRate));
  }

  for (size_t i = 0; i < filters.size(); ++i) plan.chain += (i ? "," : "") + filters[i];
  return plan;
}

}  // namespace va::codec::detail
