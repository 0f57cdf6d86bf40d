// Signed provenance inside the HEVC bitstream (see docs/provenance.md).
//
// Every keyframe (IRAP access unit) gets a prefix SEI NAL unit, user_data_unregistered (payloadType 5) with the
// project's own UUID, carrying the record (UIDs, recording start, device, source SHA-256, encoder settings,
// watermark ID, key ID), the number of pictures before it and a hash chain over the decoded-picture MD5 hashes
// x265 writes (picture hash SEI, payloadType 132): chain_0 = 32 zero bytes, chain_i = SHA-256(chain_{i-1} || the
// picture's three plane MD5s), in decoding order. The last access unit gets a suffix SEI with the final chain; each
// message is signed (Ed25519, by a signer the caller provides; the codec holds no key).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace va::codec {

// The project's UUID for its SEI messages (uuid_iso_iec_11578), random, fixed forever.
extern const std::array<uint8_t, 16> kProvenanceSeiUuid;

// What a provenance message says. No patient name or other identifying value: UIDs, times, hashes, settings only.
struct ProvenanceRecord {
  std::string studyInstanceUid;
  std::string seriesInstanceUid;
  std::string sopInstanceUid;
  std::string recordingStart;  // DICOM DT (e.g. "20261128143000"), "" when unknown
  std::string device;          // manufacturer / model / serial as the header has them, "" when unknown
  std::string sourceSha256;    // hex, of the source bitstream or file the transcode read
  std::string encoder;         // x265 version and settings
  uint64_t watermarkId = 0;    // 0 = no watermark
  std::string keyId;           // identifies the signing public key (hex of the first 8 bytes of its SHA-256)
};

enum class ProvenanceKind : uint8_t { Keyframe = 1, Final = 2 };

struct ProvenanceMessage {
  ProvenanceKind kind = ProvenanceKind::Keyframe;
  ProvenanceRecord record;
  int64_t picturesBefore = 0;        // pictures (decoding order) the chain covers
  std::array<uint8_t, 32> chain{};   // hash chain value over those pictures
  std::vector<uint8_t> signedBytes;  // exactly what the signature covers
  std::vector<uint8_t> signature;    // Ed25519, 64 bytes
};

// Serialises a message's signed part (a versioned TLV, "VAPROV1"), and parses a whole SEI payload back.
std::vector<uint8_t> EncodeProvenanceBody(const ProvenanceMessage& m);
// payload = body || u16 signature length || signature. Throws CodecError on anything malformed.
ProvenanceMessage DecodeProvenancePayload(const uint8_t* data, size_t size);

// The caller's signer: returns the Ed25519 signature (64 bytes) of the message.
using ProvenanceSigner = std::function<std::vector<uint8_t>(const std::vector<uint8_t>& message)>;

struct ProvenanceOptions {
  ProvenanceRecord record;
  ProvenanceSigner sign;  // required
};

// What a scan of a video file finds; signatures are checked by the caller (it holds the public key).
struct ProvenanceScan {
  int64_t pictures = 0;                     // access units read (decoding order)
  int64_t picturesWithHash = 0;             // ... carrying an MD5 picture hash SEI
  int64_t picturesDecoded = 0;              // pictures decoded and compared against their hash (when decoding)
  std::vector<int64_t> hashMismatches;      // decoding-order indexes whose decoded picture differs from its hash
  std::vector<ProvenanceMessage> messages;  // every provenance SEI, in stream order
  std::vector<int64_t> messageAt;           // decoding-order index of the access unit each message was in
  std::vector<bool> chainMatches;           // per message: its chain equals the one recomputed from the hashes
  std::array<uint8_t, 32> chain{};          // recomputed over every picture
  bool finalPresent = false;                // the last access unit carries a Final message
  std::vector<std::string> problems;        // human-readable, with the picture index ("picture 57: ...")
};

// Reads the first video stream of an MP4 / TS / raw HEVC file in decoding order. decode = true also decodes every
// picture and compares its MD5 with the picture hash SEI. Throws CodecError when the file cannot be read.
ProvenanceScan ScanProvenance(const std::string& path, bool decode = true);

}  // namespace va::codec
