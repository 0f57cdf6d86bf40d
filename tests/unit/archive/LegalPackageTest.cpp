// The signed legal export package: written with three small files and a chain of custody, verified, then tampered
// with in every way the issue names (a file byte, a manifest line, a line removed or added, a file added or removed,
// the signature, the key, a truncated or hostile tar); each must fail and name the place.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "va/archive/AuditTrail.h"
#include "va/archive/LegalPackage.h"

namespace va::archive {
namespace {

namespace fs = std::filesystem;

// A fresh Ed25519 private key as PEM, made with OpenSSL at test time.
std::string NewPrivateKeyPem() {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr),
                                                                  EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) return "";
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) return "";
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// One tar member, for rewriting packages in tests.
struct Member {
  Member(std::string n, std::string d, unsigned t = AE_IFREG, std::string l = "")
      : name(std::move(n)), data(std::move(d)), type(t), link(std::move(l)) {}
  std::string name;
  std::string data;
  unsigned type;
  std::string link;  // symbolic link target
};

std::vector<Member> ReadTar(const fs::path& path) {
  std::vector<Member> members;
  std::unique_ptr<struct archive, decltype(&archive_read_free)> tar(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(tar.get());
  EXPECT_EQ(archive_read_open_filename(tar.get(), path.c_str(), 10240), ARCHIVE_OK);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(tar.get(), &entry) == ARCHIVE_OK) {
    Member m(archive_entry_pathname(entry), "");
    m.data.resize(static_cast<size_t>(archive_entry_size(entry)));
    if (!m.data.empty()) {
      EXPECT_EQ(archive_read_data(tar.get(), m.data.data(), m.data.size()), static_cast<la_ssize_t>(m.data.size()));
    }
    members.push_back(std::move(m));
  }
  return members;
}

void WriteTar(const fs::path& path, const std::vector<Member>& members) {
  std::unique_ptr<struct archive, decltype(&archive_write_free)> tar(archive_write_new(), archive_write_free);
  archive_write_set_format_pax_restricted(tar.get());
  ASSERT_EQ(archive_write_open_filename(tar.get(), path.c_str()), ARCHIVE_OK);
  for (const Member& m : members) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), m.name.c_str());
    archive_entry_set_filetype(entry.get(), m.type);
    archive_entry_set_perm(entry.get(), 0644);
    if (m.type == AE_IFLNK) archive_entry_set_symlink(entry.get(), m.link.c_str());
    archive_entry_set_size(entry.get(), m.type == AE_IFREG ? static_cast<la_int64_t>(m.data.size()) : 0);
    ASSERT_EQ(archive_write_header(tar.get(), entry.get()), ARCHIVE_OK) << archive_error_string(tar.get());
    if (m.type == AE_IFREG && !m.data.empty()) {
      ASSERT_EQ(archive_write_data(tar.get(), m.data.data(), m.data.size()), static_cast<la_ssize_t>(m.data.size()));
    }
  }
  ASSERT_EQ(archive_write_close(tar.get()), ARCHIVE_OK);
}

