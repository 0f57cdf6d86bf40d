// Splices signed provenance SEI NAL units into x265's Annex-B access units (see va/codec/Provenance.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ProvenanceSei.h"
#include "va/codec/Provenance.h"

namespace va::codec::detail {

class ProvenanceWriter {
 public:
  explicit ProvenanceWriter(ProvenanceOptions options);  // throws CodecError if options.sign is empty

  // One encoded access unit (Annex-B, decoding order, as x265 returns it). Reads its picture hash SEI (throws
  // CodecError if missing) and extends the chain; when key (IRAP), returns the unit with a signed Keyframe
  // message (covering the pictures BEFORE this one) spliced in as a prefix SEI NAL just before the first VCL NAL
  // unit (NAL type < 32); otherwise returns it unchanged.
  std::vector<uint8_t> Process(const uint8_t* au, size_t size, bool key);
  // Appends the signed Final message (covering every picture, this one included) as a suffix SEI NAL unit at
  // the end of the LAST access unit already returned by Process.
  void AppendFinal(std::vector<uint8_t>& lastAu);
  int64_t pictures() const { return pictures_; }
  // Signed messages written so far (keyframes, plus the Final one once appended).
  int64_t messages() const { return messages_; }
  const ProvenanceChain& chain() const { return chain_; }

 private:
  ProvenanceMessage Message(ProvenanceKind kind) const;

  ProvenanceOptions options_;
  ProvenanceChain chain_{};
  int64_t pictures_ = 0;
  int64_t messages_ = 0;
};

}  // namespace va::codec::detail
