// Verifies a legal export package end to end: the signed manifest (every line, every file's SHA-256, nothing added
// or missing), every DICOM header attribute against the manifest's signed digests, and every video inside it with
// VerifyFile (signed SEI, hash chain, watermark).
#pragma once

#include <json/json.h>

#include <string>

#include "va/verify/FileVerifier.h"

namespace va::verify {

// keys.publicKeyPem is the key the reviewer trusts (required). Verdict "intact" | "altered" | "unreadable".
Json::Value VerifyPackage(const std::string& tarPath, const VerifyKeys& keys, const std::string& scratchDirectory);

}  // namespace va::verify
