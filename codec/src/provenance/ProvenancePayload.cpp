// The provenance SEI payload: the project's UUID, a versioned TLV body ("VAPROV1") and the signature.
//
// body = "VAPROV1" || u32 BE length of the fields || fields; field = u8 tag || u16 BE length || value, written in
// ascending tag order so the same message always gives the same bytes (the signature covers them).
#include <cstring>
#include <set>
#include <string>

#include "va/codec/CodecError.h"
#include "va/codec/Provenance.h"

namespace va::codec {

// From `uuidgen` once (dab212d1-7b4a-442c-9c85-0516c039d987); never change it, readers look for exactly these bytes.
const std::array<uint8_t, 16> kProvenanceSeiUuid = {0xda, 0xb2, 0x12, 0xd1, 0x7b, 0x4a, 0x44, 0x2c,
                                                    0x9c, 0x85, 0x05, 0x16, 0xc0, 0x39, 0xd9, 0x87};

namespace {

constexpr char kMagic[] = "VAPROV1";
constexpr size_t kMagicSize = 7;
constexpr size_t kMagicVersionAt = 6;  // "VAPROV" then the version digit

enum Tag : uint8_t {
  kKind = 1,
  kStudyUid = 2,
  kSeriesUid = 3,
  kSopUid = 4,
  kRecordingStart = 5,
  kDevice = 6,
  kSourceSha256 = 7,
  kEncoder = 8,
  kWatermarkId = 9,
  kKeyId = 10,
  kPicturesBefore = 11,
  kChain = 12,
  kLastTag = kChain,
};

const char* TagName(unsigned tag) {
  static const char* const names[] = {
      "",       "kind",         "studyInstanceUid", "seriesInstanceUid", "sopInstanceUid", "recordingStart",
      "device", "sourceSha256", "encoder",          "watermarkId",       "keyId",          "picturesBefore",
      "chain"};
  return tag <= kLastTag ? names[tag] : "unknown";
}

void PutU64(std::vector<uint8_t>& out, uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
}

uint64_t GetU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int k = 0; k < 8; ++k) v = (v << 8) | p[k];
  return v;
}

void PutField(std::vector<uint8_t>& out, Tag tag, const uint8_t* value, size_t size) {
  if (size > 0xFFFF)
    throw CodecError(std::string("provenance field ") + TagName(tag) + " is too long (" + std::to_string(size) +
                     " bytes, at most 65535)");
  out.push_back(tag);
  out.push_back(static_cast<uint8_t>(size >> 8));
  out.push_back(static_cast<uint8_t>(size));
  out.insert(out.end(), value, value + size);
}

