#include "SourceAttachment.h"

#include <cctype>
#include <fstream>
#include <vector>

#include "OrthancApi.h"
#include "PluginState.h"
#include "StorageArea.h"

namespace va::plugin {

namespace {

bool LooksLikeUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (char c : s) {
    if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == '-')) return false;
  }
  return true;
}

// False when the store does not hold it (an attachment from before the archive took over).
bool CopyFromStore(archive::ObjectStore& store, const std::string& uuid, const std::filesystem::path& target) {
  uint64_t size = 0;
  try {
    size = store.Size(uuid);
  } catch (const archive::StoreError& e) {
    if (e.kind() == archive::StoreError::Kind::NotFound) return false;
    throw;
  }
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  std::vector<uint8_t> piece(8u << 20);
  for (uint64_t offset = 0; offset < size;) {
    const size_t n = store.ReadAt(uuid, offset, piece.data(), piece.size(), NowSeconds());
    if (n == 0) throw std::runtime_error("attachment " + uuid + " ended early in the archive's storage");
    out.write(reinterpret_cast<const char*>(piece.data()), static_cast<std::streamsize>(n));
    offset += n;
  }
  out.close();
  if (!out) throw std::runtime_error("cannot write " + target.string() + " (disk full?)");
  return true;
}

}  // namespace

std::string LocateSourceFile(const Configuration& config, const std::string& instanceId,
                             const std::filesystem::path& scratchCopy) {
  std::string body;
  bool haveInfo = false;
  try {
    haveInfo = RestGetIfFound("/instances/" + instanceId + "/attachments/dicom/info", body);
  } catch (const OrthancCallError&) {
    haveInfo = false;  // route absent in this Orthanc version: fall back to a copy
  }
  if (haveInfo) {
    const Json::Value info = ParseJson(body);
    const std::string uuid = info.get("Uuid", "").asString();
    const bool plain = info.get("CompressionType", 0).asInt() == 0 &&
                       info.get("UncompressedSize", -1).asInt64() == info.get("CompressedSize", -2).asInt64();
    if (plain && LooksLikeUuid(uuid)) {
      const std::filesystem::path path =
          std::filesystem::path(config.storageDirectory) / uuid.substr(0, 2) / uuid.substr(2, 2) / uuid;
      std::error_code error;
      const auto size = std::filesystem::file_size(path, error);
      if (!error && static_cast<long long>(size) == info.get("UncompressedSize", -1).asInt64()) {
        return path.string();
      }
    }
  }
  if (haveInfo) {
    // Through the archive's storage: decrypted range by range into the scratch copy, never whole in memory.
    auto state = State();
    const std::string uuid = ParseJson(body).get("Uuid", "").asString();
    if (state && state->store && !uuid.empty() && CopyFromStore(*state->store, uuid, scratchCopy))
      return scratchCopy.string();
  }
  if (!RestGetIfFound("/instances/" + instanceId + "/attachments/dicom/data", body) &&
      !RestGetIfFound("/instances/" + instanceId + "/file", body)) {
    throw std::runtime_error("instance " + instanceId + " is no longer stored in Orthanc");
  }
  std::ofstream out(scratchCopy, std::ios::binary | std::ios::trunc);
  out.write(body.data(), static_cast<std::streamsize>(body.size()));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + scratchCopy.string() + " (disk full?)");
  return scratchCopy.string();
}

}  // namespace va::plugin
