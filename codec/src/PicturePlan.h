// What happens to the decoded pictures before the encoder: crop, deinterlace, fit within a size limit, constant
// frame rate. Decided once, from the options and the source, before the first frame.
#pragma once

#include <string>
#include <vector>

#include "FrameRateScan.h"
#include "va/codec/Transcoder.h"

namespace va::codec::detail {

struct PicturePlan {
  int cropWidth = 0;  // the picture after the crop (the decoded size without one)
  int cropHeight = 0;
  int width = 0;  // the encoder's size: even, within the limit
  int height = 0;
  bool fitToLimit = false;    // scaled down to respect maxWidth / maxHeight
  bool deinterlace = false;   // bwdif in the chain
  bool constantRate = false;  // fps in the chain: frames placed on the grid of `rate`
  AVRational rate{25, 1};     // output frame rate
  std::string chain;          // libavfilter chain; "" when decoded frames go straight to the converter
  std::vector<std::string> notes;
};

// Throws CodecError for a crop outside the picture or a negative limit.
PicturePlan PlanPictures(const TranscodeOptions& options, int sourceWidth, int sourceHeight, bool interlaced,
                         AVRational nominalRate, const FrameRateScan& scan);

}  // namespace va::codec::detail
