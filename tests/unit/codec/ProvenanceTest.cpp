// Provenance SEI: NAL plumbing, the TLV payload, and the writer + scanner on a real x265 stream (made by ffmpeg).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "../../../codec/src/provenance/Digest.h"
#include "../../../codec/src/provenance/Nal.h"
#include "../../../codec/src/provenance/ProvenanceWriter.h"
#include "va/codec/CodecError.h"
#include "va/codec/Provenance.h"

namespace va::codec {
namespace {

using Bytes = std::vector<uint8_t>;
using detail::NalRef;

// ---------------------------------------------------------------------------------------------------------------
// Emulation prevention and SEI framing

bool HasStartCodeEmulation(const Bytes& nal) {
  for (size_t i = 0; i + 2 < nal.size(); ++i)
    if (nal[i] == 0 && nal[i + 1] == 0 && nal[i + 2] <= 2) return true;
  return nal.size() >= 2 && nal[nal.size() - 1] == 0 && nal[nal.size() - 2] == 0;
}

TEST(Provenance, EmulationPreventionRoundTrips) {
  std::mt19937 rng(7);
  std::vector<Bytes> cases = {{},
                              {0},
                              {0, 0},
                              {0, 0, 0},
                              {0, 0, 1},
                              {0, 0, 2},
                              {0, 0, 3},
                              {0, 0, 4},
                              {0, 0, 3, 0, 0, 3},
                              {1, 0, 0, 0, 0, 0, 0, 1},
                              Bytes(1000, 0)};
  for (int n = 0; n < 200; ++n) {
    Bytes b(rng() % 64);
    for (auto& x : b) x = static_cast<uint8_t>(rng() % 5);  // many zeros and small values
    cases.push_back(b);
  }
  for (const Bytes& rbsp : cases) {
    const Bytes nal = detail::AddEmulationPrevention(rbsp.data(), rbsp.size());
    EXPECT_FALSE(HasStartCodeEmulation(nal));
    EXPECT_EQ(detail::RemoveEmulationPrevention(nal.data(), nal.size()), rbsp);
  }
  const Bytes zeros(9, 0);
  EXPECT_EQ(detail::AddEmulationPrevention(zeros.data(), zeros.size()), (Bytes{0, 0, 3, 0, 0, 3, 0, 0, 3, 0, 0, 3, 0}));
}

TEST(Provenance, SeiNalRoundTripsWithExtensionBytes) {
  for (size_t size : {0u, 1u, 254u, 255u, 256u, 600u}) {
    for (int type : {5, 132, 300}) {
      const Bytes payload(size, 0);  // all zeros: the worst case for emulation prevention
      const Bytes nal = detail::BuildSeiNal(detail::kNalSuffixSei, type, payload);
      EXPECT_EQ(detail::NalType(nal.data()), detail::kNalSuffixSei);
      EXPECT_EQ(nal[1], 1);
      EXPECT_FALSE(HasStartCodeEmulation(Bytes(nal.begin() + 2, nal.end())));
      const auto msgs = detail::ParseSeiNal(nal.data(), nal.size());
      ASSERT_EQ(msgs.size(), 1u);
      EXPECT_EQ(msgs[0].payloadType, type);
      EXPECT_EQ(msgs[0].payload, payload);
    }
  }
  // Truncated message, missing trailing bits, not an SEI.
  Bytes nal = detail::BuildSeiNal(detail::kNalPrefixSei, 5, Bytes(20, 7));
  EXPECT_THROW(detail::ParseSeiNal(nal.data(), nal.size() - 5), CodecError);
  Bytes noStop(nal.begin(), nal.end() - 1);
  EXPECT_THROW(detail::ParseSeiNal(noStop.data(), noStop.size()), CodecError);
  nal[0] = 1 << 1;
  EXPECT_THROW(detail::ParseSeiNal(nal.data(), nal.size()), CodecError);
}

TEST(Provenance, SplitsAnnexBAndLengthPrefixed) {
  const Bytes annexB = {0, 0, 0, 1, 0x40, 1, 9, 0, 0, 1, 0x42, 1, 0, 0, 0, 0, 1, 0x26, 1, 5};
  const auto nals = detail::SplitAnnexB(annexB.data(), annexB.size());
  ASSERT_EQ(nals.size(), 3u);
  EXPECT_EQ(nals[0].startCode, 0u);
  EXPECT_EQ(nals[0].size, 3u);
  EXPECT_EQ(nals[1].startCode, 7u);
  EXPECT_EQ(nals[1].size, 2u);  // the zeros belong to the next start code
  EXPECT_EQ(nals[2].startCode, 13u);
  EXPECT_EQ(detail::NalType(annexB.data() + nals[2].begin), 19);
  const Bytes mp4 = {0, 0, 0, 3, 0x40, 1, 9, 0, 0, 0, 2, 0x26, 1};
  const auto m = detail::SplitLengthPrefixed(mp4.data(), mp4.size());
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[1].begin, 11u);
  EXPECT_THROW(detail::SplitLengthPrefixed(mp4.data(), mp4.size() - 1), CodecError);
}

// ---------------------------------------------------------------------------------------------------------------
// The TLV payload

ProvenanceMessage SampleMessage() {
  ProvenanceMessage m;
  m.kind = ProvenanceKind::Final;
  m.record = {"1.2.3.4",           "1.2.3.5",
              "1.2.3.6",           "20261128143000",
              "ACME Scope 7 SN42", std::string(64, 'a'),
              "x265 3.5 crf=22",   0x0102030405060708ull,
              "0011223344556677"};
  m.picturesBefore = 1234567;
  for (size_t i = 0; i < m.chain.size(); ++i) m.chain[i] = static_cast<uint8_t>(i * 7);
  return m;
}

Bytes WithSignature(Bytes body, const Bytes& sig) {
  body.push_back(static_cast<uint8_t>(sig.size() >> 8));
  body.push_back(static_cast<uint8_t>(sig.size()));
  body.insert(body.end(), sig.begin(), sig.end());
  return body;
}

TEST(Provenance, PayloadRoundTrips) {
  const ProvenanceMessage m = SampleMessage();
  const Bytes body = EncodeProvenanceBody(m);
  EXPECT_EQ(body, EncodeProvenanceBody(m));  // deterministic
  EXPECT_EQ(std::string(body.begin(), body.begin() + 7), "VAPROV1");
  const Bytes sig(64, 0xAB);
  const Bytes payload = WithSignature(body, sig);
  for (bool withUuid : {false, true}) {
    Bytes p = payload;
    if (withUuid) p.insert(p.begin(), kProvenanceSeiUuid.begin(), kProvenanceSeiUuid.end());
    const ProvenanceMessage d = DecodeProvenancePayload(p.data(), p.size());
    EXPECT_EQ(d.kind, m.kind);
    EXPECT_EQ(d.record.studyInstanceUid, m.record.studyInstanceUid);
    EXPECT_EQ(d.record.seriesInstanceUid, m.record.seriesInstanceUid);
    EXPECT_EQ(d.record.sopInstanceUid, m.record.sopInstanceUid);
    EXPECT_EQ(d.record.recordingStart, m.record.recordingStart);
    EXPECT_EQ(d.record.device, m.record.device);
    EXPECT_EQ(d.record.sourceSha256, m.record.sourceSha256);
    EXPECT_EQ(d.record.encoder, m.record.encoder);
    EXPECT_EQ(d.record.watermarkId, m.record.watermarkId);
    EXPECT_EQ(d.record.keyId, m.record.keyId);
    EXPECT_EQ(d.picturesBefore, m.picturesBefore);
    EXPECT_EQ(d.chain, m.chain);
    EXPECT_EQ(d.signedBytes, body);
    EXPECT_EQ(d.signature, sig);
  }
}

// A body from raw fields, to build what the encoder never would.
Bytes RawBody(const std::vector<std::pair<uint8_t, Bytes>>& fields, const char* magic = "VAPROV1") {
  Bytes f;
  for (const auto& [tag, v] : fields) {
    f.push_back(tag);
    f.push_back(static_cast<uint8_t>(v.size() >> 8));
    f.push_back(static_cast<uint8_t>(v.size()));
    f.insert(f.end(), v.begin(), v.end());
  }
  Bytes body(magic, magic + 7);
  for (int s = 24; s >= 0; s -= 8) body.push_back(static_cast<uint8_t>(f.size() >> s));
  body.insert(body.end(), f.begin(), f.end());
  return body;
}

std::vector<std::pair<uint8_t, Bytes>> ValidFields() {
  return {{1, {1}},   {2, {'1'}}, {3, {'2'}},       {4, {'3'}},  {5, {}},           {6, {}},
          {7, {'a'}}, {8, {'x'}}, {9, Bytes(8, 0)}, {10, {'k'}}, {11, Bytes(8, 0)}, {12, Bytes(32, 0)}};
}

std::string DecodeError(const Bytes& p) {
  try {
    DecodeProvenancePayload(p.data(), p.size());
  } catch (const CodecError& e) {
    return e.what();
  }
  return "";
}

TEST(Provenance, PayloadDecodingIsStrict) {
  const Bytes sig(64, 1);
  EXPECT_EQ(DecodeError(WithSignature(RawBody(ValidFields()), sig)), "");

  EXPECT_NE(DecodeError(WithSignature(RawBody(ValidFields(), "VAPROV2"), sig)).find("version"), std::string::npos);
  EXPECT_NE(DecodeError(WithSignature(RawBody(ValidFields(), "XXPROV1"), sig)).find("magic"), std::string::npos);

  // Every truncation fails.
  const Bytes good = WithSignature(EncodeProvenanceBody(SampleMessage()), sig);
  for (size_t n = 0; n < good.size(); ++n) EXPECT_NE(DecodeError(Bytes(good.begin(), good.begin() + n)), "") << n;

  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_NE(DecodeError(trailing).find("trailing"), std::string::npos);

  auto fields = ValidFields();
  fields.push_back({4, {'9'}});
  EXPECT_NE(DecodeError(WithSignature(RawBody(fields), sig)).find("duplicate provenance field sopInstanceUid"),
            std::string::npos);

  fields = ValidFields();
  std::swap(fields[2], fields[3]);
  EXPECT_NE(DecodeError(WithSignature(RawBody(fields), sig)).find("out of order"), std::string::npos);

  fields = ValidFields();
  fields.erase(fields.begin() + 9);
  EXPECT_NE(DecodeError(WithSignature(RawBody(fields), sig)).find("keyId is missing"), std::string::npos);

  fields = ValidFields();
  fields.push_back({13, {}});
  EXPECT_NE(DecodeError(WithSignature(RawBody(fields), sig)).find("unknown provenance field tag 13"),
            std::string::npos);

  fields = ValidFields();
  fields[11].second.resize(31);
  EXPECT_NE(DecodeError(WithSignature(RawBody(fields), sig)).find("chain has 31 bytes"), std::string::npos);

  fields = ValidFields();
  fields[0].second = {3};
  EXPECT_NE(DecodeError(WithSignature(RawBody(fields), sig)).find("kind"), std::string::npos);

  // A field length that runs past the body.
  Bytes body = RawBody(ValidFields());
  body[11 + 1] = 0x10;  // first field's length high byte
  EXPECT_NE(DecodeError(WithSignature(body, sig)).find("claims"), std::string::npos);

  // A signature length that promises more than is there.
  Bytes shortSig = good;
  shortSig.pop_back();
  EXPECT_NE(DecodeError(shortSig).find("signature"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------------------------
// Writer and scanner on an x265 stream

Bytes FakeSignature(const Bytes& message) {
  detail::Sha256 sha;
  sha.Update(message.data(), message.size());
  auto a = sha.Final();
  sha.Update(a.data(), a.size());
  auto b = sha.Final();
  Bytes sig(64);
  std::copy(a.begin(), a.end(), sig.begin());
  std::copy(b.begin(), b.end(), sig.begin() + 32);
  return sig;
}

Bytes ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::vector<Bytes>& units) {
  std::ofstream f(path, std::ios::binary);
  for (const Bytes& u : units) f.write(reinterpret_cast<const char*>(u.data()), static_cast<std::streamsize>(u.size()));
}

struct AccessUnit {
  Bytes bytes;
  bool key = false;
};

// x265 was asked for AUDs (aud=1): each access unit starts at one.
std::vector<AccessUnit> SplitAccessUnits(const Bytes& stream) {
  std::vector<AccessUnit> units;
  const auto nals = detail::SplitAnnexB(stream.data(), stream.size());
  for (size_t i = 0; i < nals.size(); ++i) {
    const int type = detail::NalType(stream.data() + nals[i].begin);
    if (type == detail::kNalAud || units.empty()) units.push_back({});
    const size_t end = i + 1 < nals.size() ? nals[i + 1].startCode : stream.size();
    units.back().bytes.insert(units.back().bytes.end(), stream.begin() + nals[i].startCode, stream.begin() + end);
    units.back().key = units.back().key || detail::IsIrap(type);
  }
  return units;
}

class ProvenanceStream : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = ::testing::TempDir() + "va-provenance-" + std::to_string(::getpid());
    std::string cmd = "mkdir -p " + dir_ +
                      " && ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=s=320x240:r=25 -frames:v 40 -c:v libx265"
                      " -x265-params hash=1:keyint=10:aud=1:log-level=error -f hevc " +
                      dir_ + "/x265.hevc";
    ok_ = std::system(cmd.c_str()) == 0;
  }
  static void TearDownTestSuite() { std::system(("rm -rf " + dir_).c_str()); }

  void SetUp() override {
    if (!ok_) GTEST_SKIP() << "ffmpeg with libx265 is not available";
    units_ = SplitAccessUnits(ReadFile(dir_ + "/x265.hevc"));
    ASSERT_EQ(units_.size(), 40u);
  }

  // Runs the writer over the access units; returns what it wrote, access unit by access unit.
  std::vector<Bytes> Spliced(int64_t* messages = nullptr) {
    ProvenanceOptions o;
    o.record = SampleMessage().record;
    o.sign = FakeSignature;
    detail::ProvenanceWriter w(o);
    std::vector<Bytes> out;
    for (const AccessUnit& u : units_) out.push_back(w.Process(u.bytes.data(), u.bytes.size(), u.key));
    w.AppendFinal(out.back());
    EXPECT_EQ(w.pictures(), 40);
    if (messages) *messages = w.messages();
    return out;
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  static std::string dir_;
  static bool ok_;
  std::vector<AccessUnit> units_;
};
std::string ProvenanceStream::dir_;
bool ProvenanceStream::ok_ = false;

int64_t Keyframes(const std::vector<AccessUnit>& units) {
  return std::count_if(units.begin(), units.end(), [](const AccessUnit& u) { return u.key; });
}

void ExpectClean(const ProvenanceScan& s, int64_t keyframes) {
  EXPECT_EQ(s.pictures, 40);
  EXPECT_EQ(s.picturesWithHash, 40);
  EXPECT_EQ(s.picturesDecoded, 40);
  EXPECT_TRUE(s.hashMismatches.empty());
  ASSERT_EQ(static_cast<int64_t>(s.messages.size()), keyframes + 1);
  for (size_t k = 0; k < s.messages.size(); ++k) {
    EXPECT_TRUE(s.chainMatches[k]) << k;
    EXPECT_EQ(s.messages[k].signature, FakeSignature(s.messages[k].signedBytes));
    EXPECT_EQ(s.messages[k].record.device, "ACME Scope 7 SN42");
  }
  EXPECT_EQ(s.messages.back().kind, ProvenanceKind::Final);
  EXPECT_EQ(s.messages.back().picturesBefore, 40);
  EXPECT_EQ(s.messages.back().chain, s.chain);
  EXPECT_EQ(s.messageAt.back(), 39);
  EXPECT_TRUE(s.finalPresent);
  for (const std::string& p : s.problems) ADD_FAILURE() << p;
}

TEST_F(ProvenanceStream, WriterOutputScansCleanRawAndMp4) {
  const int64_t keyframes = Keyframes(units_);
  EXPECT_GE(keyframes, 4);
  int64_t messages = 0;
  WriteFile(Path("signed.hevc"), Spliced(&messages));
  EXPECT_EQ(messages, keyframes + 1);
  const ProvenanceScan raw = ScanProvenance(Path("signed.hevc"));
  ExpectClean(raw, keyframes);
  for (size_t k = 0; k + 1 < raw.messages.size(); ++k) {
    EXPECT_EQ(raw.messages[k].kind, ProvenanceKind::Keyframe);
    EXPECT_EQ(raw.messages[k].picturesBefore, raw.messageAt[k]);
    EXPECT_TRUE(units_[raw.messageAt[k]].key);
  }

  ASSERT_EQ(
      std::system(("ffmpeg -nostdin -v error -y -i " + Path("signed.hevc") + " -c copy " + Path("signed.mp4")).c_str()),
      0);
  const ProvenanceScan mp4 = ScanProvenance(Path("signed.mp4"));
  ExpectClean(mp4, keyframes);
  EXPECT_EQ(mp4.chain, raw.chain);
}

TEST_F(ProvenanceStream, DamagedSliceIsNamedByPicture) {
  std::vector<Bytes> out = Spliced();
  const int64_t k = 13;
  ASSERT_FALSE(units_[k].key);
  Bytes& au = out[k];
  const auto nals = detail::SplitAnnexB(au.data(), au.size());
  const auto vcl = std::find_if(nals.begin(), nals.end(),
                                [&](const NalRef& n) { return detail::IsVcl(detail::NalType(au.data() + n.begin)); });
  ASSERT_NE(vcl, nals.end());
  // A byte well inside the slice data whose flipped value still cannot form a start code.
  size_t at = vcl->begin + vcl->size / 2;
  while (au[at] < 0x10) ++at;
  au[at] ^= 0x04;
  WriteFile(Path("damaged.hevc"), out);

  const ProvenanceScan s = ScanProvenance(Path("damaged.hevc"));
  ASSERT_FALSE(s.hashMismatches.empty());
  EXPECT_EQ(s.hashMismatches.front(), k);
  EXPECT_TRUE(std::all_of(s.chainMatches.begin(), s.chainMatches.end(), [](bool b) { return b; }));
  const std::string expected = "picture " + std::to_string(k) + ": decoded picture differs";
  EXPECT_TRUE(std::any_of(s.problems.begin(), s.problems.end(),
                          [&](const std::string& p) { return p.rfind(expected, 0) == 0; }));
}

TEST_F(ProvenanceStream, AlteredPictureHashBreaksTheChainFromTheNextMessage) {
  std::vector<Bytes> out = Spliced();
  const int64_t j = 14;
  Bytes& au = out[j];
  const auto nals = detail::SplitAnnexB(au.data(), au.size());
  bool changed = false;
  for (auto n = nals.rbegin(); n != nals.rend() && !changed; ++n) {
    if (detail::NalType(au.data() + n->begin) != detail::kNalSuffixSei) continue;
    auto msgs = detail::ParseSeiNal(au.data() + n->begin, n->size);
    if (msgs.size() != 1 || msgs[0].payloadType != detail::kSeiDecodedPictureHash) continue;
    msgs[0].payload[1] ^= 0xFF;
    const Bytes nal = detail::BuildSeiNal(detail::kNalSuffixSei, detail::kSeiDecodedPictureHash, msgs[0].payload);
    au.erase(au.begin() + n->begin, au.begin() + n->begin + n->size);
    au.insert(au.begin() + n->begin, nal.begin(), nal.end());
    changed = true;
  }
  ASSERT_TRUE(changed);
  WriteFile(Path("rehashed.hevc"), out);

  const ProvenanceScan s = ScanProvenance(Path("rehashed.hevc"), false);
  EXPECT_EQ(s.picturesDecoded, 0);
  int64_t broken = 0;
  for (size_t m = 0; m < s.messages.size(); ++m) {
    EXPECT_EQ(s.chainMatches[m], s.messages[m].picturesBefore <= j) << m;
    broken += !s.chainMatches[m];
  }
  EXPECT_GE(broken, 2);  // the next keyframe message and every one after, the Final one included
  const ProvenanceScan decoded = ScanProvenance(Path("rehashed.hevc"));
  EXPECT_EQ(decoded.hashMismatches, std::vector<int64_t>{j});
}

TEST_F(ProvenanceStream, WriterRefusesStreamsWithoutPictureHashesAndMissingSigner) {
  EXPECT_THROW(detail::ProvenanceWriter(ProvenanceOptions{}), CodecError);
  ProvenanceOptions o;
  o.sign = FakeSignature;
  detail::ProvenanceWriter w(o);
  // The first access unit with its suffix SEIs cut off.
  Bytes au = units_[0].bytes;
  const auto nals = detail::SplitAnnexB(au.data(), au.size());
  size_t cut = au.size();
  for (auto n = nals.rbegin(); n != nals.rend() && detail::NalType(au.data() + n->begin) == detail::kNalSuffixSei; ++n)
    cut = n->startCode;
  ASSERT_LT(cut, au.size());
  au.resize(cut);
  EXPECT_THROW(w.Process(au.data(), au.size(), true), CodecError);
}

TEST_F(ProvenanceStream, ScanReportsMissingFinal) {
  ProvenanceOptions o;
  o.sign = FakeSignature;
  detail::ProvenanceWriter w(o);
  std::vector<Bytes> out;
  for (const AccessUnit& u : units_) out.push_back(w.Process(u.bytes.data(), u.bytes.size(), u.key));
  WriteFile(Path("unfinished.hevc"), out);
  const ProvenanceScan s = ScanProvenance(Path("unfinished.hevc"), false);
  EXPECT_FALSE(s.finalPresent);
  EXPECT_TRUE(std::find(s.problems.begin(), s.problems.end(), "picture 39: no Final provenance message") !=
              s.problems.end());
}

// The picture hash covers the whole decoded picture (not the conformance window) and 2 bytes per sample above
// 8 bits: an odd size (x265 pads it and crops) and a 10-bit stream check both.
TEST_F(ProvenanceStream, DecodedMd5MatchesX265ForCroppedAnd10BitPictures) {
  const std::string path = Path("odd10.hevc");
  ASSERT_EQ(std::system(("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=s=330x250:r=25 -frames:v 6 -pix_fmt "
                         "yuv420p10le -c:v libx265 -x265-params hash=1:log-level=error -f hevc " +
                         path)
                            .c_str()),
            0);
  const ProvenanceScan s = ScanProvenance(path);
  EXPECT_EQ(s.pictures, 6);
  EXPECT_EQ(s.picturesWithHash, 6);
  EXPECT_EQ(s.picturesDecoded, 6);
  EXPECT_TRUE(s.hashMismatches.empty());
  EXPECT_TRUE(s.messages.empty());
  EXPECT_FALSE(s.finalPresent);
}

}  // namespace
}  // namespace va::codec
