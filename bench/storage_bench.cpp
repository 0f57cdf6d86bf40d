// storage_bench: the object store's storage figures against plain anchors (bench/storage.sh runs it; see there).
// One measurement per invocation, so that each figure's peak RSS (getrusage ru_maxrss) is its own process's.
// Prints "key=value" lines on stdout; problems go to stderr with a non-zero exit status.
//
//   init         --dir D [--bucket B]                  key file (0600) in D; creates bucket B on VA_S3_*
//   write-plain  --dir D --input F --name N            anchor: F's bytes from memory to D/plain/N, 1 MiB writes,
//                                                      fsync, rename, fsync of the folder
//   write-store  --dir D --input F --id ID             ObjectStore::Create of F's bytes (folder tier "hot")
//   write-stages --input F                             the CPU stages timed one by one (no I/O)
//   read-plain   --dir D --name N [--passes 2]         pread of D/plain/N in --piece-mib pieces (--reopen 1: a new
//                                                      descriptor per piece, as the folder tier does)
//   read-store   --dir D --id ID [--passes 2]          ObjectStore::ReadAt of the object in --piece-mib pieces
//   create-many  --dir D --input F --prefix P --count C --object-mib M   C objects P0..P(C-1), slices of F
//   put-anchor   --dir D --bucket B --prefix P --count C   anchor: S3Client::Put of their stored bytes, read from
//                                                      the folder tier; then (timed apart) GetRange + SHA-256 of
//                                                      them all, as the migration's verification reads them
//   migrate      --dir D --bucket B                    ObjectStore::Migrate with every object wanted in S3 only
//   ttfb-store   --dir D --bucket B --id ID            ObjectStore::ReadAt of --range-kib at --reads random offsets
//   ttfb-anchor  --bucket B --id ID                    S3Client::GetRange of the same stored ranges, and of the
//                                                      whole chunks those ranges touch
// Common: --drop-caches 1 (sync + drop the page cache before the timed part; needs root), --piece-mib [8],
// --seed [1], --reads [50], --range-kib [64].
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "va/archive/Envelope.h"
#include "va/archive/KeyRing.h"
#include "va/archive/ObjectStore.h"
#include "va/archive/S3Client.h"
#include "va/archive/Sha256.h"
#include "va/archive/SqlDatabase.h"
#include "va/archive/Tier.h"

namespace {

using va::archive::ObjectStore;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kMiB = 1ULL << 20;
constexpr size_t kPlainWritePiece = 1U << 20;  // the folder tier's write buffer

class Args {
 public:
  Args(int argc, char** argv) {
    for (int i = 2; i + 1 < argc; i += 2) {
      const std::string name = argv[i];
      if (name.rfind("--", 0) != 0) throw std::invalid_argument("expected --option value, got '" + name + "'");
      values_[name.substr(2)] = argv[i + 1];
    }
  }
  std::string Text(const std::string& name) const {
    const auto it = values_.find(name);
    if (it == values_.end() || it->second.empty()) throw std::invalid_argument("missing --" + name);
    return it->second;
  }
  std::string Text(const std::string& name, const std::string& fallback) const {
    const auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }
  uint64_t Number(const std::string& name, uint64_t fallback) const {
    const auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    size_t used = 0;
    const uint64_t value = std::stoull(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("--" + name + " wants a number");
    return value;
  }

 private:
  std::map<std::string, std::string> values_;
};

// Closes a descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Close() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw std::runtime_error(std::string("close: ") + std::strerror(errno));
  }

 private:
  int fd_;
};

[[noreturn]] void Fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int64_t Now() {
  return static_cast<int64_t>(std::time(nullptr));
}

template <typename T>
void Emit(const std::string& key, const T& value) {
  std::cout << key << '=' << value << '\n';
}

void EmitRate(const std::string& prefix, uint64_t bytes, double seconds) {
  Emit(prefix + "bytes", bytes);
  Emit(prefix + "seconds", seconds);
  Emit(prefix + "mbps", static_cast<double>(bytes) / 1e6 / seconds);
}

