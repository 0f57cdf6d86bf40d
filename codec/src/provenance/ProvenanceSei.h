// The SEI NAL units the provenance writer and scanner exchange: our signed user_data_unregistered messages and
// x265's MD5 decoded picture hashes, and the hash chain over the latter.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "va/codec/Provenance.h"

namespace va::codec::detail {

using ProvenanceChain = std::array<uint8_t, 32>;
using PictureMd5 = std::array<uint8_t, 48>;  // MD5(Y) || MD5(Cb) || MD5(Cr)

// chain_i = SHA-256(chain_{i-1} || MD5(Y) || MD5(Cb) || MD5(Cr)).
ProvenanceChain ExtendChain(const ProvenanceChain& chain, const PictureMd5& md5);

// Encodes m's body, has it signed, and returns the whole SEI NAL unit (nalType 39 prefix or 40 suffix), no start
// code. Throws CodecError when the signer returns nothing or more than 65535 bytes.
std::vector<uint8_t> BuildProvenanceSeiNal(int nalType, const ProvenanceMessage& m, const ProvenanceSigner& sign);

// What one SEI NAL unit holds for us. Malformed provenance messages and non-MD5 picture hashes are listed in
// errors (the stream goes on); a malformed NAL unit itself throws CodecError.
struct SeiNalContents {
  std::optional<PictureMd5> pictureHash;
  std::vector<ProvenanceMessage> messages;
  std::vector<std::string> errors;
};
SeiNalContents ReadSeiNal(const uint8_t* nal, size_t size);

}  // namespace va::codec::detail