void PutString(std::vector<uint8_t>& out, Tag tag, const std::string& s) {
  PutField(out, tag, reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

void PutNumber(std::vector<uint8_t>& out, Tag tag, uint64_t v) {
  std::vector<uint8_t> b;
  PutU64(b, v);
  PutField(out, tag, b.data(), b.size());
}

}  // namespace

std::vector<uint8_t> EncodeProvenanceBody(const ProvenanceMessage& m) {
  if (m.kind != ProvenanceKind::Keyframe && m.kind != ProvenanceKind::Final)
    throw CodecError("unknown provenance message kind " + std::to_string(static_cast<int>(m.kind)));
  if (m.picturesBefore < 0) throw CodecError("provenance picturesBefore is negative");
  std::vector<uint8_t> fields;
  const uint8_t kind = static_cast<uint8_t>(m.kind);
  PutField(fields, kKind, &kind, 1);
  const ProvenanceRecord& r = m.record;
  PutString(fields, kStudyUid, r.studyInstanceUid);
  PutString(fields, kSeriesUid, r.seriesInstanceUid);
  PutString(fields, kSopUid, r.sopInstanceUid);
  PutString(fields, kRecordingStart, r.recordingStart);
  PutString(fields, kDevice, r.device);
  PutString(fields, kSourceSha256, r.sourceSha256);
  PutString(fields, kEncoder, r.encoder);
  PutNumber(fields, kWatermarkId, r.watermarkId);
  PutString(fields, kKeyId, r.keyId);
  PutNumber(fields, kPicturesBefore, static_cast<uint64_t>(m.picturesBefore));
  PutField(fields, kChain, m.chain.data(), m.chain.size());

  std::vector<uint8_t> body(kMagic, kMagic + kMagicSize);
  const auto n = static_cast<uint32_t>(fields.size());
  for (int s = 24; s >= 0; s -= 8) body.push_back(static_cast<uint8_t>(n >> s));
  body.insert(body.end(), fields.begin(), fields.end());
  return body;
}

ProvenanceMessage DecodeProvenancePayload(const uint8_t* data, size_t size) {
  // The UUID may lead (a whole user_data_unregistered payload) or be stripped already; the magic tells them apart.
  if (size >= kProvenanceSeiUuid.size() &&
      std::memcmp(data, kProvenanceSeiUuid.data(), kProvenanceSeiUuid.size()) == 0) {
    data += kProvenanceSeiUuid.size();
    size -= kProvenanceSeiUuid.size();
  }
  if (size < kMagicSize + 4) throw CodecError("provenance payload truncated: " + std::to_string(size) + " bytes");
  if (std::memcmp(data, kMagic, kMagicVersionAt) != 0) throw CodecError("provenance payload lacks the VAPROV magic");
  if (data[kMagicVersionAt] != static_cast<uint8_t>(kMagic[kMagicVersionAt]))
    throw CodecError(std::string("unsupported provenance payload version '") +
                     static_cast<char>(data[kMagicVersionAt]) + "' (this reader knows VAPROV1)");
  const uint32_t fieldsSize =
      (uint32_t{data[7]} << 24) | (uint32_t{data[8]} << 16) | (uint32_t{data[9]} << 8) | data[10];
  const size_t bodySize = kMagicSize + 4 + size_t{fieldsSize};
  if (fieldsSize > size - (kMagicSize + 4))
    throw CodecError("provenance body claims " + std::to_string(fieldsSize) + " bytes of fields, only " +
                     std::to_string(size - kMagicSize - 4) + " present");

  ProvenanceMessage m;
  std::set<unsigned> seen;
  size_t pos = kMagicSize + 4;
  while (pos < bodySize) {
    if (bodySize - pos < 3) throw CodecError("provenance field header truncated at byte " + std::to_string(pos));
    const unsigned tag = data[pos];
    const size_t len = (size_t{data[pos + 1]} << 8) | data[pos + 2];
    pos += 3;
    if (len > bodySize - pos)
      throw CodecError(std::string("provenance field ") + TagName(tag) + " claims " + std::to_string(len) +
                       " bytes, only " + std::to_string(bodySize - pos) + " left in the body");
    if (tag == 0 || tag > kLastTag) throw CodecError("unknown provenance field tag " + std::to_string(tag));
    if (!seen.insert(tag).second) throw CodecError(std::string("duplicate provenance field ") + TagName(tag));
    // One canonical encoding: a body that decodes re-encodes to the same bytes.
    if (tag < *seen.rbegin())
      throw CodecError(std::string("provenance field ") + TagName(tag) + " out of order (fields go by ascending tag)");
    const uint8_t* v = data + pos;
    const std::string s(reinterpret_cast<const char*>(v), len);
    auto fixed = [&](size_t want) {
      if (len != want)
        throw CodecError(std::string("provenance field ") + TagName(tag) + " has " + std::to_string(len) +
                         " bytes, expected " + std::to_string(want));
    };
    switch (tag) {
      case kKind:
        fixed(1);
        if (v[0] != static_cast<uint8_t>(ProvenanceKind::Keyframe) &&
            v[0] != static_cast<uint8_t>(ProvenanceKind::Final))
          throw CodecError("unknown provenance message kind " + std::to_string(v[0]));
        m.kind = static_cast<ProvenanceKind>(v[0]);
        break;
      case kStudyUid: m.record.studyInstanceUid = s; break;
      case kSeriesUid: m.record.seriesInstanceUid = s; break;
      case kSopUid: m.record.sopInstanceUid = s; break;
      case kRecordingStart: m.record.recordingStart = s; break;
      case kDevice: m.record.device = s; break;
      case kSourceSha256: m.record.sourceSha256 = s; break;
      case kEncoder: m.record.encoder = s; break;
      case kWatermarkId:
        fixed(8);
        m.record.watermarkId = GetU64(v);
        break;
      case kKeyId: m.record.keyId = s; break;
      case kPicturesBefore: {
        fixed(8);
        const uint64_t n = GetU64(v);
        if (n > static_cast<uint64_t>(INT64_MAX)) throw CodecError("provenance picturesBefore out of range");
        m.picturesBefore = static_cast<int64_t>(n);
        break;
      }
      case kChain:
        fixed(32);
        std::memcpy(m.chain.data(), v, 32);
        break;
    }
    pos += len;
  }
  for (unsigned tag = 1; tag <= kLastTag; ++tag)
    if (!seen.count(tag)) throw CodecError(std::string("provenance field ") + TagName(tag) + " is missing");

  if (size - bodySize < 2) throw CodecError("provenance payload truncated before the signature length");
  const size_t sigLen = (size_t{data[bodySize]} << 8) | data[bodySize + 1];
  const size_t rest = size - bodySize - 2;
  if (sigLen > rest)
    throw CodecError("provenance signature claims " + std::to_string(sigLen) + " bytes, only " + std::to_string(rest) +
                     " present");
  if (sigLen < rest) throw CodecError(std::to_string(rest - sigLen) + " trailing bytes after the provenance signature");
  m.signedBytes.assign(data, data + bodySize);
  m.signature.assign(data + bodySize + 2, data + size);
  return m;
}

}  // namespace va::codec
