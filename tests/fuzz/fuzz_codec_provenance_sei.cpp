// libFuzzer target: arbitrary bytes through the provenance SEI readers — Annex-B and length-prefixed NAL splitting,
// emulation prevention removal, SEI message parsing, picture hash and VAPROV1 payload decoding. Anything but a
// CodecError or a clean answer is a bug; so is an emulation prevention round trip that does not give back its input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "../../codec/src/provenance/Nal.h"
#include "../../codec/src/provenance/ProvenanceSei.h"
#include "va/codec/CodecError.h"
#include "va/codec/Provenance.h"

namespace {

void ReadSeis(const uint8_t* data, const std::vector<va::codec::detail::NalRef>& nals) {
  using namespace va::codec::detail;
  for (const NalRef& n : nals) {
    if (n.size < 2) continue;
    const int type = NalType(data + n.begin);
    if (type != kNalPrefixSei && type != kNalSuffixSei) continue;
    try {
      (void)ReadSeiNal(data + n.begin, n.size);
    } catch (const va::codec::CodecError&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace va::codec;
  using namespace va::codec::detail;
  // The input as one SEI NAL unit, as a bare payload, and as a stream in both framings.
  try {
    (void)ReadSeiNal(data, size);
  } catch (const CodecError&) {
  }
  try {
    const ProvenanceMessage m = DecodeProvenancePayload(data, size);
    // What decodes must encode back to the very bytes it was signed as.
    if (EncodeProvenanceBody(m) != m.signedBytes) std::abort();
  } catch (const CodecError&) {
  }
  ReadSeis(data, SplitAnnexB(data, size));
  try {
    ReadSeis(data, SplitLengthPrefixed(data, size, 4));
  } catch (const CodecError&) {
  }
  const std::vector<uint8_t> nal = AddEmulationPrevention(data, size);
  if (RemoveEmulationPrevention(nal.data(), nal.size()) != std::vector<uint8_t>(data, data + size)) std::abort();
  return 0;
}
