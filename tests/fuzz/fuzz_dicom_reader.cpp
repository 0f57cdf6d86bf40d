// libFuzzer target: VideoInstanceReader + ExtractBitstream on an arbitrary file (lazy loading from disk, fragment
// walking, truncation handling). Must return or throw DicomError. Shares the seeds of fuzz_dicom_peek_header.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "va/dicom/VideoInstance.h"

namespace {
std::string g_input, g_output;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  OFLog::configure(OFLogger::FATAL_LOG_LEVEL);  // DCMTK would log every malformed element
  const std::string base = "/tmp/fuzz_dicom_reader." + std::to_string(getpid());
  g_input = base + ".dcm";
  g_output = base + ".bin";
  std::atexit([] {
    std::remove(g_input.c_str());
    std::remove(g_output.c_str());
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::FILE* f = std::fopen(g_input.c_str(), "wb");
  if (f == nullptr) return 0;
  const bool written = std::fwrite(data, 1, size, f) == size;
  std::fclose(f);
  if (!written) return 0;
  try {
    va::dicom::VideoInstanceReader reader(g_input);
    reader.ExtractBitstream(g_output);
  } catch (const va::dicom::DicomError&) {
  }
  std::remove(g_output.c_str());
  return 0;
}