// Peak RSS of this process so far, in KiB (Linux reports ru_maxrss in KiB).
void EmitPeakRss() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) Fail("getrusage");
  Emit("maxrss_kib", usage.ru_maxrss);
}

// Writes dirty pages back and drops the page cache, so the timed part reads from the disk.
void DropCaches(const Args& args) {
  if (args.Number("drop-caches", 0) == 0) return;
  ::sync();
  Fd fd(::open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC));
  if (fd.get() < 0) Fail("cannot open /proc/sys/vm/drop_caches (run as root)");
  if (::write(fd.get(), "3\n", 2) != 2) Fail("cannot drop the page cache");
}

std::vector<uint8_t> ReadWholeFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) Fail("cannot open " + path);
  std::vector<uint8_t> bytes(std::filesystem::file_size(path));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) Fail("cannot read " + path);
    done += static_cast<size_t>(n);
  }
  return bytes;
}

void WriteAll(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Fail("write");
    data += n;
    size -= static_cast<size_t>(n);
  }
}

void FsyncFolder(const std::filesystem::path& folder) {
  Fd fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) Fail("cannot flush the folder " + folder.string());
}

va::archive::S3Settings S3FromEnvironment(const Args& args) {
  auto env = [](const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0')
      throw std::invalid_argument(std::string(name) + " is not set (bench/storage.sh starts Ceph and sets it)");
    return std::string(value);
  };
  va::archive::S3Settings s3;
  s3.endpoint = env("VA_S3_ENDPOINT");
  s3.accessKey = env("VA_S3_ACCESS_KEY");
  s3.secretKey = env("VA_S3_SECRET_KEY");
  const char* region = std::getenv("VA_S3_REGION");
  if (region != nullptr && *region != '\0') s3.region = region;
  s3.bucket = args.Text("bucket");
  s3.prefix = "objects/";
  return s3;
}

// The store as the plugin opens it: SQLite catalog, folder tier "hot", the key file; with S3, an S3 tier "cold"
// after it, and with allCold a rule that wants every object in "cold" only.
std::unique_ptr<ObjectStore> OpenStore(const Args& args, bool withS3, bool allCold) {
  const std::filesystem::path dir = args.Text("dir");
  std::vector<std::shared_ptr<va::archive::Tier>> tiers;
  tiers.emplace_back(va::archive::OpenFolderTier({"hot", "folder", "DE"}, (dir / "hot").string()));
  if (withS3) tiers.emplace_back(va::archive::OpenS3Tier({"cold", "s3", "DE"}, S3FromEnvironment(args)));
  auto keys = std::make_shared<const va::archive::KeyRing>(va::archive::KeyRing::FromFile((dir / "keys").string()));
  va::archive::StoreSettings settings;
  settings.hotTier = "hot";
  if (allCold) {
    va::archive::PlacementRule rule;
    rule.name = "all-cold";
    rule.tiers = {"cold"};
    settings.rules = {rule};
  }
  return std::make_unique<ObjectStore>(va::archive::OpenSqlDatabase("SQLite", (dir / "catalog.sqlite").string()),
                                       std::move(tiers), std::move(keys), settings);
}

