#include "ProvenanceService.h"

#include <stdexcept>

#include "va/archive/Base64.h"

namespace va::plugin {

ProvenanceService::ProvenanceService(const ProvenanceSettings& settings)
    : settings_(settings),
      signer_(
          std::make_shared<const archive::AuditSigner>(archive::AuditSigner::LoadOrCreate(settings.signingKeyFile))),
      publicKeyPem_(signer_->PublicKeyPem()),
      secret_(archive::WatermarkSecret::LoadOrCreate(settings.watermarkSecretFile)),
      pixelKey_(secret_.PixelKey()) {}

uint64_t ProvenanceService::Prepare(codec::TranscodeOptions& options, codec::ProvenanceRecord record,
                                    const std::string& kind) const {
  uint64_t id = 0;
  if (settings_.watermark) {
    id = secret_.ArchiveIdFor(kind, record.sopInstanceUid);
    options.watermark.enabled = true;
    options.watermark.key = pixelKey_;
    options.watermark.archiveId = id;
    options.watermark.params.strength = settings_.watermarkStrength;
  }
  if (settings_.signSei) {
    record.watermarkId = id;
    record.keyId = signer_->KeyId();
    options.provenance.record = std::move(record);
    std::shared_ptr<const archive::AuditSigner> signer = signer_;
    options.provenance.sign = [signer](const std::vector<uint8_t>& message) {
      const auto raw = archive::DecodeBase64(signer->Sign(std::string(message.begin(), message.end())));
      if (!raw) throw std::runtime_error("the provenance signer returned no signature");
      return std::vector<uint8_t>(raw->begin(), raw->end());
    };
  }
  return id;
}

verify::VerifyKeys ProvenanceService::Keys() const {
  verify::VerifyKeys k;
  k.publicKeyPem = publicKeyPem_;
  k.haveWatermarkKey = true;
  k.watermarkKey = pixelKey_;
  k.watermarkParams.strength = settings_.watermarkStrength;
  return k;
}

}  // namespace va::plugin
