// The public keys a legal package is checked with. Private to the archive library.
#pragma once

#include <optional>
#include <string>

namespace va::archive::legal {

// The DER SubjectPublicKeyInfo of a PEM Ed25519 public key, or nullopt when pem is not one. Two PEM texts name the
// same key exactly when their DER forms are equal (the PEM text may differ in line breaks).
std::optional<std::string> PublicKeyDer(const std::string& pem);

// The key ID AuditSigner::KeyId() gives for this key: SHA-256 of the DER, first 16 hex digits.
std::string KeyIdOfDer(const std::string& der);

}  // namespace va::archive::legal
