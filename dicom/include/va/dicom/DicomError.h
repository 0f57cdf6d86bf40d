#pragma once

#include <stdexcept>
#include <string>

namespace va::dicom {

// Thrown for any malformed, unsupported or unreadable DICOM input; what() says what and where.
class DicomError : public std::runtime_error {
 public:
  explicit DicomError(const std::string& reason) : std::runtime_error(reason) {}
};

}  // namespace va::dicom
