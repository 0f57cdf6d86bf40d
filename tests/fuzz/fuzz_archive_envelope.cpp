// Stored objects and key files come from outside the process (disks, object stores, operators): their parsers must
// only ever throw their documented errors. The input is tried as an envelope header (+ chunk, decrypted with a fixed
// key), as a key file, and as plain bytes to round-trip.
#include <cstddef>
#include <cstdint>
#include <string>

#include "va/archive/Envelope.h"
#include "va/archive/KeyRing.h"

namespace {

// The key the seed corpus (tests/fuzz/corpus/archive/envelope_*) was encrypted with: bytes 0x00, 0x01, ... 0x1f.
std::string FixedKey() {
  std::string key(32, '\0');
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<char>(i);
  return key;
}

void TryEnvelope(const std::string& key, const uint8_t* data, size_t size) {
  try {
    (void)va::archive::ParseEnvelopeHeader(data, size);
  } catch (const va::archive::EnvelopeError&) {
  }
  if (size < va::archive::kEnvelopeHeaderSize) return;
  try {
    const va::archive::EnvelopeDecryptor dec(key, std::string(reinterpret_cast<const char*>(data), size));
    const uint64_t count = va::archive::ChunkCount(dec.Header());
    const uint8_t* rest = data + va::archive::kEnvelopeHeaderSize;
    const size_t restSize = size - va::archive::kEnvelopeHeaderSize;
    // The rest as chunk 0, as the last chunk, and at an index out of range.
    for (uint64_t index : {uint64_t{0}, count - 1, count}) {
      try {
        const std::string plain = dec.DecryptChunk(index, rest, restSize);
        if (plain.size() + va::archive::kEnvelopeTagSize != restSize) __builtin_trap();
      } catch (const va::archive::EnvelopeError&) {
      }
    }
  } catch (const va::archive::EnvelopeError&) {
  }
}

void TryKeyFile(const uint8_t* data, size_t size) {
  try {
    const va::archive::KeyRing ring =
        va::archive::KeyRing::FromText(std::string(reinterpret_cast<const char*>(data), size));
    if (!ring.Has(ring.CurrentId())) __builtin_trap();
    const std::string dataKey = va::archive::NewDataKey();
    if (ring.Unwrap(ring.Wrap(dataKey, ring.CurrentId()), ring.CurrentId()) != dataKey) __builtin_trap();
  } catch (const va::archive::KeyError&) {
  }
}

void TryRoundTrip(const std::string& key, const uint8_t* data, size_t size) {
  constexpr uint32_t kChunk = 4096;
  const va::archive::EnvelopeEncryptor enc(key, size, kChunk);
  const va::archive::EnvelopeDecryptor dec(key, enc.HeaderBytes());
  const uint64_t count = va::archive::ChunkCount(enc.Header());
  for (uint64_t i = 0; i < count; ++i) {
    const size_t offset = static_cast<size_t>(i) * kChunk;
    const size_t length = size - offset < kChunk ? size - offset : kChunk;
    const std::string stored = enc.EncryptChunk(i, data + offset, length);
    if (stored.size() != va::archive::ChunkStoredSize(enc.Header(), i)) __builtin_trap();
    const std::string plain = dec.DecryptChunk(i, reinterpret_cast<const uint8_t*>(stored.data()), stored.size());
    if (plain != std::string(reinterpret_cast<const char*>(data) + offset, length)) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string key = FixedKey();
  TryEnvelope(key, data, size);
  TryKeyFile(data, size);
  TryRoundTrip(key, data, size);
  return 0;
}
