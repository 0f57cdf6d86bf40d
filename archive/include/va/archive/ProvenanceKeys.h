// The secrets behind provenance: the watermark master secret (keys for the pixels derive from it with HKDF) and the
// Ed25519 key that signs the bitstream's SEI messages and the legal export packages (an AuditSigner of its own file).
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace va::archive {

// 32 random bytes, kept hex-encoded in a 0600 file created on first use (crypto/SecretFile.h). Throws
// std::runtime_error with the file and what to do.
class WatermarkSecret {
 public:
  static WatermarkSecret LoadOrCreate(const std::string& path);
  static WatermarkSecret Load(const std::string& path);                     // an offline tool: never creates
  static WatermarkSecret FromBytes(const std::array<uint8_t, 32>& master);  // tests, offline tools

  // HKDF-SHA256 (OpenSSL EVP_KDF) of the master with a purpose label: "watermark-key-v1" keys the pixels,
  // "watermark-id-v1" keys the ID derivation. Different labels give independent keys.
  std::array<uint8_t, 32> Derive(const std::string& label) const;

  // The key the embedder and the detector use.
  std::array<uint8_t, 32> PixelKey() const { return Derive("watermark-key-v1"); }

  // A non-zero 64-bit archive ID for one marked instance: HMAC-SHA256 under a derived key of "<kind>\n<sop uid>",
  // truncated. Without the master secret two IDs (e.g. an original's and its de-identified copy's) cannot be linked.
  uint64_t ArchiveIdFor(const std::string& kind, const std::string& sopInstanceUid) const;

  // De-identification: a UID of the form 2.25.<128-bit decimal> from a keyed hash of the old UID, so every copy of a
  // study gets the same new UIDs (consistent within the study, a repeated request changes nothing) and no one
  // without the master secret can tell which original a copy came from.
  std::string PseudonymUid(const std::string& oldUid) const;
  // A pseudonym of a value (e.g. a Patient ID): prefix + 12 hex digits of a keyed hash.
  std::string Pseudonym(const std::string& prefix, const std::string& value) const;

 private:
  std::array<uint8_t, 32> master_{};
};

}  // namespace va::archive
