// Does a video keep one frame period? Read from packet timestamps (no decoding) and the container's frame count.
#pragma once

#include <string>

#include "InputFile.h"

namespace va::codec::detail {

struct FrameRateScan {
  bool variable = false;
  AVRational gridRate{25, 1};  // the constant rate to place frames on: the nominal rate, or the typical spacing
  std::string evidence;        // why the rate was judged variable, for notes ("" when constant)
};

// Reads up to the first 10 s of video packets through a second reader, so `in` does not move. A source that
// cannot be read that far is judged on what could be read (decoding reports the damage, not the probe).
FrameRateScan ScanFrameRate(const InputFile& in);

}  // namespace va::codec::detail