void Init(const Args& args) {
  const std::filesystem::path dir = args.Text("dir");
  std::filesystem::create_directories(dir);
  const std::string key = va::archive::NewDataKey();
  const std::string line = "bench " + va::archive::Sha256::Hex(key) + "\n";
  Fd fd(::open((dir / "keys").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) Fail("cannot create the key file in " + dir.string());
  WriteAll(fd.get(), reinterpret_cast<const uint8_t*>(line.data()), line.size());
  fd.Close();
  if (args.Text("bucket", "").empty()) return;
  va::archive::S3Client s3(S3FromEnvironment(args));
  s3.CreateBucket();
  // radosgw creates its data pools on the first writes: a multipart upload (two parts) and its deletion, so that no
  // timed upload pays for that.
  const uint64_t size = s3.Settings().partSize + kMiB;
  const std::vector<uint8_t> zeros(static_cast<size_t>(size));
  uint64_t offset = 0;
  s3.Put("warm-up",
         [&](uint8_t* buffer, size_t length) -> size_t {
           const size_t n = static_cast<size_t>(std::min<uint64_t>(length, size - offset));
           std::copy_n(zeros.data() + offset, n, buffer);
           offset += n;
           return n;
         },
         size, {});
  s3.Delete("warm-up");
}

void WritePlain(const Args& args) {
  const std::vector<uint8_t> data = ReadWholeFile(args.Text("input"));
  const std::filesystem::path folder = std::filesystem::path(args.Text("dir")) / "plain";
  const std::filesystem::path path = folder / args.Text("name");
  const std::filesystem::path temporary = path.string() + ".tmp";
  DropCaches(args);
  const auto start = Clock::now();
  std::filesystem::create_directories(folder);
  Fd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) Fail("cannot create " + temporary.string());
  for (size_t at = 0; at < data.size(); at += kPlainWritePiece)
    WriteAll(fd.get(), data.data() + at, std::min(kPlainWritePiece, data.size() - at));
  Emit("write_seconds", SecondsSince(start));
  if (::fsync(fd.get()) != 0) Fail("fsync");
  fd.Close();
  if (::rename(temporary.c_str(), path.c_str()) != 0) Fail("rename");
  FsyncFolder(folder);
  EmitRate("", data.size(), SecondsSince(start));
  Emit("buffer_kib", data.size() / 1024);
  EmitPeakRss();
}

void WriteStore(const Args& args) {
  const std::vector<uint8_t> data = ReadWholeFile(args.Text("input"));
  const auto store = OpenStore(args, false, false);
  DropCaches(args);
  const auto start = Clock::now();
  store->Create(args.Text("id"), 1, data.data(), data.size(), {}, Now());
  EmitRate("", data.size(), SecondsSince(start));
  Emit("buffer_kib", data.size() / 1024);
  EmitPeakRss();
}

// Reads [0, size) through read(offset, buffer, length) in pieces, --passes times: pass 1 after dropping the page
// cache (cold when --drop-caches 1), later passes warm.
template <typename ReadFn>
void ReadPasses(const Args& args, uint64_t size, const ReadFn& read) {
  std::vector<uint8_t> buffer(args.Number("piece-mib", 8) * kMiB);
  const uint64_t passes = args.Number("passes", 2);
  DropCaches(args);
  uint64_t checksum = 0;  // the bytes are used, so no read can be skipped
  for (uint64_t pass = 1; pass <= passes; ++pass) {
    const auto start = Clock::now();
    uint64_t offset = 0;
    while (offset < size) {
      const size_t got =
          read(offset, buffer.data(), static_cast<size_t>(std::min<uint64_t>(buffer.size(), size - offset)));
      if (got == 0) throw std::runtime_error("short read at offset " + std::to_string(offset));
      checksum += buffer[0] + buffer[got - 1];
      offset += got;
    }
    EmitRate("pass" + std::to_string(pass) + "_", size, SecondsSince(start));
  }
  Emit("checksum", checksum);
  EmitPeakRss();
}