Member& Find(std::vector<Member>& members, const std::string& name) {
  for (Member& m : members) {
    if (m.name == name) return m;
  }
  throw std::runtime_error("no member " + name);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

std::string Describe(const PackageVerification& v) {
  std::string text;
  for (const std::string& p : v.problems) text += "  " + p + "\n";
  return text;
}

bool Mentions(const PackageVerification& v, const std::string& words) {
  for (const std::string& p : v.problems) {
    if (p.find(words) != std::string::npos) return true;
  }
  return false;
}

class LegalPackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string folder = (fs::temp_directory_path() / "va-legal.XXXXXX").string();
    ASSERT_NE(mkdtemp(folder.data()), nullptr);
    dir_ = folder;
    const std::string pem = NewPrivateKeyPem();
    ASSERT_FALSE(pem.empty());
    signer_ = std::make_unique<AuditSigner>(AuditSigner::FromPrivateKeyPem(pem));
    fs::create_directories(dir_ / "src");
    files_ = {{"dicom/1.2.3.1.dcm", std::string(128, '\0') + "DICM" + std::string(700, 'a')},
              {"dicom/1.2.3.2.dcm", std::string(128, '\0') + "DICM" + std::string(3000, 'b')},
              {"mp4/1.2.3.2.mp4", std::string("\0\0\0\x18"
                                              "ftypisom",
                                              12) +
                                      std::string(5000, 'c')}};
    package_ = dir_ / "study.tar";
    Write(package_, *signer_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const fs::path& out, const AuditSigner& signer) {
    LegalPackageWriter writer(out.string(), "1.2.3", signer);
    int i = 0;
    for (const auto& [name, bytes] : files_) {
      const fs::path source = dir_ / "src" / std::to_string(i++);
      WriteFile(source, bytes);
      writer.AddFile(name, source.string(), name.substr(0, name.find('/')));
    }
    writer.AddCustody({"2026-11-28T10:00:00Z", "ingest", "1.2.3.1", {{"sha256", std::string(64, 'e')}}});
    writer.AddCustody({"2026-11-28T10:05:00Z", "transcode", "1.2.3.2", {{"psnrY", "45.21"}, {"ssim", "0.991"}}});
    writer.AddCustody({"2026-11-28T11:00:00Z", "tier-move", "1.2.3.1", {{"tier", "cold"}}});
    // A value with a tab and a line end must not forge a field or a line.
    writer.AddCustody({"2026-11-28T12:00:00Z", "access", "1.2.3", {{"actor", "eve\tx\nfile\tforged"}}});
    writer.Finish();
  }

  std::string PublicKey() const { return signer_->PublicKeyPem(); }

  // Rewrites the package through edit, then verifies it with the right key.
  PackageVerification Tampered(const std::function<void(std::vector<Member>&)>& edit) {
    std::vector<Member> members = ReadTar(package_);
    edit(members);
    const fs::path tampered = dir_ / "tampered.tar";
    WriteTar(tampered, members);
    return VerifyLegalPackage(tampered.string(), PublicKey());
  }

  PackageVerification ManifestEdited(const std::function<void(std::vector<std::string>&)>& edit) {
    return Tampered([&](std::vector<Member>& members) {
      Member& manifest = Find(members, "manifest.txt");
      std::vector<std::string> lines = Lines(manifest.data);
      edit(lines);
      manifest.data = Join(lines);
    });
  }

  fs::path dir_;
  fs::path package_;
  std::unique_ptr<AuditSigner> signer_;
  std::vector<std::pair<std::string, std::string>> files_;
};

TEST_F(LegalPackageTest, IntactPackageVerifies) {
  EXPECT_FALSE(fs::exists(package_.string() + ".tmp"));
  const PackageVerification v = VerifyLegalPackage(package_.string(), PublicKey());
  EXPECT_TRUE(v.ok) << Describe(v);
  EXPECT_TRUE(v.keyTrusted);
  EXPECT_TRUE(v.notes.empty());
  EXPECT_EQ(v.files, 3);
  EXPECT_EQ(v.manifestLines, 1 + 3 + 4);
  EXPECT_EQ(v.keyId, signer_->KeyId());
  EXPECT_EQ(v.studyUid, "1.2.3");
  ASSERT_EQ(v.entries.size(), 3u);
  for (const PackageEntry& e : v.entries) EXPECT_TRUE(e.verified) << e.name;
  EXPECT_EQ(v.entries[2].name, "mp4/1.2.3.2.mp4");
  EXPECT_EQ(v.entries[2].role, "mp4");
  EXPECT_EQ(v.entries[2].size, files_[2].second.size());
  ASSERT_EQ(v.custody.size(), 4u);
  EXPECT_EQ(v.custody[1].details[0], std::make_pair(std::string("psnrY"), std::string("45.21")));
  EXPECT_EQ(v.custody[3].details[0].second, "eve\tx\nfile\tforged");
  // Tar members: the files in order, then the manifest, its signature and the key.
  const std::vector<Member> members = ReadTar(package_);
  ASSERT_EQ(members.size(), 6u);
  EXPECT_EQ(members[3].name, "manifest.txt");
  EXPECT_EQ(members[4].name, "manifest.sig");
  EXPECT_EQ(members[5].name, "public-key.pem");
  EXPECT_EQ(members[5].data, PublicKey());
}

