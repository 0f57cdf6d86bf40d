// Which HTTP requests delete stored DICOM resources, so WORM mode and legal holds can refuse them before Orthanc
// forgets anything. Pure; unit-tested and fuzzed.
#pragma once

#include <optional>
#include <string>

namespace va::plugin {

struct DeletionTarget {
  std::string level;  // "patient", "study", "series", "instance"; "" for a bulk deletion
  std::string id;     // Orthanc resource ID
  bool bulk = false;  // POST /tools/bulk-delete (its body names the resources)
};

// method: "GET", "POST", "PUT", "DELETE". uri: the path as Orthanc gives it to filters (no query string; a trailing
// slash and repeated slashes tolerated). Returns the resource a request would delete, or nothing.
std::optional<DeletionTarget> DeletionTargetOf(const std::string& method, const std::string& uri);

}  // namespace va::plugin
