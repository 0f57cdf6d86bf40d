// S3 error documents and listings come from a server (or whatever answers at its address).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "va/archive/S3Client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto error = va::archive::ParseS3Error(input);
  if (error.first.empty() && !error.second.empty()) __builtin_trap();  // a message only comes with a code
  try {
    const auto listing = va::archive::ParseS3Listing(input);
    for (const std::string& key : listing.first) (void)key.size();
  } catch (const std::runtime_error&) {
  }
  return 0;
}
