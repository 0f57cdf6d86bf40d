// A legal package's manifest.txt and manifest.sig come from whoever handed the package over: their parsers must
// never crash, only report (manifest: problems; signature: LegalPackageError). The input is tried as both; a
// manifest the parser accepts must account for every line.
#include <cstddef>
#include <cstdint>
#include <string>

#include "va/archive/LegalPackage.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const va::archive::ParsedManifest manifest = va::archive::ParseLegalManifest(text);
  if (manifest.problems.empty()) {
    // Accepted: a header, then one file or custody record per line, every file with a 64-digit SHA-256.
    if (manifest.version != 1 || manifest.lines.size() != 1 + manifest.files.size() + manifest.custody.size())
      __builtin_trap();
    for (const auto& file : manifest.files) {
      if (file.sha256.size() != 64 || file.name.empty()) __builtin_trap();
    }
  }
  try {
    const va::archive::ParsedManifestSignature sig = va::archive::ParseLegalManifestSignature(text);
    if (sig.signature.empty() || sig.signedMessage.empty()) __builtin_trap();
    for (const auto& hash : sig.lineHashes) {
      if (hash.size() != 64) __builtin_trap();
    }
  } catch (const va::archive::LegalPackageError&) {
  }
  return 0;
}
