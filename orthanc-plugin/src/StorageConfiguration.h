// The "VideoArchive.Storage" section: tiers, catalog, master keys, placement and retention rules, organisations and
// their jurisdictions, background rates. Documented in README.md and docs/tiering.md.
#pragma once

#include <json/json.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "va/archive/ObjectStore.h"
#include "va/archive/S3Client.h"

namespace va::plugin {

struct TierSettings {
  archive::TierInfo info;
  std::string path;           // kind "folder"
  archive::S3Settings s3;     // kind "s3"
  bool createBucket = false;  // create the bucket at start-up when missing
};

struct OrganisationSettings {
  std::vector<std::string> institutionNames;  // Institution Name (0008,0080) values that mean this organisation
  std::vector<std::string> countries;         // where its data may be kept ([] = anywhere)
};

struct StorageSettings {
  bool enable = true;               // every Orthanc attachment goes through the archive's tiers
  std::vector<TierSettings> tiers;  // default: one folder tier "hot" in <WorkDirectory>/tiers/hot
  std::string catalogEngine = "SQLite";
  std::string catalogTarget;  // SQLite file or PostgreSQL connection string
  std::string keyFile;        // default: <WorkDirectory>/keys/master.keys, created with a new key if absent
  bool createKeyFile = true;  // only the default key file is ever created
  bool worm = false;
  int64_t minFreeMegabytes = 512;  // refuse new objects when the hot tier's disk has less free space
  std::map<std::string, OrganisationSettings> organisations;
  std::string defaultOrganisation;  // organisation of objects no mapping names
  double migrationIntervalSeconds = 300;
  double scrubIntervalSeconds = 3600;  // how often the scrubber looks for copies due (StoreSettings decides which)
  std::string legacyStorageDirectory;  // Orthanc's StorageDirectory: attachments written before the archive took over
  archive::StoreSettings store;        // hot tier, chunk size, rules, retention, jurisdictions, rates

  Json::Value ToJson() const;  // secrets left out
};

// Reads VideoArchive.Storage; workDirectory provides the defaults. Throws std::runtime_error naming the bad option.
StorageSettings ParseStorageSettings(const Json::Value& section, const std::string& workDirectory,
                                     const std::string& storageDirectory);

// The organisation of an instance from its Institution Name (case and surrounding spaces ignored).
std::string OrganisationOf(const StorageSettings& settings, const std::string& institutionName);

}  // namespace va::plugin
