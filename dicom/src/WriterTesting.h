// Test hook (private to the dicom/ library and its unit tests): write a derived instance with small fragments,
// so fragment splitting can be exercised without a 4 GiB bitstream.
#pragma once

#include <cstdint>
#include <string>

#include "va/dicom/VideoInstance.h"

namespace va::dicom::detail {

void WriteDerivedInstanceWithFragmentLimit(const VideoInstanceReader& source, const DerivedVideoSpec& spec,
                                           const std::string& outPath, uint64_t maxFragmentBytes);

}  // namespace va::dicom::detail
