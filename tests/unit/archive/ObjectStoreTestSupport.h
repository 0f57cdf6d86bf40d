// Shared by the object store tests: a scratch folder, SQLite catalog, folder tiers, a key ring and a tier double
// whose failures the test switches on and off.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "va/archive/KeyRing.h"
#include "va/archive/ObjectStore.h"
#include "va/archive/SqlDatabase.h"
#include "va/archive/Tier.h"

namespace va::archive::testing {

constexpr int64_t kDay = 86400;
constexpr int64_t kT0 = 1767225600;  // 2026-01-01

inline std::string Bytes(size_t size, uint32_t seed = 1) {
  std::mt19937 random(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(random());
  return out;
}

inline const char* kKey1 = "k1 0101010101010101010101010101010101010101010101010101010101010101\n";
inline const char* kKey2 = "k2 0202020202020202020202020202020202020202020202020202020202020202\n";

// Thrown by ControlledTier::Put after the write when crashAfterPut is set: stands for a kill -9 between the tier write
// and the catalog commit. Deliberately not a std::exception, so that no clean-up path of the store catches it.
struct SimulatedCrash {};

// Wraps a tier; each failure switch makes the matching call throw.
class ControlledTier : public Tier {
 public:
  explicit ControlledTier(std::shared_ptr<Tier> inner) : inner_(std::move(inner)) {}
  const TierInfo& Info() const override { return inner_->Info(); }
  void Put(const std::string& key, const ByteReader& source, uint64_t size, const PutOptions& options) override {
    ++puts;
    if (putFailure) throw TierError(*putFailure, "test double: put fails");
    lastRetainUntil = options.retainUntil;
    inner_->Put(key, source, size, options);
    if (afterPut) afterPut();
    if (crashAfterPut) throw SimulatedCrash{};
  }
  size_t ReadAt(const std::string& key, uint64_t offset, uint8_t* buffer, size_t length) override {
    if (unavailable) throw TierError(TierError::Kind::Unavailable, "test double: unreachable");
    ++reads;
    return inner_->ReadAt(key, offset, buffer, length);
  }
  std::optional<uint64_t> SizeOf(const std::string& key) override {
    if (unavailable) throw TierError(TierError::Kind::Unavailable, "test double: unreachable");
    return inner_->SizeOf(key);
  }
  void Remove(const std::string& key) override {
    if (removeRefused) throw TierError(TierError::Kind::Refused, "test double: object lock");
    inner_->Remove(key);
  }
  void ExtendRetention(const std::string& key, int64_t retainUntil) override {
    extendedTo = retainUntil;
    inner_->ExtendRetention(key, retainUntil);
  }

  std::optional<TierError::Kind> putFailure;
  std::atomic<bool> unavailable{false};
  bool removeRefused = false;
  bool crashAfterPut = false;
  std::function<void()> afterPut;  // runs once the bytes landed, before Put returns
  std::atomic<int> puts{0}, reads{0};
  int64_t lastRetainUntil = 0, extendedTo = 0;

 private:
  std::shared_ptr<Tier> inner_;
};

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("va-store-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    hot = std::make_shared<ControlledTier>(
        std::shared_ptr<Tier>(OpenFolderTier({"hot", "folder", "DE"}, (dir_ / "hot").string())));
    cold = std::make_shared<ControlledTier>(
        std::shared_ptr<Tier>(OpenFolderTier({"cold", "folder", "DE"}, (dir_ / "cold").string())));
    us = std::make_shared<ControlledTier>(
        std::shared_ptr<Tier>(OpenFolderTier({"cold-us", "folder", "US"}, (dir_ / "us").string())));
    keys = std::make_shared<KeyRing>(KeyRing::FromText(kKey1));
    settings.hotTier = "hot";
    settings.chunkSize = 4096;
    settings.retryBaseSeconds = 60;
    settings.retryMaxSeconds = 3600;
  }
  void TearDown() override {
    store.reset();
    std::filesystem::remove_all(dir_);
  }

  ObjectStore& Open() {
    store.reset();
    store = std::make_unique<ObjectStore>(OpenSqlDatabase("SQLite", (dir_ / "catalog.sqlite").string()),
                                          std::vector<std::shared_ptr<Tier>>{hot, cold, us}, keys, settings);
    return *store;
  }

  static ObjectFacts Facts(const std::string& sop, const std::string& study = "1.2.3",
                           const std::string& patient = "P1", const std::string& organisation = "") {
    ObjectFacts f;
    f.sopClassUid = "1.2.840.10008.5.1.4.1.1.77.1.1.1";
    f.sopInstanceUid = sop;
    f.seriesUid = study + ".1";
    f.studyUid = study;
    f.patientId = patient;
    f.organisation = organisation;
    f.copyKind = "original";
    return f;
  }

  void Put(const std::string& id, const std::string& data, const ObjectFacts& facts, int64_t now = kT0) {
    store->Create(id, 1, reinterpret_cast<const uint8_t*>(data.data()), data.size(), facts, now);
  }

  std::string Read(const std::string& id, uint64_t offset = 0, size_t length = SIZE_MAX, int64_t now = kT0) {
    const uint64_t size = store->Size(id);
    if (length == SIZE_MAX) length = static_cast<size_t>(size);
    std::string out(length, '\0');
    out.resize(store->ReadAt(id, offset, reinterpret_cast<uint8_t*>(out.data()), out.size(), now));
    return out;
  }

  std::vector<std::string> CopyStates(const std::string& id) {
    std::vector<std::string> out;
    const auto state = store->State(id, kT0);
    if (!state) return out;
    for (const auto& c : state->copies) out.push_back(c.tier + ":" + c.state);
    return out;
  }

  // The file a folder tier keeps an object in (the only regular file named after it).
  std::filesystem::path FileOf(const std::string& tierFolder, const std::string& key) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_ / tierFolder)) {
      if (entry.is_regular_file() && entry.path().filename() == key) return entry.path();
    }
    return {};
  }

  static std::string Slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  static bool HasEvent(ObjectStore& s, const std::string& id, const std::string& kind) {
    for (const auto& e : s.Events(id, 100)) {
      if (e.kind == kind) return true;
    }
    return false;
  }

  std::filesystem::path dir_;
  std::shared_ptr<ControlledTier> hot, cold, us;
  std::shared_ptr<KeyRing> keys;
  StoreSettings settings;
  std::unique_ptr<ObjectStore> store;
};

}  // namespace va::archive::testing