TEST_F(LegalPackageTest, OwnKeyVerifiesButIsNotTrusted) {
  const PackageVerification v = VerifyLegalPackage(package_.string(), "");
  EXPECT_TRUE(v.ok) << Describe(v);
  EXPECT_FALSE(v.keyTrusted);
  ASSERT_EQ(v.notes.size(), 1u);
  EXPECT_NE(v.notes[0].find("not independently trusted"), std::string::npos);
}

TEST_F(LegalPackageTest, OneByteOfAFileChanged) {
  const PackageVerification v = Tampered([](std::vector<Member>& m) { Find(m, "dicom/1.2.3.2.dcm").data[130] ^= 1; });
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(Mentions(v, "file dicom/1.2.3.2.dcm: SHA-256 differs from the manifest")) << Describe(v);
  EXPECT_EQ(v.problems.size(), 1u) << Describe(v);
  EXPECT_FALSE(v.entries[1].verified);
  EXPECT_TRUE(v.entries[0].verified);
}

TEST_F(LegalPackageTest, FileLineAltered) {
  const PackageVerification v = ManifestEdited([](std::vector<std::string>& lines) {
    const size_t at = lines[2].find("\tdicom\t");
    lines[2].replace(at, 7, "\tother\t");
  });
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(Mentions(v, "manifest line 3 (file dicom/1.2.3.2.dcm other): altered")) << Describe(v);
  EXPECT_EQ(v.problems.size(), 1u) << Describe(v);
  for (const PackageEntry& e : v.entries) EXPECT_FALSE(e.verified) << "nothing is verified under a forged manifest";
}

TEST_F(LegalPackageTest, CustodyLineAltered) {
  const PackageVerification v = ManifestEdited([](std::vector<std::string>& lines) {
    const size_t at = lines[5].find("45.21");
    ASSERT_NE(at, std::string::npos);
    lines[5].replace(at, 5, "48.00");
  });
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(Mentions(v, "manifest line 6 (custody 2026-11-28T10:05:00Z transcode): altered")) << Describe(v);
  EXPECT_EQ(v.problems.size(), 1u) << Describe(v);
}

TEST_F(LegalPackageTest, LineRemoved) {
  const PackageVerification v = ManifestEdited([](std::vector<std::string>& lines) { lines.erase(lines.begin() + 6); });
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(Mentions(v, "manifest: 7 lines but the signature covers 8")) << Describe(v);
  EXPECT_TRUE(Mentions(v, "manifest line 7 as signed: missing (removed)")) << Describe(v);
  EXPECT_EQ(v.problems.size(), 2u) << Describe(v);
}

TEST_F(LegalPackageTest, LineAdded) {
  const PackageVerification v = ManifestEdited([](std::vector<std::string>& lines) {
    lines.insert(lines.begin() + 4, "custody\t2026-11-28T10:01:00Z\taccess\t1.2.3\tactor=mallory");
  });
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(Mentions(v, "manifest line 5 (custody 2026-11-28T10:01:00Z access): added")) << Describe(v);
  EXPECT_EQ(v.problems.size(), 2u) << Describe(v);
}

TEST_F(LegalPackageTest, LinesReordered) {
  const PackageVerification v = ManifestEdited([](std::vector<std::string>& lines) { std::swap(lines[4], lines[5]); });
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(Mentions(v, "manifest line 5 (custody 2026-11-28T10:05:00Z transcode): out of the signed order"))
      << Describe(v);
}

TEST_F(LegalPackageTest, FileAddedOrRemoved) {
  PackageVerification v =
      Tampered([](std::vector<Member>& m) { m.insert(m.begin() + 1, Member("extra.txt", "hello")); });
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(Mentions(v, "file extra.txt: not in the manifest")) << Describe(v);
  EXPECT_EQ(v.problems.size(), 1u) << Describe(v);

  v = Tampered([](std::vector<Member>& m) { m.erase(m.begin()); });
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(Mentions(v, "file dicom/1.2.3.1.dcm: missing")) << Describe(v);
  EXPECT_EQ(v.problems.size(), 1u) << Describe(v);
}

