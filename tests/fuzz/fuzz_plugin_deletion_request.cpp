// Request paths come straight from HTTP clients; the deletion guard classifies every one of them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "DeletionRequest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string uri(reinterpret_cast<const char*>(data), size);
  for (const char* method : {"DELETE", "POST", "GET"}) {
    const auto target = va::plugin::DeletionTargetOf(method, uri);
    if (target && !target->bulk && (target->id.empty() || target->id.size() > 64)) __builtin_trap();
  }
  return 0;
}
