#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "va/archive/Envelope.h"
#include "va/archive/KeyRing.h"

namespace va::archive {
namespace {

constexpr uint32_t kChunk = 4096;

std::string RandomBytes(size_t size, unsigned seed) {
  std::mt19937 gen(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(gen());
  return bytes;
}

const uint8_t* U8(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

// Encrypts plain into the complete stored form: header | chunks.
std::string Encrypt(const std::string& key, const std::string& plain, uint32_t chunkSize = kChunk) {
  const EnvelopeEncryptor enc(key, plain.size(), chunkSize);
  std::string stored = enc.HeaderBytes();
  const uint64_t count = ChunkCount(enc.Header());
  for (uint64_t i = 0; i < count; ++i) {
    const size_t offset = i * chunkSize;
    const size_t length = std::min<size_t>(chunkSize, plain.size() - offset);
    stored += enc.EncryptChunk(i, U8(plain) + offset, length);
  }
  EXPECT_EQ(stored.size(), StoredSize(enc.Header()));
  return stored;
}

std::string Decrypt(const std::string& key, const std::string& stored) {
  const EnvelopeDecryptor dec(key, stored.substr(0, kEnvelopeHeaderSize));
  std::string plain;
  const uint64_t count = ChunkCount(dec.Header());
  for (uint64_t i = 0; i < count; ++i)
    plain += dec.DecryptChunk(i, U8(stored) + ChunkStoredOffset(dec.Header(), i), ChunkStoredSize(dec.Header(), i));
  return plain;
}

std::string ErrorOf(const std::string& key, const std::string& stored) {
  try {
    Decrypt(key, stored);
  } catch (const EnvelopeError& e) {
    return e.what();
  }
  return "";
}

TEST(EnvelopeTest, RoundTripsEdgeSizes) {
  const std::string key = NewDataKey();
  for (size_t size :
       {size_t{0}, size_t{1}, size_t{kChunk - 1}, size_t{kChunk}, size_t{kChunk + 1}, size_t{kChunk * 7 / 2}}) {
    SCOPED_TRACE(size);
    const std::string plain = RandomBytes(size, static_cast<unsigned>(size));
    const std::string stored = Encrypt(key, plain);
    EXPECT_EQ(stored.size(), kEnvelopeHeaderSize + size + ChunkCount(ParseEnvelopeHeader(U8(stored), 32)) * 16);
    EXPECT_EQ(Decrypt(key, stored), plain);
  }
}

TEST(EnvelopeTest, LayoutIsAsDocumented) {
  const std::string key(32, 'k');
  const std::string stored = Encrypt(key, RandomBytes(kChunk * 7 / 2, 1));
  EXPECT_EQ(stored.compare(0, 8, std::string("VAENC1\0\0", 8)), 0);
  const EnvelopeHeader h = ParseEnvelopeHeader(U8(stored), stored.size());
  EXPECT_EQ(h.chunkSize, kChunk);
  EXPECT_EQ(h.plainSize, uint64_t{kChunk * 7 / 2});
  EXPECT_EQ(h.noncePrefix.size(), 8u);
  EXPECT_EQ(ChunkCount(h), 4u);
  EXPECT_EQ(ChunkStoredOffset(h, 1), 32u + kChunk + 16);
  EXPECT_EQ(ChunkStoredSize(h, 3), kChunk / 2 + 16u);
  EXPECT_EQ(ChunkStoredOffset(h, 4), StoredSize(h));
  EXPECT_EQ(SerializeEnvelopeHeader(h), stored.substr(0, 32));
  EXPECT_THROW(ChunkStoredSize(h, 4), EnvelopeError);
  EXPECT_THROW(ChunkStoredOffset(h, 5), EnvelopeError);
  EnvelopeHeader empty;
  empty.chunkSize = kChunk;
  EXPECT_EQ(ChunkCount(empty), 1u);
  EXPECT_EQ(StoredSize(empty), 48u);
}

TEST(EnvelopeTest, NoncePrefixIsFreshPerObject) {
  const std::string key = NewDataKey();
  EXPECT_NE(EnvelopeEncryptor(key, 10, kChunk).HeaderBytes(), EnvelopeEncryptor(key, 10, kChunk).HeaderBytes());
}

TEST(EnvelopeTest, DecryptsAMiddleChunkAlone) {
  const std::string key = NewDataKey();
  const std::string plain = RandomBytes(kChunk * 7 / 2, 7);
  const std::string stored = Encrypt(key, plain);
  const EnvelopeDecryptor dec(key, stored);  // more than the header is fine
  const EnvelopeHeader& h = dec.Header();
  const std::string chunk = stored.substr(ChunkStoredOffset(h, 2), ChunkStoredSize(h, 2));
  EXPECT_EQ(dec.DecryptChunk(2, U8(chunk), chunk.size()), plain.substr(2 * kChunk, kChunk));
}

TEST(EnvelopeTest, DecryptsConcurrently) {
  const std::string key = NewDataKey();
  const std::string plain = RandomBytes(kChunk * 16, 9);
  const std::string stored = Encrypt(key, plain);
  const EnvelopeDecryptor dec(key, stored);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round)
        for (uint64_t i = t; i < 16; i += 4)
          ok[t] += dec.DecryptChunk(i, U8(stored) + ChunkStoredOffset(dec.Header(), i), kChunk + 16) ==
                   plain.substr(i * kChunk, kChunk);
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(ok[t], 200);
}

TEST(EnvelopeTest, DetectsAFlippedByte) {
  const std::string key = NewDataKey();
  const std::string stored = Encrypt(key, RandomBytes(kChunk * 7 / 2, 3));
  for (size_t at : {size_t{32}, size_t{32 + kChunk + 16 + 5}, stored.size() - 1}) {
    std::string bad = stored;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    const std::string error = ErrorOf(key, bad);
    EXPECT_NE(error.find("failed authentication"), std::string::npos) << error;
  }
  std::string bad = stored;
  bad[32 + 2 * (kChunk + 16) + 100] ^= 0x80;
  EXPECT_NE(ErrorOf(key, bad).find("chunk 2 of 4 failed authentication"), std::string::npos);
}

TEST(EnvelopeTest, DetectsSwappedChunks) {
  const std::string key = NewDataKey();
  const std::string stored = Encrypt(key, RandomBytes(kChunk * 3, 4));
  std::string swapped = stored.substr(0, 32) + stored.substr(32 + kChunk + 16, kChunk + 16) +
                        stored.substr(32, kChunk + 16) + stored.substr(32 + 2 * (kChunk + 16));
  ASSERT_EQ(swapped.size(), stored.size());
  EXPECT_NE(ErrorOf(key, swapped).find("chunk 0 of 3 failed authentication"), std::string::npos);
}

TEST(EnvelopeTest, DetectsTruncation) {
  const std::string key = NewDataKey();
  const std::string stored = Encrypt(key, RandomBytes(kChunk * 7 / 2, 5));
  const EnvelopeDecryptor dec(key, stored);
  const EnvelopeHeader& h = dec.Header();
  // A short last chunk is refused by its length.
  EXPECT_THROW(dec.DecryptChunk(3, U8(stored) + ChunkStoredOffset(h, 3), ChunkStoredSize(h, 3) - 1), EnvelopeError);
  // Dropping the last chunk and claiming the object ends earlier: the new last chunk was not encrypted as last.
  EnvelopeHeader shorter = h;
  shorter.plainSize = 3 * kChunk;
  const std::string cut = SerializeEnvelopeHeader(shorter) + stored.substr(32, 3 * (kChunk + 16));
  EXPECT_NE(ErrorOf(key, cut).find("failed authentication"), std::string::npos);
}

TEST(EnvelopeTest, DetectsAChangedPlainSize) {
  const std::string key = NewDataKey();
  const std::string stored = Encrypt(key, RandomBytes(kChunk * 3, 6));
  EnvelopeHeader h = ParseEnvelopeHeader(U8(stored), 32);
  h.plainSize += kChunk;  // the first chunks keep their lengths, but the header (AAD) changed
  const std::string bigger = SerializeEnvelopeHeader(h) + stored.substr(32);
  const EnvelopeDecryptor dec(key, bigger);
  EXPECT_THROW(dec.DecryptChunk(0, U8(bigger) + 32, kChunk + 16), EnvelopeError);
}

TEST(EnvelopeTest, DetectsAChunkOfAnotherObject) {
  const std::string key = NewDataKey();  // even under the same data key
  const std::string plain = RandomBytes(kChunk * 2, 8);
  const std::string a = Encrypt(key, plain);
  const std::string b = Encrypt(key, plain);
  const std::string mixed = a.substr(0, 32 + kChunk + 16) + b.substr(32 + kChunk + 16);
  EXPECT_NE(ErrorOf(key, mixed).find("chunk 1 of 2 failed authentication"), std::string::npos);
}

TEST(EnvelopeTest, WrongKeyFails) {
  const std::string stored = Encrypt(NewDataKey(), "hello");
  EXPECT_NE(ErrorOf(NewDataKey(), stored).find("chunk 0 of 1 failed authentication"), std::string::npos);
}

// tests/fuzz/corpus/archive/envelope_one_chunk.bin was written by an independent implementation of the layout
// documented in Envelope.h (Python's cryptography AESGCM) with the key 00 01 .. 1f.
TEST(EnvelopeTest, ReadsAnObjectWrittenFromTheDocumentedLayout) {
  const auto path = std::filesystem::path(__FILE__).parent_path() / "../../fuzz/corpus/archive/envelope_one_chunk.bin";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path;
  const std::string stored(std::istreambuf_iterator<char>(in), {});
  std::string key(32, '\0');
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<char>(i);
  std::string expected;
  for (int i = 0; i < 3; ++i) expected += "Hello, encrypted video archive! ";
  EXPECT_EQ(Decrypt(key, stored), expected);
}

TEST(EnvelopeTest, ValidatesInput) {
  const std::string key = NewDataKey();
  EXPECT_THROW(EnvelopeEncryptor(std::string(31, 'k'), 10), EnvelopeError);
  EXPECT_THROW(EnvelopeEncryptor(key, 10, 4095), EnvelopeError);
  EXPECT_THROW(EnvelopeEncryptor(key, 10, (64u << 20) + 1), EnvelopeError);
  EXPECT_THROW(EnvelopeEncryptor(key, ~uint64_t{0}, kChunk), EnvelopeError);
  EXPECT_THROW(EnvelopeEncryptor(key, (uint64_t{1} << 44) + 1, kChunk), EnvelopeError);  // > 2^32 chunks
  EXPECT_NO_THROW(EnvelopeEncryptor(key, uint64_t{1} << 44, kChunk));
  const EnvelopeEncryptor enc(key, kChunk + 1, kChunk);
  const std::string plain(kChunk, 'x');
  EXPECT_THROW(enc.EncryptChunk(0, U8(plain), kChunk - 1), EnvelopeError);
  EXPECT_THROW(enc.EncryptChunk(1, U8(plain), 2), EnvelopeError);
  EXPECT_THROW(enc.EncryptChunk(2, U8(plain), 0), EnvelopeError);

  std::string header = enc.HeaderBytes();
  EXPECT_THROW(ParseEnvelopeHeader(U8(header), 31), EnvelopeError);
  EXPECT_THROW(ParseEnvelopeHeader(nullptr, 0), EnvelopeError);
  std::string bad = header;
  bad[0] = 'X';
  EXPECT_THROW(ParseEnvelopeHeader(U8(bad), 32), EnvelopeError);
  bad = header;
  bad[31] = 1;  // reserved
  EXPECT_THROW(ParseEnvelopeHeader(U8(bad), 32), EnvelopeError);
  bad = header;
  bad.replace(8, 4, std::string("\0\0\x0f\xff", 4));  // chunk size 4095
  EXPECT_THROW(ParseEnvelopeHeader(U8(bad), 32), EnvelopeError);
  bad = header;
  bad.replace(12, 8, std::string(8, '\xff'));  // plain size 2^64-1
  EXPECT_THROW(ParseEnvelopeHeader(U8(bad), 32), EnvelopeError);
  EXPECT_THROW(EnvelopeDecryptor(key, header.substr(0, 20)), EnvelopeError);
  EXPECT_THROW(EnvelopeDecryptor(std::string(), header), EnvelopeError);

  const EnvelopeDecryptor dec(key, header);
  const std::string chunk = enc.EncryptChunk(0, U8(plain), kChunk);
  EXPECT_EQ(dec.DecryptChunk(0, U8(chunk), chunk.size()), plain);
  EXPECT_THROW(dec.DecryptChunk(0, U8(chunk), chunk.size() - 1), EnvelopeError);
  EXPECT_THROW(dec.DecryptChunk(0, nullptr, chunk.size()), EnvelopeError);
  EXPECT_THROW(dec.DecryptChunk(2, U8(chunk), 17), EnvelopeError);
  EnvelopeHeader noPrefix;
  EXPECT_THROW(SerializeEnvelopeHeader(noPrefix), EnvelopeError);
}

}  // namespace
}  // namespace va::archive
