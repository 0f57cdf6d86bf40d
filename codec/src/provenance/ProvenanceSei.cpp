#include "ProvenanceSei.h"

#include <algorithm>
#include <cstring>

#include "Digest.h"
#include "Nal.h"
#include "va/codec/CodecError.h"

namespace va::codec::detail {

ProvenanceChain ExtendChain(const ProvenanceChain& chain, const PictureMd5& md5) {
  Sha256 sha;
  sha.Update(chain.data(), chain.size());
  sha.Update(md5.data(), md5.size());
  return sha.Final();
}

std::vector<uint8_t> BuildProvenanceSeiNal(int nalType, const ProvenanceMessage& m, const ProvenanceSigner& sign) {
  const std::vector<uint8_t> body = EncodeProvenanceBody(m);
  const std::vector<uint8_t> sig = sign(body);
  if (sig.empty()) throw CodecError("the provenance signer returned an empty signature");
  if (sig.size() > 0xFFFF)
    throw CodecError("the provenance signature is too long (" + std::to_string(sig.size()) + ")");
  std::vector<uint8_t> payload(kProvenanceSeiUuid.begin(), kProvenanceSeiUuid.end());
  payload.insert(payload.end(), body.begin(), body.end());
  payload.push_back(static_cast<uint8_t>(sig.size() >> 8));
  payload.push_back(static_cast<uint8_t>(sig.size()));
  payload.insert(payload.end(), sig.begin(), sig.end());
  return BuildSeiNal(nalType, kSeiUserDataUnregistered, payload);
}

SeiNalContents ReadSeiNal(const uint8_t* nal, size_t size) {
  SeiNalContents out;
  for (const SeiMessage& msg : ParseSeiNal(nal, size)) {
    const std::vector<uint8_t>& p = msg.payload;
    if (msg.payloadType == kSeiUserDataUnregistered && p.size() >= kProvenanceSeiUuid.size() &&
        std::equal(kProvenanceSeiUuid.begin(), kProvenanceSeiUuid.end(), p.begin())) {
      try {
        out.messages.push_back(DecodeProvenancePayload(p.data(), p.size()));
      } catch (const CodecError& e) {
        out.errors.push_back(std::string("malformed provenance message: ") + e.what());
      }
    } else if (msg.payloadType == kSeiDecodedPictureHash) {
      // hash_type 0 (MD5), then one 16-byte digest per colour component; 4:2:0 has three.
      if (p.empty() || p[0] != 0)
        out.errors.push_back("picture hash SEI is not MD5 (hash_type " +
                             (p.empty() ? std::string("missing") : std::to_string(p[0])) + ")");
      else if (p.size() != 1 + 48)
        out.errors.push_back("MD5 picture hash SEI has " + std::to_string(p.size()) + " bytes, expected 49 (3 planes)");
      else if (out.pictureHash)
        out.errors.push_back("two picture hash SEI messages in one NAL unit");
      else {
        PictureMd5 md5{};
        std::memcpy(md5.data(), p.data() + 1, md5.size());
        out.pictureHash = md5;
      }
    }
  }
  return out;
}

}  // namespace va::codec::detail