TEST_F(LegalPackageTest, SignatureBytesChanged) {
  const PackageVerification v = Tampered([](std::vector<Member>& m) {
    std::string& sig = Find(m, "manifest.sig").data;
    const size_t at = sig.rfind("signature\t") + 12;
    sig[at] = sig[at] == 'A' ? 'B' : 'A';
  });
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(Mentions(v, "signature: invalid for the given public key")) << Describe(v);
}

TEST_F(LegalPackageTest, SignedLineHashChanged) {
  const PackageVerification v = Tampered([](std::vector<Member>& m) {
    std::string& sig = Find(m, "manifest.sig").data;
    std::vector<std::string> lines = Lines(sig);
    lines[5][0] = lines[5][0] == '0' ? '1' : '0';
    sig = Join(lines);
  });
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(Mentions(v, "signature: invalid")) << Describe(v);
}

TEST_F(LegalPackageTest, DifferentKey) {
  const AuditSigner other = AuditSigner::FromPrivateKeyPem(NewPrivateKeyPem());
  PackageVerification v = VerifyLegalPackage(package_.string(), other.PublicKeyPem());
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(Mentions(v, "package public key differs from the trusted key")) << Describe(v);
  EXPECT_TRUE(Mentions(v, "signature: invalid for the given public key")) << Describe(v);

  // A forger re-signs the whole package with its own key: self-consistent, but not with the trusted key.
  const fs::path forged = dir_ / "forged.tar";
  Write(forged, other);
  v = VerifyLegalPackage(forged.string(), "");
  EXPECT_TRUE(v.ok) << Describe(v);
  EXPECT_FALSE(v.keyTrusted);
  v = VerifyLegalPackage(forged.string(), PublicKey());
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(Mentions(v, "package public key differs from the trusted key")) << Describe(v);

  v = VerifyLegalPackage(package_.string(), "not a key");
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(Mentions(v, "trusted key: not a PEM Ed25519 public key")) << Describe(v);
}

TEST_F(LegalPackageTest, TruncatedTar) {
  const std::string bytes = ReadFile(package_);
  for (size_t keep : {size_t{0}, size_t{100}, size_t{512 + 300}, bytes.size() / 2, bytes.size() - 10240}) {
    const fs::path cut = dir_ / "cut.tar";
    WriteFile(cut, bytes.substr(0, keep));
    const PackageVerification v = VerifyLegalPackage(cut.string(), PublicKey());
    EXPECT_FALSE(v.ok) << keep;
    EXPECT_FALSE(v.problems.empty()) << keep;
    if (keep == bytes.size() / 2) {
      EXPECT_TRUE(Mentions(v, "tar: truncated or damaged")) << Describe(v);
      EXPECT_TRUE(Mentions(v, "manifest.txt: missing")) << Describe(v);
    }
  }
}

TEST_F(LegalPackageTest, HostileEntriesAreRefused) {
  const fs::path out = dir_ / "out";
  const auto hostile = [&](Member member) {
    std::vector<Member> m = ReadTar(package_);
    m.insert(m.begin(), std::move(member));
    const fs::path tar = dir_ / "hostile.tar";
    WriteTar(tar, m);
    return VerifyLegalPackage(tar.string(), PublicKey(), out.string());
  };
  PackageVerification v = hostile(Member("../escaped.txt", "owned"));
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(Mentions(v, "tar entry 1 '../escaped.txt': refused")) << Describe(v);
  EXPECT_FALSE(fs::exists(dir_ / "escaped.txt"));

  v = hostile(Member("dicom/../../escaped2.txt", "owned"));
  EXPECT_TRUE(Mentions(v, "refused")) << Describe(v);
  EXPECT_FALSE(fs::exists(dir_ / "escaped2.txt"));

  v = hostile(Member(dir_.string() + "/absolute.txt", "owned"));
  EXPECT_TRUE(Mentions(v, "absolute paths are refused")) << Describe(v);
  EXPECT_FALSE(fs::exists(dir_ / "absolute.txt"));

  v = hostile(Member("link", "", AE_IFLNK, dir_.string()));
  EXPECT_TRUE(Mentions(v, "tar entry 1 'link': refused, a symbolic link")) << Describe(v);
  EXPECT_FALSE(fs::exists(out / "link"));
  EXPECT_FALSE(fs::is_symlink(out / "link"));
}

