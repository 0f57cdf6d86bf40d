#include "SourceAttachment.h"

#include <cctype>
#include <fstream>

#include "OrthancApi.h"

namespace va::plugin {

namespace {

bool LooksLikeUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (char c : s) {
    if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == '-')) return false;
  }
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