// Where Create's and ReadAt's time goes: their CPU stages one by one on the same bytes, one thread, no I/O.
// Create does, per object: SHA-256 of the plain bytes, AES-256-GCM of each chunk (a new string per chunk), SHA-256
// of the stored bytes, a copy into the tier's 1 MiB write buffer; then the tier writes and fsyncs (the anchor).
void WriteStages(const Args& args) {
  const std::vector<uint8_t> data = ReadWholeFile(args.Text("input"));
  const uint32_t chunk = va::archive::kDefaultChunkSize;
  auto start = Clock::now();
  {
    va::archive::Sha256 hash;
    hash.Update(data.data(), data.size());
    Emit("sha256_digest", hash.HexDigest().substr(0, 8));
  }
  Emit("sha256_seconds", SecondsSince(start));
  const std::string key = va::archive::NewDataKey();
  const va::archive::EnvelopeEncryptor encryptor(key, data.size(), chunk);
  uint64_t sink = 0;
  start = Clock::now();
  for (uint64_t i = 0; i * chunk < data.size(); ++i) {
    const size_t length = static_cast<size_t>(std::min<uint64_t>(chunk, data.size() - i * chunk));
    const std::string sealed = encryptor.EncryptChunk(i, data.data() + i * chunk, length);
    sink += static_cast<uint8_t>(sealed.back());
  }
  Emit("encrypt_seconds", SecondsSince(start));
  // Decryption as ReadAt does it (a new string per chunk), timed alone over chunks sealed beforehand (kept alive,
  // as ReadAt keeps its stored range while it decrypts).
  std::vector<std::string> sealed;
  for (uint64_t i = 0; i * chunk < data.size(); ++i) {
    const size_t length = static_cast<size_t>(std::min<uint64_t>(chunk, data.size() - i * chunk));
    sealed.push_back(encryptor.EncryptChunk(i, data.data() + i * chunk, length));
  }
  const va::archive::EnvelopeDecryptor decryptor(key, encryptor.HeaderBytes());
  start = Clock::now();
  for (uint64_t i = 0; i < sealed.size(); ++i) {
    const std::string plain =
        decryptor.DecryptChunk(i, reinterpret_cast<const uint8_t*>(sealed[i].data()), sealed[i].size());
    sink += static_cast<uint8_t>(plain.back());
  }
  const double decryptSeconds = SecondsSince(start);
  Emit("decrypt_seconds", decryptSeconds);
  std::vector<uint8_t> buffer(chunk);
  start = Clock::now();
  for (size_t at = 0; at < data.size(); at += chunk) {
    const size_t n = std::min<size_t>(chunk, data.size() - at);
    std::copy_n(data.data() + at, n, buffer.data());
    sink += buffer[n - 1];
  }
  Emit("copy_seconds", SecondsSince(start));
  Emit("sink", sink);
  Emit("bytes", data.size());
}

