// The encrypted form of an object: AES-256-GCM in independently authenticated chunks, so a range read decrypts only
// the chunks it touches. The data key is per object and lives, wrapped by a master key, in the catalog (KeyRing.h);
// the stored bytes carry only what is needed to decrypt them with that key.
//
// Layout:  header (kHeaderSize bytes) | chunk 0 | chunk 1 | ... | chunk n-1
//   header = "VAENC1\0\0" | u32 chunkSize | u64 plainSize | 8 random nonce-prefix bytes | 4 reserved (0)   (big endian)
//   chunk i = ciphertext of plain bytes [i*chunkSize, min((i+1)*chunkSize, plainSize)) | 16-byte GCM tag
//   nonce of chunk i = nonce-prefix(8) | u32 i ; AAD = header | u64 i | u8 last  (binds each chunk to its object,
//   position and the end, so chunks cannot be swapped, replayed from another object or the object truncated)
// An empty object is a header plus one empty last chunk (its tag).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace va::archive {

class EnvelopeError : public std::runtime_error {
 public:
  explicit EnvelopeError(const std::string& reason) : std::runtime_error(reason) {}
};

constexpr size_t kEnvelopeHeaderSize = 32;
constexpr size_t kEnvelopeTagSize = 16;
constexpr uint32_t kDefaultChunkSize = 1u << 20;

struct EnvelopeHeader {
  uint32_t chunkSize = kDefaultChunkSize;
  uint64_t plainSize = 0;
  std::string noncePrefix;  // 8 bytes
};

// Parses and validates a header (magic, chunk size 4 KiB..64 MiB, reserved bytes zero, at most 2^32 chunks, sizes
// that fit in 64 bits); throws EnvelopeError. Reads the first kEnvelopeHeaderSize bytes; size may be larger.
EnvelopeHeader ParseEnvelopeHeader(const uint8_t* data, size_t size);
std::string SerializeEnvelopeHeader(const EnvelopeHeader& header);

// These validate the sizes in header (not the nonce prefix) and throw EnvelopeError as ParseEnvelopeHeader does.
uint64_t ChunkCount(const EnvelopeHeader& header);  // >= 1
// Total stored size of an object of header.plainSize bytes.
uint64_t StoredSize(const EnvelopeHeader& header);
// Where chunk i starts in the stored bytes (i == ChunkCount gives StoredSize), and how many stored bytes it has
// (ciphertext + tag; i < ChunkCount).
uint64_t ChunkStoredOffset(const EnvelopeHeader& header, uint64_t index);
size_t ChunkStoredSize(const EnvelopeHeader& header, uint64_t index);

// Encrypts an object chunk by chunk (in any order; each chunk stands alone). Holds no chunk: EncryptChunk returns
// each one. Errors (bad key size, chunk size or length) throw EnvelopeError. EncryptChunk is const and thread-safe
// (one OpenSSL context per call). The copy of the data key is wiped on destruction.
class EnvelopeEncryptor {
 public:
  // dataKey: 32 bytes. A fresh random nonce prefix is drawn.
  EnvelopeEncryptor(const std::string& dataKey, uint64_t plainSize, uint32_t chunkSize = kDefaultChunkSize);
  ~EnvelopeEncryptor();
  EnvelopeEncryptor(const EnvelopeEncryptor&) = default;
  EnvelopeEncryptor(EnvelopeEncryptor&&) noexcept = default;
  EnvelopeEncryptor& operator=(const EnvelopeEncryptor&) = default;
  EnvelopeEncryptor& operator=(EnvelopeEncryptor&&) noexcept = default;
  const EnvelopeHeader& Header() const { return header_; }
  std::string HeaderBytes() const;
  // Encrypts chunk index (plain must be exactly that chunk's plain length); returns ciphertext | tag.
  std::string EncryptChunk(uint64_t index, const uint8_t* plain, size_t length) const;

 private:
  std::string key_;
  EnvelopeHeader header_;
  std::string headerBytes_;
};

// DecryptChunk is const and thread-safe: several threads may decrypt chunks of one object concurrently (one OpenSSL
// context per call). The copy of the data key is wiped on destruction.
class EnvelopeDecryptor {
 public:
  // headerBytes: at least the kEnvelopeHeaderSize header bytes (only those are used); throws EnvelopeError when the
  // key is not 32 bytes or the header is invalid.
  EnvelopeDecryptor(const std::string& dataKey, const std::string& headerBytes);
  ~EnvelopeDecryptor();
  EnvelopeDecryptor(const EnvelopeDecryptor&) = default;
  EnvelopeDecryptor(EnvelopeDecryptor&&) noexcept = default;
  EnvelopeDecryptor& operator=(const EnvelopeDecryptor&) = default;
  EnvelopeDecryptor& operator=(EnvelopeDecryptor&&) noexcept = default;
  const EnvelopeHeader& Header() const { return header_; }
  // Decrypts and authenticates chunk index (0-based) from its stored bytes (exactly ChunkStoredSize); returns its
  // plain bytes. Throws EnvelopeError ("chunk 12 of 40 failed authentication") when the bytes were altered, and
  // never returns unauthenticated plaintext.
  std::string DecryptChunk(uint64_t index, const uint8_t* stored, size_t length) const;

 private:
  std::string key_;
  EnvelopeHeader header_;
  std::string headerBytes_;
};

}  // namespace va::archive
