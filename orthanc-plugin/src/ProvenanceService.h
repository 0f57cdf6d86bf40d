// The plugin's provenance keys and what it writes with them: the signer and watermark of each archival or
// de-identified copy, and the keys the verification route uses.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ProvenanceConfiguration.h"
#include "va/archive/AuditTrail.h"
#include "va/archive/ProvenanceKeys.h"
#include "va/codec/Transcoder.h"
#include "va/verify/FileVerifier.h"

namespace va::plugin {

class ProvenanceService {
 public:
  // Loads the keys, creating them on first start. Throws std::runtime_error naming the file.
  explicit ProvenanceService(const ProvenanceSettings& settings);

  // Turns on the signed SEI and the watermark (as configured) for one copy. record: what the SEI says (its
  // watermarkId and keyId are filled here). kind: "archival" or "deidentified" (the watermark ID derives from it and
  // the copy's SOP Instance UID). Returns the watermark ID written, 0 when none.
  uint64_t Prepare(codec::TranscodeOptions& options, codec::ProvenanceRecord record, const std::string& kind) const;

  verify::VerifyKeys Keys() const;
  const std::string& PublicKeyPem() const { return publicKeyPem_; }
  std::string KeyId() const { return signer_->KeyId(); }
  const archive::AuditSigner& Signer() const { return *signer_; }
  const archive::WatermarkSecret& Secret() const { return secret_; }
  const ProvenanceSettings& Settings() const { return settings_; }

 private:
  ProvenanceSettings settings_;
  std::shared_ptr<const archive::AuditSigner> signer_;  // shared with the transcoders that sign with it
  std::string publicKeyPem_;
  archive::WatermarkSecret secret_;
  codec::WatermarkKey pixelKey_{};
};

}  // namespace va::plugin
