// A coded concept (PS3.3 Code Sequence Macro), shared by the instance writers and the worklist lookup.
#pragma once

#include <string>

namespace va::dicom {

// Code Value, Coding Scheme Designator, Code Meaning. A value longer than 16 characters is written as Long Code
// Value, a URN / URL as URN Code Value, as the macro requires; reading takes whichever of the three is present.
struct CodedConcept {
  std::string value, scheme, meaning;
};

}  // namespace va::dicom
