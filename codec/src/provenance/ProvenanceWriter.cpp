#include "ProvenanceWriter.h"

#include <string>

#include "Nal.h"
#include "va/codec/CodecError.h"

namespace va::codec::detail {

namespace {
constexpr uint8_t kStartCode[] = {0, 0, 0, 1};
}

ProvenanceWriter::ProvenanceWriter(ProvenanceOptions options) : options_(std::move(options)) {
  if (!options_.sign) throw CodecError("provenance needs a signer (ProvenanceOptions::sign is empty)");
}

ProvenanceMessage ProvenanceWriter::Message(ProvenanceKind kind) const {
  ProvenanceMessage m;
  m.kind = kind;
  m.record = options_.record;
  m.picturesBefore = pictures_;
  m.chain = chain_;
  return m;
}

std::vector<uint8_t> ProvenanceWriter::Process(const uint8_t* au, size_t size, bool key) {
  const std::vector<NalRef> nals = SplitAnnexB(au, size);
  std::optional<PictureMd5> hash;
  const NalRef* firstVcl = nullptr;
  for (const NalRef& n : nals) {
    const int type = NalType(au + n.begin);
    if (IsVcl(type) && !firstVcl) firstVcl = &n;
    if (type != kNalPrefixSei && type != kNalSuffixSei) continue;
    SeiNalContents sei = ReadSeiNal(au + n.begin, n.size);
    if (sei.pictureHash) hash = sei.pictureHash;
  }
  const std::string where = "access unit " + std::to_string(pictures_);
  if (!hash) throw CodecError(where + " has no MD5 picture hash SEI: the encoder must run with x265 parameter hash=1");
  if (!firstVcl) throw CodecError(where + " has no slice (VCL NAL unit)");

  std::vector<uint8_t> out;
  if (key) {
    const std::vector<uint8_t> sei =
        BuildProvenanceSeiNal(kNalPrefixSei, Message(ProvenanceKind::Keyframe), options_.sign);
    out.reserve(size + sei.size() + 4);
    out.insert(out.end(), au, au + firstVcl->startCode);
    out.insert(out.end(), std::begin(kStartCode), std::end(kStartCode));
    out.insert(out.end(), sei.begin(), sei.end());
    out.insert(out.end(), au + firstVcl->startCode, au + size);
    ++messages_;
  } else {
    out.assign(au, au + size);
  }
  chain_ = ExtendChain(chain_, *hash);
  ++pictures_;
  return out;
}

void ProvenanceWriter::AppendFinal(std::vector<uint8_t>& lastAu) {
  if (pictures_ == 0) throw CodecError("provenance Final message without any picture");
  const std::vector<uint8_t> sei = BuildProvenanceSeiNal(kNalSuffixSei, Message(ProvenanceKind::Final), options_.sign);
  lastAu.insert(lastAu.end(), std::begin(kStartCode), std::end(kStartCode));
  lastAu.insert(lastAu.end(), sei.begin(), sei.end());
  ++messages_;
}

}  // namespace va::codec::detail