void ReadPlain(const Args& args) {
  const std::filesystem::path path = std::filesystem::path(args.Text("dir")) / "plain" / args.Text("name");
  // --reopen 1: a new descriptor for every piece, as the folder tier opens the file on every ReadAt (the kernel's
  // readahead state lives in the open file, so each piece starts without it).
  const bool reopen = args.Number("reopen", 0) != 0;
  std::unique_ptr<Fd> held = std::make_unique<Fd>(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (held->get() < 0) Fail("cannot open " + path.string());
  ReadPasses(args, std::filesystem::file_size(path), [&](uint64_t offset, uint8_t* buffer, size_t length) {
    if (reopen) {
      held = std::make_unique<Fd>(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      if (held->get() < 0) Fail("cannot open " + path.string());
    }
    const Fd& fd = *held;
    size_t done = 0;
    while (done < length) {
      const ssize_t n = ::pread(fd.get(), buffer + done, length - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) Fail("pread");
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  });
}

void ReadStore(const Args& args) {
  const auto store = OpenStore(args, false, false);
  const std::string id = args.Text("id");
  ReadPasses(args, store->Size(id), [&](uint64_t offset, uint8_t* buffer, size_t length) {
    return store->ReadAt(id, offset, buffer, length, Now());
  });
}

void CreateMany(const Args& args) {
  const std::vector<uint8_t> data = ReadWholeFile(args.Text("input"));
  const size_t objectSize = args.Number("object-mib", 64) * kMiB;
  if (data.size() < objectSize) throw std::invalid_argument("the input is smaller than one object");
  const auto store = OpenStore(args, false, false);
  const uint64_t count = args.Number("count", 8);
  for (uint64_t i = 0; i < count; ++i) {
    const size_t from = (i * objectSize) % (data.size() - objectSize + 1);
    store->Create(args.Text("prefix") + std::to_string(i), 1, data.data() + from, objectSize, {}, Now());
  }
  Emit("created", count);
}

void PutAnchor(const Args& args) {
  const auto store = OpenStore(args, false, false);
  const auto folder =
      va::archive::OpenFolderTier({"hot", "folder", "DE"}, (std::filesystem::path(args.Text("dir")) / "hot").string());
  va::archive::S3Client s3(S3FromEnvironment(args));
  const uint64_t count = args.Number("count", 8);
  std::vector<va::archive::ObjectState> objects;
  for (uint64_t i = 0; i < count; ++i) {
    const std::string id = args.Text("prefix") + std::to_string(i);
    auto state = store->State(id, Now());
    if (!state) throw std::runtime_error("no object " + id);
    objects.push_back(std::move(*state));
  }
  DropCaches(args);
  auto start = Clock::now();
  uint64_t bytes = 0;
  for (const auto& object : objects) {
    uint64_t offset = 0;
    va::archive::S3PutOptions options;
    options.sha256Hex = object.storedSha256;
    // Pieces as the migration's reader takes them (at most 8 MiB from the source per call).
    s3.Put(
        "anchor-" + object.id,
        [&](uint8_t* buffer, size_t length) -> size_t {
          if (offset >= object.storedSize) return 0;
          const size_t want = static_cast<size_t>(std::min<uint64_t>({length, 8 * kMiB, object.storedSize - offset}));
          const size_t got = folder->ReadAt(object.id, offset, buffer, want);
          offset += got;
          return got;
        },
        object.storedSize, options);
    bytes += object.storedSize;
  }
  EmitRate("", bytes, SecondsSince(start));
  // What the migration's verification adds: reading every uploaded object back in 8 MiB ranges and hashing it.
  std::vector<uint8_t> buffer(8 * kMiB);
  start = Clock::now();
  for (const auto& object : objects) {
    va::archive::Sha256 hash;
    for (uint64_t offset = 0; offset < object.storedSize;) {
      const size_t got = s3.GetRange("anchor-" + object.id, offset, buffer.data(), buffer.size());
      if (got == 0) throw std::runtime_error("anchor-" + object.id + " is short");
      hash.Update(buffer.data(), got);
      offset += got;
    }
    if (hash.HexDigest() != object.storedSha256) throw std::runtime_error("anchor-" + object.id + " differs");
  }
  EmitRate("verify_", bytes, SecondsSince(start));
  EmitPeakRss();
  for (const auto& object : objects) s3.Delete("anchor-" + object.id);
}

void Migrate(const Args& args) {
  const auto store = OpenStore(args, true, true);
  DropCaches(args);
  const auto start = Clock::now();
  const va::archive::RunReport report = store->Migrate(Now(), nullptr);
  const double seconds = SecondsSince(start);
  for (const auto& error : report.errors) std::cerr << "migration: " << error << '\n';
  EmitRate("", static_cast<uint64_t>(report.bytes), seconds);
  Emit("copied", report.copied);
  Emit("freed", report.freed);
  Emit("failed", report.failed);
  EmitPeakRss();
  if (report.failed != 0 || report.copied == 0) throw std::runtime_error("the migration did not copy everything");
}

// Random offsets of whole ranges inside [0, size), the same for every invocation with the same seed.
std::vector<uint64_t> RandomOffsets(const Args& args, uint64_t size, size_t length) {
  std::mt19937_64 random(args.Number("seed", 1));
  std::uniform_int_distribution<uint64_t> pick(0, size - length);
  std::vector<uint64_t> offsets(args.Number("reads", 50));
  for (auto& offset : offsets) offset = pick(random);
  return offsets;
}

void EmitLatencies(const std::string& prefix, std::vector<double> seconds) {
  std::sort(seconds.begin(), seconds.end());
  const auto at = [&](double q) {
    return seconds[std::min(seconds.size() - 1, static_cast<size_t>(q * static_cast<double>(seconds.size() - 1)))];
  };
  Emit(prefix + "median_ms", at(0.5) * 1e3);
  Emit(prefix + "p95_ms", at(0.95) * 1e3);
}

void TtfbStore(const Args& args) {
  const auto store = OpenStore(args, true, false);
  const std::string id = args.Text("id");
  const size_t length = args.Number("range-kib", 64) * 1024;
  std::vector<uint8_t> buffer(length);
  const auto state = store->State(id, Now());
  if (!state || state->copies.size() != 1 || state->copies.front().tier != "cold")
    throw std::runtime_error("object " + id + " is not in the S3 tier only");
  const auto offsets = RandomOffsets(args, state->size, length);
  // The first read of an object also fetches its header and unwraps its data key (then cached by the store).
  auto start = Clock::now();
  if (store->ReadAt(id, offsets.front(), buffer.data(), length, Now()) != length) throw std::runtime_error("short");
  Emit("first_ms", SecondsSince(start) * 1e3);
  std::vector<double> seconds;
  for (const uint64_t offset : offsets) {
    start = Clock::now();
    if (store->ReadAt(id, offset, buffer.data(), length, Now()) != length) throw std::runtime_error("short read");
    seconds.push_back(SecondsSince(start));
  }
  EmitLatencies("", seconds);
  EmitPeakRss();
}

void TtfbAnchor(const Args& args) {
  va::archive::S3Client s3(S3FromEnvironment(args));
  const std::string id = args.Text("id");
  const size_t length = args.Number("range-kib", 64) * 1024;
  std::string headerBytes(va::archive::kEnvelopeHeaderSize, '\0');
  if (s3.GetRange(id, 0, reinterpret_cast<uint8_t*>(headerBytes.data()), headerBytes.size()) != headerBytes.size())
    throw std::runtime_error("object " + id + " has no envelope header in the bucket");
  const auto header =
      va::archive::ParseEnvelopeHeader(reinterpret_cast<const uint8_t*>(headerBytes.data()), headerBytes.size());
  const auto offsets = RandomOffsets(args, header.plainSize, length);
  std::vector<uint8_t> buffer(2 * (header.chunkSize + va::archive::kEnvelopeTagSize) + length);
  std::vector<double> same, chunks;
  for (const uint64_t offset : offsets) {
    // The stored bytes of the same plain range: the chunk's ciphertext starts at its stored offset.
    const uint64_t first = offset / header.chunkSize;
    const uint64_t last = (offset + length - 1) / header.chunkSize;
    const uint64_t stored = va::archive::ChunkStoredOffset(header, first) + (offset - first * header.chunkSize);
    auto start = Clock::now();
    if (s3.GetRange(id, stored, buffer.data(), length) != length) throw std::runtime_error("short range");
    same.push_back(SecondsSince(start));
    // What the store has to fetch to authenticate that range: the whole chunks it touches.
    const uint64_t from = va::archive::ChunkStoredOffset(header, first);
    const uint64_t to = va::archive::ChunkStoredOffset(header, last) + va::archive::ChunkStoredSize(header, last);
    start = Clock::now();
    if (s3.GetRange(id, from, buffer.data(), to - from) != to - from) throw std::runtime_error("short chunks");
    chunks.push_back(SecondsSince(start));
  }
  EmitLatencies("", same);
  EmitLatencies("chunks_", chunks);
  EmitPeakRss();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: storage_bench MODE --option value ... (modes and options: see the top of storage_bench.cpp)\n";
    return 2;
  }
  const std::string mode = argv[1];
  try {
    std::cout.precision(6);
    const Args args(argc, argv);
    if (mode == "init") {
      Init(args);
    } else if (mode == "write-plain") {
      WritePlain(args);
    } else if (mode == "write-store") {
      WriteStore(args);
    } else if (mode == "write-stages") {
      WriteStages(args);
    } else if (mode == "read-plain") {
      ReadPlain(args);
    } else if (mode == "read-store") {
      ReadStore(args);
    } else if (mode == "create-many") {
      CreateMany(args);
    } else if (mode == "put-anchor") {
      PutAnchor(args);
    } else if (mode == "migrate") {
      Migrate(args);
    } else if (mode == "ttfb-store") {
      TtfbStore(args);
    } else if (mode == "ttfb-anchor") {
      TtfbAnchor(args);
    } else {
      std::cerr << "storage_bench: unknown mode '" << mode << "'\n";
      return 2;
    }
  } catch (const std::exception& e) {
    std::cerr << "storage_bench " << mode << ": " << e.what() << '\n';
    return 1;
  }
  return 0;
}
