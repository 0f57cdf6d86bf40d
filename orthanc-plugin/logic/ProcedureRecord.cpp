#include "ProcedureRecord.h"

namespace va::plugin {

const char* ToString(VideoKind kind) {
  switch (kind) {
    case VideoKind::Endoscopic: return "endoscopic";
    case VideoKind::Microscopic: return "microscopic";
    case VideoKind::Photographic: return "photographic";
  }
  return "unknown";  // only reachable through a cast of an out-of-range integer
}

const char* ToString(StereoLayout layout) {
  switch (layout) {
    case StereoLayout::None: return "none";
    case StereoLayout::SideBySide: return "side-by-side";
    case StereoLayout::TopBottom: return "top-bottom";
  }
  return "unknown";
}

}  // namespace va::plugin
