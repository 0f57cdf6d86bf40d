#include "va/archive/Envelope.h"

#include <array>
#include <cstring>
#include <limits>

#include "Aead.h"

namespace va::archive {
namespace {

constexpr char kMagic[8] = {'V', 'A', 'E', 'N', 'C', '1', '\0', '\0'};
constexpr size_t kNoncePrefixSize = 8;
constexpr uint32_t kMinChunkSize = 4u << 10;
constexpr uint32_t kMaxChunkSize = 64u << 20;
constexpr uint64_t kMaxChunkCount = uint64_t{1} << 32;  // the nonce holds the index in 32 bits
constexpr size_t kAadSize = kEnvelopeHeaderSize + 8 + 1;

void PutBigEndian(unsigned char* out, uint64_t value, size_t size) {
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<unsigned char>(value >> (8 * (size - 1 - i)));
}

uint64_t GetBigEndian(const uint8_t* in, size_t size) {
  uint64_t value = 0;
  for (size_t i = 0; i < size; ++i) value = (value << 8) | in[i];
  return value;
}

uint64_t CountChunks(uint64_t plainSize, uint32_t chunkSize) {
  if (plainSize == 0) return 1;
  return plainSize / chunkSize + (plainSize % chunkSize != 0 ? 1 : 0);
}

// The checks every size computation relies on: a chunk size in range, an index that fits the nonce, no overflow.
void CheckSizes(const EnvelopeHeader& header) {
  if (header.chunkSize < kMinChunkSize || header.chunkSize > kMaxChunkSize)
    throw EnvelopeError("envelope: chunk size " + std::to_string(header.chunkSize) + " is outside " +
                        std::to_string(kMinChunkSize) + ".." + std::to_string(kMaxChunkSize));
  const uint64_t count = CountChunks(header.plainSize, header.chunkSize);
  const uint64_t overhead = kEnvelopeHeaderSize + count * kEnvelopeTagSize;  // count <= 2^32: no overflow
  if (count > kMaxChunkCount || header.plainSize > std::numeric_limits<uint64_t>::max() - overhead)
    throw EnvelopeError("envelope: plain size " + std::to_string(header.plainSize) + " is too large for chunks of " +
                        std::to_string(header.chunkSize) + " bytes");
}

void CheckHeader(const EnvelopeHeader& header) {
  CheckSizes(header);
  if (header.noncePrefix.size() != kNoncePrefixSize)
    throw EnvelopeError("envelope: the nonce prefix must be " + std::to_string(kNoncePrefixSize) + " bytes");
}

std::string CheckedKey(const std::string& dataKey) {
  if (dataKey.size() != crypto::kGcmKeySize)
    throw EnvelopeError("envelope: the data key must be " + std::to_string(crypto::kGcmKeySize) + " bytes, not " +
                        std::to_string(dataKey.size()));
  return dataKey;
}

std::string ChunkName(uint64_t index, uint64_t count) {
  return "chunk " + std::to_string(index) + " of " + std::to_string(count);
}

uint64_t CheckedIndex(const EnvelopeHeader& header, uint64_t index) {
  const uint64_t count = CountChunks(header.plainSize, header.chunkSize);
  if (index >= count)
    throw EnvelopeError("envelope: chunk " + std::to_string(index) + " is past the last chunk (the object has " +
                        std::to_string(count) + ")");
  return count;
}

size_t PlainLength(const EnvelopeHeader& header, uint64_t index, uint64_t count) {
  if (index + 1 < count) return header.chunkSize;
  return static_cast<size_t>(header.plainSize - index * header.chunkSize);  // the last (possibly empty) chunk
}

// nonce = prefix(8) | u32 index; AAD = header | u64 index | u8 last.
struct ChunkParameters {
  std::array<unsigned char, crypto::kGcmNonceSize> nonce{};
  std::array<unsigned char, kAadSize> aad{};
};

ChunkParameters MakeParameters(const std::string& headerBytes, uint64_t index, uint64_t count) {
  ChunkParameters p;
  std::memcpy(p.nonce.data(), headerBytes.data() + 20, kNoncePrefixSize);
  PutBigEndian(p.nonce.data() + kNoncePrefixSize, index, 4);
  std::memcpy(p.aad.data(), headerBytes.data(), kEnvelopeHeaderSize);
  PutBigEndian(p.aad.data() + kEnvelopeHeaderSize, index, 8);
  p.aad[kEnvelopeHeaderSize + 8] = index + 1 == count ? 1 : 0;
  return p;
}

}  // namespace

EnvelopeHeader ParseEnvelopeHeader(const uint8_t* data, size_t size) {
  if (data == nullptr || size < kEnvelopeHeaderSize)
    throw EnvelopeError("envelope: header needs " + std::to_string(kEnvelopeHeaderSize) + " bytes, got " +
                        std::to_string(data == nullptr ? 0 : size));
  if (std::memcmp(data, kMagic, sizeof(kMagic)) != 0)
    throw EnvelopeError("envelope: bad magic (not an encrypted object, or an unknown version)");
  if (GetBigEndian(data + 28, 4) != 0) throw EnvelopeError("envelope: reserved header bytes are not zero");
  EnvelopeHeader header;
  header.chunkSize = static_cast<uint32_t>(GetBigEndian(data + 8, 4));
  header.plainSize = GetBigEndian(data + 12, 8);
  header.noncePrefix.assign(reinterpret_cast<const char*>(data) + 20, kNoncePrefixSize);
  CheckSizes(header);
  return header;
}

std::string SerializeEnvelopeHeader(const EnvelopeHeader& header) {
  CheckHeader(header);
  std::string bytes(kEnvelopeHeaderSize, '\0');
  unsigned char* out = crypto::Bytes(bytes);
  std::memcpy(out, kMagic, sizeof(kMagic));
  PutBigEndian(out + 8, header.chunkSize, 4);
  PutBigEndian(out + 12, header.plainSize, 8);
  std::memcpy(out + 20, header.noncePrefix.data(), kNoncePrefixSize);  // bytes 28..31 stay zero (reserved)
  return bytes;
}

uint64_t ChunkCount(const EnvelopeHeader& header) {
  CheckSizes(header);
  return CountChunks(header.plainSize, header.chunkSize);
}

uint64_t StoredSize(const EnvelopeHeader& header) {
  return kEnvelopeHeaderSize + header.plainSize + ChunkCount(header) * kEnvelopeTagSize;
}

uint64_t ChunkStoredOffset(const EnvelopeHeader& header, uint64_t index) {
  const uint64_t count = ChunkCount(header);
  if (index > count)
    throw EnvelopeError("envelope: chunk " + std::to_string(index) + " is past the end (the object has " +
                        std::to_string(count) + ")");
  if (index == count) return StoredSize(header);  // the end (the last chunk may be short)
  return kEnvelopeHeaderSize + index * (uint64_t{header.chunkSize} + kEnvelopeTagSize);
}

size_t ChunkStoredSize(const EnvelopeHeader& header, uint64_t index) {
  CheckSizes(header);
  const uint64_t count = CheckedIndex(header, index);
  return PlainLength(header, index, count) + kEnvelopeTagSize;
}

EnvelopeEncryptor::EnvelopeEncryptor(const std::string& dataKey, uint64_t plainSize, uint32_t chunkSize)
    : key_(CheckedKey(dataKey)) {
  header_.chunkSize = chunkSize;
  header_.plainSize = plainSize;
  header_.noncePrefix.assign(kNoncePrefixSize, '\0');
  if (!crypto::RandomBytes(crypto::Bytes(header_.noncePrefix), kNoncePrefixSize)) {
    crypto::Wipe(key_);
    throw EnvelopeError("envelope: OpenSSL's random generator failed");
  }
  try {
    headerBytes_ = SerializeEnvelopeHeader(header_);
  } catch (...) {
    crypto::Wipe(key_);
    throw;
  }
}

EnvelopeEncryptor::~EnvelopeEncryptor() {
  crypto::Wipe(key_);
}

std::string EnvelopeEncryptor::HeaderBytes() const {
  return headerBytes_;
}

std::string EnvelopeEncryptor::EncryptChunk(uint64_t index, const uint8_t* plain, size_t length) const {
  const uint64_t count = CheckedIndex(header_, index);
  const size_t expected = PlainLength(header_, index, count);
  if (length != expected)
    throw EnvelopeError("envelope: " + ChunkName(index, count) + " must have " + std::to_string(expected) +
                        " plain bytes, not " + std::to_string(length));
  if (plain == nullptr && length > 0) throw EnvelopeError("envelope: no plain bytes for " + ChunkName(index, count));
  const ChunkParameters p = MakeParameters(headerBytes_, index, count);
  std::string stored(length + kEnvelopeTagSize, '\0');
  unsigned char* out = crypto::Bytes(stored);
  if (!crypto::GcmSeal(crypto::Bytes(key_), p.nonce.data(), p.aad.data(), p.aad.size(), plain, length, out,
                       out + length))
    throw EnvelopeError("envelope: OpenSSL failed to encrypt " + ChunkName(index, count));
  return stored;
}

EnvelopeDecryptor::EnvelopeDecryptor(const std::string& dataKey, const std::string& headerBytes)
    : key_(CheckedKey(dataKey)) {
  try {
    header_ = ParseEnvelopeHeader(crypto::Bytes(headerBytes), headerBytes.size());
  } catch (...) {
    crypto::Wipe(key_);
    throw;
  }
  headerBytes_.assign(headerBytes, 0, kEnvelopeHeaderSize);
}

EnvelopeDecryptor::~EnvelopeDecryptor() {
  crypto::Wipe(key_);
}

std::string EnvelopeDecryptor::DecryptChunk(uint64_t index, const uint8_t* stored, size_t length) const {
  const uint64_t count = CheckedIndex(header_, index);
  const size_t expected = PlainLength(header_, index, count) + kEnvelopeTagSize;
  if (length != expected || stored == nullptr)
    throw EnvelopeError("envelope: " + ChunkName(index, count) + " has " + std::to_string(stored ? length : 0) +
                        " stored bytes, expected " + std::to_string(expected) + " (truncated or misplaced)");
  const size_t plainLength = length - kEnvelopeTagSize;
  const ChunkParameters p = MakeParameters(headerBytes_, index, count);
  std::string plain(plainLength, '\0');
  const crypto::OpenResult result = crypto::GcmOpen(crypto::Bytes(key_), p.nonce.data(), p.aad.data(), p.aad.size(),
                                                    stored, plainLength, stored + plainLength, crypto::Bytes(plain));
  if (result != crypto::OpenResult::kOk) {
    crypto::Wipe(plain);  // never hand out (or leave behind) unauthenticated plaintext
    if (result == crypto::OpenResult::kAuthFailed)
      throw EnvelopeError("envelope: " + ChunkName(index, count) +
                          " failed authentication (altered, truncated, misplaced, or another object's, or wrong key)");
    throw EnvelopeError("envelope: OpenSSL failed to decrypt " + ChunkName(index, count));
  }
  return plain;
}

}  // namespace va::archive