TEST_F(LegalPackageTest, ExtractsVerifiedFiles) {
  const fs::path out = dir_ / "out";
  const PackageVerification v = VerifyLegalPackage(package_.string(), PublicKey(), out.string());
  EXPECT_TRUE(v.ok) << Describe(v);
  for (const auto& [name, bytes] : files_) EXPECT_EQ(ReadFile(out / name), bytes) << name;
  size_t count = 0;
  for (const auto& item : fs::recursive_directory_iterator(out)) count += item.is_regular_file() ? 1 : 0;
  EXPECT_EQ(count, 3u) << "no temporary file left behind, no manifest extracted";

  // Extracting again never replaces a file.
  const PackageVerification again = VerifyLegalPackage(package_.string(), PublicKey(), out.string());
  EXPECT_FALSE(again.ok);
  EXPECT_TRUE(Mentions(again, "already exists")) << Describe(again);
}

TEST_F(LegalPackageTest, TamperedFileIsNotExtracted) {
  std::vector<Member> m = ReadTar(package_);
  Find(m, "mp4/1.2.3.2.mp4").data[20] ^= 0x40;
  const fs::path tar = dir_ / "bad.tar";
  WriteTar(tar, m);
  const fs::path out = dir_ / "out";
  const PackageVerification v = VerifyLegalPackage(tar.string(), PublicKey(), out.string());
  EXPECT_TRUE(Mentions(v, "file mp4/1.2.3.2.mp4: SHA-256 differs")) << Describe(v);
  EXPECT_TRUE(fs::exists(out / "dicom/1.2.3.1.dcm"));
  EXPECT_FALSE(fs::exists(out / "mp4/1.2.3.2.mp4"));
  EXPECT_TRUE(fs::is_empty(out / "mp4"));
}

TEST_F(LegalPackageTest, ExtractionFollowsNoPlantedLink) {
  const fs::path out = dir_ / "out";
  const fs::path elsewhere = dir_ / "elsewhere";
  fs::create_directories(out);
  fs::create_directories(elsewhere);
  fs::create_directory_symlink(elsewhere, out / "dicom");
  const PackageVerification v = VerifyLegalPackage(package_.string(), PublicKey(), out.string());
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(Mentions(v, "file dicom/1.2.3.1.dcm: not handed out")) << Describe(v);
  EXPECT_TRUE(fs::is_empty(elsewhere));
  EXPECT_TRUE(fs::exists(out / "mp4/1.2.3.2.mp4"));
}

TEST_F(LegalPackageTest, StreamsToASink) {
  struct Collect : PackageFileSink {
    std::vector<std::string> names;
    std::vector<std::string> bytes;
    std::vector<bool> verdicts;
    void Begin(const PackageEntry& e) override {
      names.push_back(e.name);
      bytes.emplace_back();
    }
    void Write(const char* data, size_t size) override { bytes.back().append(data, size); }
    void End(bool verified) override { verdicts.push_back(verified); }
  } sink;
  const PackageVerification v = VerifyLegalPackage(package_.string(), PublicKey(), &sink);
  EXPECT_TRUE(v.ok) << Describe(v);
  ASSERT_EQ(sink.names.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(sink.names[i], files_[i].first);
    EXPECT_EQ(sink.bytes[i], files_[i].second);
    EXPECT_TRUE(sink.verdicts[i]);
  }

  // Under a forged manifest nothing is handed out.
  Collect none;
  std::vector<Member> m = ReadTar(package_);
  Find(m, "manifest.txt").data += "custody\tx\taccess\ty\n";
  WriteTar(dir_ / "forged.tar", m);
  EXPECT_FALSE(VerifyLegalPackage((dir_ / "forged.tar").string(), PublicKey(), &none).ok);
  EXPECT_TRUE(none.names.empty());
}

