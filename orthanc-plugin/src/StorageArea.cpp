#include "StorageArea.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <vector>

#include "CivilTime.h"
#include "OrthancApi.h"
#include "PluginState.h"
#include "va/archive/KeyRing.h"
#include "va/dicom/VideoInstance.h"

namespace va::plugin {

namespace {

OrthancPluginErrorCode g_unavailable = OrthancPluginErrorCode_Plugin;
OrthancPluginErrorCode g_refused = OrthancPluginErrorCode_Plugin;
OrthancPluginErrorCode g_corrupt = OrthancPluginErrorCode_Plugin;
OrthancPluginErrorCode g_full = OrthancPluginErrorCode_FullStorage;

// An attachment written by Orthanc's own storage before the archive took over: StorageDirectory/xx/yy/uuid.
std::filesystem::path LegacyPath(const StorageSettings& settings, const std::string& uuid) {
  if (settings.legacyStorageDirectory.empty() || uuid.size() < 4 || uuid.find('/') != std::string::npos ||
      uuid.find("..") != std::string::npos)
    return {};
  return std::filesystem::path(settings.legacyStorageDirectory) / uuid.substr(0, 2) / uuid.substr(2, 2) / uuid;
}

// YYYYMMDD -> unix seconds (0 when absent or malformed).
int64_t StudyDateSeconds(const std::string& date) {
  if (date.size() < 8) return 0;
  for (size_t i = 0; i < 8; ++i)
    if (date[i] < '0' || date[i] > '9') return 0;
  const CivilDate civil{std::stoi(date.substr(0, 4)), std::stoi(date.substr(4, 2)), std::stoi(date.substr(6, 2))};
  if (!IsValidDate(civil.year, civil.month, civil.day)) return 0;
  return DaysFromCivil(civil) * 86400;
}

archive::ObjectFacts FactsOf(const PluginState& state, const void* content, int64_t size,
                             OrthancPluginContentType type) {
  archive::ObjectFacts facts;
  facts.copyKind = "other";
  facts.organisation = state.config.storage.defaultOrganisation;
  if (type != OrthancPluginContentType_Dicom) return facts;
  try {
    const dicom::InstanceHeader h = dicom::PeekHeader(content, static_cast<size_t>(size));
    facts.sopClassUid = h.sopClassUid;
    facts.sopInstanceUid = h.sopInstanceUid;
    facts.seriesUid = h.seriesInstanceUid;
    facts.studyUid = h.studyInstanceUid;
    facts.patientId = h.patientId;
    facts.organisation = OrganisationOf(state.config.storage, h.institutionName);
    facts.studyDate = StudyDateSeconds(h.studyDate);
    facts.copyKind = state.catalog && state.catalog->IsDerived(h.sopInstanceUid) ? "archival" : "original";
  } catch (const std::exception& e) {
    // Orthanc accepted it as DICOM; keep it whatever our parser thinks, with the facts we lack left empty.
    LogWarning(std::string("storage: cannot read the header of a stored DICOM file: ") + e.what());
    facts.copyKind = "original";
  }
  return facts;
}

OrthancPluginErrorCode Fail(const std::string& what, const std::exception& e) {
  LogError("storage: " + what + ": " + e.what());
  if (const auto* s = dynamic_cast<const archive::StoreError*>(&e)) return StorageErrorCode(*s);
  return OrthancPluginErrorCode_StorageAreaPlugin;
}

bool HotTierHasRoom(const StorageSettings& settings, int64_t size) {
  for (const auto& t : settings.tiers) {
    if (t.info.name != settings.store.hotTier) continue;
    struct statvfs fs {};
    if (statvfs(t.path.c_str(), &fs) != 0) return true;  // the write itself will tell
    const auto freeBytes = static_cast<long double>(fs.f_bavail) * fs.f_frsize;
    return freeBytes >=
           static_cast<long double>(size) + static_cast<long double>(settings.minFreeMegabytes) * (1 << 20);
  }
  return true;
}

OrthancPluginErrorCode Create(const char* uuid, const void* content, int64_t size, OrthancPluginContentType type) {
  try {
    auto state = State();
    if (!state || !state->store) return OrthancPluginErrorCode_BadSequenceOfCalls;
    if (!HotTierHasRoom(state->config.storage, size)) {
      LogError("storage: refusing a new " + std::to_string(size) + "-byte attachment: the hot tier has less than " +
               std::to_string(state->config.storage.minFreeMegabytes) +
               " MB free (VideoArchive.Storage.MinFreeMegabytes); free space or add capacity");
      return g_full;
    }
    const archive::ObjectFacts facts = FactsOf(*state, content, size, type);
    state->store->Create(uuid, static_cast<int>(type), static_cast<const uint8_t*>(content), static_cast<size_t>(size),
                         facts, NowSeconds());
    return OrthancPluginErrorCode_Success;
  } catch (const archive::StoreError& e) {
    if (e.kind() == archive::StoreError::Kind::NoSpace) {
      LogError(std::string("storage: the hot tier is full, the new attachment was refused: ") + e.what());
      return g_full;
    }
    return Fail(std::string("cannot store attachment ") + uuid, e);
  } catch (const std::exception& e) {
    return Fail(std::string("cannot store attachment ") + uuid, e);
  }
}

// Reads [start, start + length) into data: from the object store, or from a legacy file.
void ReadInto(PluginState& state, const std::string& uuid, uint64_t start, uint8_t* data, uint64_t length) {
  try {
    uint64_t done = 0;
    while (done < length) {
      const size_t n =
          state.store->ReadAt(uuid, start + done, data + done, static_cast<size_t>(length - done), NowSeconds());
      if (n == 0)
        throw archive::StoreError(archive::StoreError::Kind::Io, "attachment " + uuid + " is shorter than asked");
      done += n;
    }
    return;
  } catch (const archive::StoreError& e) {
    if (e.kind() != archive::StoreError::Kind::NotFound) throw;
    const auto legacy = LegacyPath(state.config.storage, uuid);
    std::ifstream in(legacy, std::ios::binary);
    if (legacy.empty() || !in) throw;
    in.seekg(static_cast<std::streamoff>(start));
    in.read(reinterpret_cast<char*>(data), static_cast<std::streamsize>(length));
    if (static_cast<uint64_t>(in.gcount()) != length)
      throw archive::StoreError(archive::StoreError::Kind::Io, "legacy attachment " + legacy.string() + " is short");
  }
}

uint64_t SizeOf(PluginState& state, const std::string& uuid) {
  try {
    return state.store->Size(uuid);
  } catch (const archive::StoreError& e) {
    if (e.kind() != archive::StoreError::Kind::NotFound) throw;
    std::error_code error;
    const auto legacy = LegacyPath(state.config.storage, uuid);
    const auto size = legacy.empty() ? 0 : std::filesystem::file_size(legacy, error);
    if (legacy.empty() || error) throw;
    return size;
  }
}

OrthancPluginErrorCode ReadWhole(OrthancPluginMemoryBuffer64* target, const char* uuid, OrthancPluginContentType) {
  try {
    auto state = State();
    if (!state || !state->store) return OrthancPluginErrorCode_BadSequenceOfCalls;
    const uint64_t size = SizeOf(*state, uuid);
    if (OrthancPluginCreateMemoryBuffer64(Context(), target, size) != OrthancPluginErrorCode_Success)
      return OrthancPluginErrorCode_NotEnoughMemory;
    try {
      ReadInto(*state, uuid, 0, static_cast<uint8_t*>(target->data), size);
    } catch (...) {
      OrthancPluginFreeMemoryBuffer64(Context(), target);
      throw;
    }
    return OrthancPluginErrorCode_Success;
  } catch (const std::exception& e) {
    return Fail(std::string("cannot read attachment ") + uuid, e);
  }
}

OrthancPluginErrorCode ReadRange(OrthancPluginMemoryBuffer64* target, const char* uuid, OrthancPluginContentType,
                                 uint64_t rangeStart) {
  try {
    auto state = State();
    if (!state || !state->store) return OrthancPluginErrorCode_BadSequenceOfCalls;
    ReadInto(*state, uuid, rangeStart, static_cast<uint8_t*>(target->data), target->size);
    return OrthancPluginErrorCode_Success;
  } catch (const std::exception& e) {
    return Fail(std::string("cannot read a range of attachment ") + uuid, e);
  }
}

OrthancPluginErrorCode Remove(const char* uuid, OrthancPluginContentType) {
  try {
    auto state = State();
    if (!state || !state->store) return OrthancPluginErrorCode_BadSequenceOfCalls;
    try {
      state->store->Remove(uuid, NowSeconds());
    } catch (const archive::StoreError& e) {
      if (e.kind() != archive::StoreError::Kind::NotFound) throw;
      const auto legacy = LegacyPath(state->config.storage, uuid);
      std::error_code ignored;
      if (!legacy.empty()) std::filesystem::remove(legacy, ignored);
    }
    return OrthancPluginErrorCode_Success;
  } catch (const archive::StoreError& e) {
    if (e.kind() == archive::StoreError::Kind::Refused) {
      // The HTTP filter refuses such deletions before Orthanc forgets the resource; reaching here means another
      // path (recycling, a plugin) removed it from the index. The bytes stay, and the log says so.
      LogError(std::string("storage: refused to remove attachment ") + uuid + " (its bytes are kept): " + e.what());
      return g_refused;
    }
    return Fail(std::string("cannot remove attachment ") + uuid, e);
  } catch (const std::exception& e) {
    return Fail(std::string("cannot remove attachment ") + uuid, e);
  }
}

// The embedded default: a master key made at first start, readable by the owner only. Production sites name a key
// file kept apart from the data (docs/keys.md).
void EnsureKeyFile(const std::string& path) {
  std::error_code error;
  if (std::filesystem::exists(path, error)) return;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  const std::string key = archive::NewDataKey();
  static const char* hex = "0123456789abcdef";
  std::string line = "k1 ";
  for (unsigned char c : key) {
    line += hex[c >> 4];
    line += hex[c & 15];
  }
  const std::string temp = path + ".tmp";
  {
    const mode_t old = umask(077);
    std::ofstream out(temp, std::ios::trunc);
    umask(old);
    out << "# Master keys of the video archive (docs/keys.md). Keep a copy apart from the data: without it no\n"
           "# stored object can be read. The last line is the current key.\n"
        << line << "\n";
    if (!out) throw std::runtime_error("cannot write the new key file " + temp);
  }
  std::filesystem::permissions(temp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::rename(temp, path);
  LogWarning("storage: created a new master key file " + path +
             " (embedded default); back it up apart from the data, or set VideoArchive.Storage.KeyFile");
}

}  // namespace

std::string DicomAttachmentUuid(const std::string& instanceId) {
  std::string body;
  if (!RestGetIfFound("/instances/" + instanceId + "/attachments/dicom/info", body)) return "";
  return ParseJson(body).get("Uuid", "").asString();
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

OrthancPluginErrorCode StorageErrorCode(const archive::StoreError& error) {
  switch (error.kind()) {
    case archive::StoreError::Kind::Unavailable: return g_unavailable;
    case archive::StoreError::Kind::Refused: return g_refused;
    case archive::StoreError::Kind::NoSpace: return g_full;
    case archive::StoreError::Kind::NotFound: return OrthancPluginErrorCode_InexistentFile;
    case archive::StoreError::Kind::Corrupt: return g_corrupt;
    default: return OrthancPluginErrorCode_StorageAreaPlugin;
  }
}

std::unique_ptr<archive::ObjectStore> OpenObjectStore(const StorageSettings& settings) {
  std::vector<std::shared_ptr<archive::Tier>> tiers;
  for (const auto& t : settings.tiers) {
    if (t.info.kind == "folder") {
      tiers.push_back(archive::OpenFolderTier(t.info, t.path));
    } else {
      if (t.createBucket) {
        archive::S3Client client(t.s3);
        client.CreateBucket();
      }
      tiers.push_back(archive::OpenS3Tier(t.info, t.s3));
    }
  }
  // A configured key file that is missing is an error (a new key would not open older objects); only the embedded
  // default is created.
  if (settings.createKeyFile) EnsureKeyFile(settings.keyFile);
  auto keys = std::make_shared<const archive::KeyRing>(archive::KeyRing::FromFile(settings.keyFile));
  auto catalog = archive::OpenSqlDatabase(settings.catalogEngine, settings.catalogTarget);
  auto store =
      std::make_unique<archive::ObjectStore>(std::move(catalog), std::move(tiers), std::move(keys), settings.store);
  const std::string recovered = store->Recover();
  if (!recovered.empty()) LogWarning("storage: " + recovered);
  return store;
}

bool IsStorageFull(OrthancPluginErrorCode code) {
  return code == g_full || code == OrthancPluginErrorCode_FullStorage;
}

void RegisterStorageArea(OrthancPluginContext* context) {
  g_unavailable = OrthancPluginRegisterErrorCode(
      context, 10, 503, "A storage tier holding this object cannot be reached now; retry later");
  g_refused = OrthancPluginRegisterErrorCode(context, 11, 403,
                                             "Refused: a legal hold, a retention period or WORM mode protects it");
  g_corrupt =
      OrthancPluginRegisterErrorCode(context, 12, 500, "Every stored copy of this object failed its integrity check");
  g_full = OrthancPluginRegisterErrorCode(
      context, 13, 507,
      "The archive's hot storage tier is full: the new data was refused and nothing stored was touched");
  OrthancPluginRegisterStorageArea2(context, Create, ReadWhole, ReadRange, Remove);
}

}  // namespace va::plugin
