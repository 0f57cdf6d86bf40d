// Verifies one file: a DICOM video instance or any video file (an exported MP4, a re-encoded or screen-recorded
// copy). Reports the signed SEI (each signature with the public key, the hash chain over the decoded pictures, the
// final message), whether the DICOM header still names what the SEI signed, and the watermark ID with a confidence.
#pragma once

#include <json/json.h>

#include <string>

#include "va/codec/Watermark.h"

namespace va::verify {

struct VerifyKeys {
  std::string publicKeyPem;       // the archive's provenance public key; "" = signatures cannot be checked
  bool haveWatermarkKey = false;  // the pixel key (derived from the archive's watermark secret)
  codec::WatermarkKey watermarkKey{};
  codec::WatermarkParams watermarkParams;  // as the embedder had them (Provenance.WatermarkStrength)
  double watermarkSeconds = 10;            // video read for the watermark
  bool decodePictures = true;              // decode every picture and compare it with its signed hash
};

// The report (JSON, documented in docs/provenance.md): Verdict "intact" | "altered" | "unsigned" | "unreadable",
// Problems (each naming the picture, message or attribute), Signature, HashChain, Record, Header, Watermark.
// scratchDirectory receives the bitstream of a DICOM file while it is checked (removed afterwards).
Json::Value VerifyFile(const std::string& path, const VerifyKeys& keys, const std::string& scratchDirectory);

}  // namespace va::verify