TEST_F(LegalPackageTest, WriterRefusesBadNamesAndCleansUp) {
  const fs::path out = dir_ / "refused.tar";
  const fs::path source = dir_ / "src" / "0";
  {
    LegalPackageWriter writer(out.string(), "1.2.3", *signer_);
    for (const char* bad : {"../x", "/etc/passwd", "a//b", "a/./b", "", "manifest.txt", "tab\there", "a\\b"})
      EXPECT_THROW(writer.AddFile(bad, source.string(), "dicom"), LegalPackageError) << bad;
    EXPECT_THROW(writer.AddFile("ok", source.string(), "bad role"), LegalPackageError);
    EXPECT_THROW(writer.AddFile("ok", (dir_ / "src").string(), "dicom"), LegalPackageError);  // a folder
    writer.AddFile("ok", source.string(), "dicom");
    EXPECT_THROW(writer.AddFile("ok", source.string(), "dicom"), LegalPackageError);  // twice
    EXPECT_THROW(writer.AddCustody({"", "ingest", "x", {}}), LegalPackageError);
    EXPECT_THROW(writer.AddCustody({"t", "in gest", "x", {}}), LegalPackageError);
    EXPECT_THROW(writer.AddCustody({"t", "ingest", "x", {{"a=b", "c"}}}), LegalPackageError);
    EXPECT_TRUE(fs::exists(out.string() + ".tmp"));
  }  // no Finish()
  EXPECT_FALSE(fs::exists(out.string() + ".tmp"));
  EXPECT_FALSE(fs::exists(out));
}

TEST(LegalManifestParser, GarbageIsReportedNotThrown) {
  for (const std::string& text :
       {std::string(), std::string("x"), std::string("\n\n"), std::string("va-legal-package\t2\ta\tb\tc\td\n"),
        std::string("va-legal-package\t1\t1.2\tt\ts\tk\nfile\t../a\tdicom\t1\t") + std::string(64, 'a') + "\n",
        std::string("va-legal-package\t1\t1.2\tt\ts\tk\nfile\ta\tdicom\t01\t") + std::string(64, 'a') + "\n",
        std::string("va-legal-package\t1\t1.2\tt\ts\tk\ncustody\tt\tkind\tsub\tnokey\n"),
        std::string("va-legal-package\t1\t1.2\tt\ts\tk\ncustody\tt\tkind\tsub\tk=\\q\n"),
        std::string("va-legal-package\t1\t1.2\tt\ts\tk\nwhat\n"), std::string("\xff\xfe\n")}) {
    const ParsedManifest m = ParseLegalManifest(text);
    EXPECT_FALSE(m.problems.empty()) << text;
  }
  const ParsedManifest good =
      ParseLegalManifest("va-legal-package\t1\t1.2\t2026\tsw\tk\ncustody\tt\tkind\tsub\\tject\tnote=a\\x01b=c\\\\\n");
  EXPECT_TRUE(good.problems.empty()) << good.problems[0];
  ASSERT_EQ(good.custody.size(), 1u);
  EXPECT_EQ(good.custody[0].subject, "sub\tject");
  EXPECT_EQ(good.custody[0].details[0].second,
            "a\x01"
            "b=c\\");

  EXPECT_THROW(ParseLegalManifestSignature(""), LegalPackageError);
  EXPECT_THROW(ParseLegalManifestSignature("va-legal-package-signature\t1\nkey\tk\nlines\t2\n"), LegalPackageError);
  try {
    ParseLegalManifestSignature("va-legal-package-signature\t1\nkey\tk\nlines\t1\nxyz\nsignature\tAA==\n");
    FAIL();
  } catch (const LegalPackageError& e) {
    EXPECT_NE(std::string(e.what()).find("manifest.sig line 4"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace va::archive
