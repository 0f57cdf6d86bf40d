#include "StorageConfiguration.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

#include "ConfigReader.h"

namespace va::plugin {

namespace {

const ConfigReader kReader("configuration: VideoArchive.Storage.");

std::string Normalised(const std::string& text) {
  std::string out;
  for (char c : text) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return out.substr(first, out.find_last_not_of(' ') - first + 1);
}

TierSettings ReadTier(const Json::Value& t, const std::string& where, const std::string& workDirectory) {
  kReader.CheckKnown(t, where,
                     {"Name", "Kind", "Country", "Path", "Endpoint", "Region", "Bucket", "AccessKey", "SecretKey",
                      "Prefix", "PartMegabytes", "ObjectLock", "CreateBucket", "TimeoutSeconds"});
  TierSettings s;
  s.info.name = kReader.Str(t, "Name", where + ".", "");
  if (s.info.name.empty() || s.info.name.size() > 64 ||
      !std::all_of(s.info.name.begin(), s.info.name.end(),
                   [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }))
    kReader.Bad(where + ".Name", "must be 1-64 letters, digits, '-' or '_'");
  s.info.kind = kReader.Str(t, "Kind", where + ".", "Folder");
  s.info.country = Normalised(kReader.Str(t, "Country", where + ".", ""));
  if (s.info.country.size() != 2) kReader.Bad(where + ".Country", "must be an ISO 3166 two-letter country code");
  if (s.info.kind == "Folder") {
    s.info.kind = "folder";
    s.path = kReader.Str(t, "Path", where + ".", workDirectory + "/tiers/" + s.info.name);
  } else if (s.info.kind == "S3") {
    s.info.kind = "s3";
    s.s3.endpoint = kReader.Str(t, "Endpoint", where + ".", "");
    s.s3.region = kReader.Str(t, "Region", where + ".", s.s3.region);
    s.s3.bucket = kReader.Str(t, "Bucket", where + ".", "");
    s.s3.accessKey = kReader.Str(t, "AccessKey", where + ".", "");
    s.s3.secretKey = kReader.Str(t, "SecretKey", where + ".", "");
    s.s3.prefix = kReader.Str(t, "Prefix", where + ".", "");
    s.s3.partSize = static_cast<uint64_t>(kReader.Num(t, "PartMegabytes", where + ".", 16, 5, 1024)) << 20;
    s.s3.objectLock = kReader.Bool(t, "ObjectLock", where + ".", false);
    s.s3.timeoutSeconds = static_cast<long>(kReader.Num(t, "TimeoutSeconds", where + ".", 300, 1, 86400));
    s.createBucket = kReader.Bool(t, "CreateBucket", where + ".", false);
    if (s.s3.endpoint.empty() || s.s3.bucket.empty() || s.s3.accessKey.empty() || s.s3.secretKey.empty())
      kReader.Bad(where, "(S3) needs Endpoint, Bucket, AccessKey and SecretKey");
  } else {
    kReader.Bad(where + ".Kind", "must be \"Folder\" or \"S3\"");
  }
  return s;
}

archive::PlacementRule ReadRule(const Json::Value& r, const std::string& where) {
  kReader.CheckKnown(r, where,
                     {"Name", "MinAgeDays", "MinIdleDays", "SopClassUids", "CopyKind", "Organisations",
                      "MinSizeMegabytes", "MaxSizeMegabytes", "Tiers", "Copies"});
  archive::PlacementRule rule;
  rule.name = kReader.Str(r, "Name", where + ".", where);
  rule.minAgeDays = kReader.Num(r, "MinAgeDays", where + ".", -1, -1, 1e6);
  rule.minIdleDays = kReader.Num(r, "MinIdleDays", where + ".", -1, -1, 1e6);
  rule.sopClassUids = kReader.Strings(r, "SopClassUids", where + ".");
  rule.copyKind = kReader.Str(r, "CopyKind", where + ".", "");
  if (!rule.copyKind.empty() && rule.copyKind != "original" && rule.copyKind != "archival" && rule.copyKind != "other")
    kReader.Bad(where + ".CopyKind", "must be \"original\", \"archival\" or \"other\"");
  rule.organisations = kReader.Strings(r, "Organisations", where + ".");
  rule.minSize = static_cast<uint64_t>(kReader.Num(r, "MinSizeMegabytes", where + ".", 0, 0, 1e9) * (1 << 20));
  rule.maxSize = static_cast<uint64_t>(kReader.Num(r, "MaxSizeMegabytes", where + ".", 0, 0, 1e9) * (1 << 20));
  rule.tiers = kReader.Strings(r, "Tiers", where + ".");
  rule.copies = static_cast<int>(kReader.Num(r, "Copies", where + ".", 1, 1, 16));
  if (rule.tiers.empty()) kReader.Bad(where + ".Tiers", "must name at least one tier");
  return rule;
}

archive::RetentionRule ReadRetention(const Json::Value& r, const std::string& where) {
  kReader.CheckKnown(r, where, {"Organisation", "Country", "YearsAfterLastVisit", "YearsAfterCreation"});
  archive::RetentionRule rule;
  rule.organisation = kReader.Str(r, "Organisation", where + ".", "");
  rule.country = Normalised(kReader.Str(r, "Country", where + ".", ""));
  rule.yearsAfterLastVisit = kReader.Num(r, "YearsAfterLastVisit", where + ".", 0, 0, 200);
  rule.yearsAfterCreation = kReader.Num(r, "YearsAfterCreation", where + ".", 0, 0, 200);
  return rule;
}

}  // namespace

StorageSettings ParseStorageSettings(const Json::Value& s, const std::string& workDirectory,
                                     const std::string& storageDirectory) {
  StorageSettings out;
  out.legacyStorageDirectory = storageDirectory;
  out.catalogTarget = workDirectory + "/storage-catalog.sqlite";
  out.keyFile = workDirectory + "/keys/master.keys";
  TierSettings defaultHot;  // one local folder; "ZZ": the country is unknown until configured
  defaultHot.info = {"hot", "folder", "ZZ"};
  defaultHot.path = workDirectory + "/tiers/hot";
  if (s.isNull()) {
    out.tiers.push_back(defaultHot);
    out.store.hotTier = "hot";
    return out;
  }
  kReader.CheckKnown(s, "",
                     {"Enable",
                      "Tiers",
                      "HotTier",
                      "Catalog",
                      "KeyFile",
                      "ChunkKilobytes",
                      "Worm",
                      "MinFreeMegabytes",
                      "Policies",
                      "Retention",
                      "Organisations",
                      "DefaultOrganisation",
                      "DefaultCountries",
                      "MigrationIntervalSeconds",
                      "MigrationMegabytesPerSecond",
                      "ScrubIntervalSeconds",
                      "ScrubEveryDays",
                      "ScrubMegabytesPerSecond",
                      "RetryBaseSeconds",
                      "RetryMaxSeconds",
                      "TouchIntervalSeconds"});
  out.enable = kReader.Bool(s, "Enable", "", true);
  if (s.isMember("Tiers")) {
    if (!s["Tiers"].isArray() || s["Tiers"].empty()) kReader.Bad("Tiers", "must be a non-empty list of tiers");
    std::set<std::string> names;
    for (Json::ArrayIndex i = 0; i < s["Tiers"].size(); ++i) {
      out.tiers.push_back(ReadTier(s["Tiers"][i], "Tiers[" + std::to_string(i) + "]", workDirectory));
      if (!names.insert(out.tiers.back().info.name).second)
        kReader.Bad("Tiers", "names tier \"" + out.tiers.back().info.name + "\" twice");
    }
  } else {
    out.tiers.push_back(defaultHot);
  }
  out.store.hotTier = kReader.Str(s, "HotTier", "", out.tiers.front().info.name);
  const auto hot = std::find_if(out.tiers.begin(), out.tiers.end(),
                                [&](const TierSettings& t) { return t.info.name == out.store.hotTier; });
  if (hot == out.tiers.end()) kReader.Bad("HotTier", "\"" + out.store.hotTier + "\" is not one of Tiers");
  if (hot->info.kind != "folder")
    kReader.Bad("HotTier", "must be a Folder tier (ingest must not depend on a network service)");
  if (s.isMember("Catalog")) {
    const Json::Value& c = s["Catalog"];
    kReader.CheckKnown(c, "Catalog", {"Engine", "Path", "ConnectionString"});
    out.catalogEngine = kReader.Str(c, "Engine", "Catalog.", "SQLite");
    if (out.catalogEngine == "SQLite") {
      out.catalogTarget = kReader.Str(c, "Path", "Catalog.", out.catalogTarget);
    } else if (out.catalogEngine == "PostgreSQL") {
      out.catalogTarget = kReader.Str(c, "ConnectionString", "Catalog.", "");
      if (out.catalogTarget.empty()) kReader.Bad("Catalog.ConnectionString", "is needed for PostgreSQL");
    } else {
      kReader.Bad("Catalog.Engine", "must be \"SQLite\" or \"PostgreSQL\"");
    }
  }
  out.createKeyFile = !s.isMember("KeyFile");
  out.keyFile = kReader.Str(s, "KeyFile", "", out.keyFile);
  out.store.chunkSize = static_cast<uint32_t>(kReader.Num(s, "ChunkKilobytes", "", 1024, 4, 65536)) << 10;
  out.worm = out.store.worm = kReader.Bool(s, "Worm", "", false);
  out.minFreeMegabytes = static_cast<int64_t>(kReader.Num(s, "MinFreeMegabytes", "", 512, 0, 1e9));
  if (s.isMember("Organisations")) {
    const Json::Value& orgs = s["Organisations"];
    if (!orgs.isObject()) kReader.Bad("Organisations", "must be an object: name -> { InstitutionNames, Countries }");
    for (const auto& name : orgs.getMemberNames()) {
      const std::string where = "Organisations." + name;
      kReader.CheckKnown(orgs[name], where, {"InstitutionNames", "Countries"});
      OrganisationSettings org;
      org.institutionNames = kReader.Strings(orgs[name], "InstitutionNames", where + ".");
      for (const auto& c : kReader.Strings(orgs[name], "Countries", where + "."))
        org.countries.push_back(Normalised(c));
      out.store.jurisdictions.byOrganisation[name] = org.countries;
      out.organisations[name] = org;
    }
  }
  out.defaultOrganisation = kReader.Str(s, "DefaultOrganisation", "", "");
  for (const auto& c : kReader.Strings(s, "DefaultCountries", ""))
    out.store.jurisdictions.defaultCountries.push_back(Normalised(c));
  if (s.isMember("Policies")) {
    if (!s["Policies"].isArray()) kReader.Bad("Policies", "must be a list of rules");
    for (Json::ArrayIndex i = 0; i < s["Policies"].size(); ++i)
      out.store.rules.push_back(ReadRule(s["Policies"][i], "Policies[" + std::to_string(i) + "]"));
  }
  if (s.isMember("Retention")) {
    if (!s["Retention"].isArray()) kReader.Bad("Retention", "must be a list of rules");
    for (Json::ArrayIndex i = 0; i < s["Retention"].size(); ++i)
      out.store.retention.push_back(ReadRetention(s["Retention"][i], "Retention[" + std::to_string(i) + "]"));
  }
  out.migrationIntervalSeconds = kReader.Num(s, "MigrationIntervalSeconds", "", 300, 0.1, 86400 * 7);
  out.store.migrationBytesPerSecond =
      static_cast<int64_t>(kReader.Num(s, "MigrationMegabytesPerSecond", "", 0, 0, 1e6) * (1 << 20));
  out.scrubIntervalSeconds = kReader.Num(s, "ScrubIntervalSeconds", "", 3600, 0.1, 86400 * 7);
  out.store.scrubIntervalDays = kReader.Num(s, "ScrubEveryDays", "", 30, 0, 3650);
  out.store.scrubBytesPerSecond =
      static_cast<int64_t>(kReader.Num(s, "ScrubMegabytesPerSecond", "", 50, 0, 1e6) * (1 << 20));
  out.store.retryBaseSeconds = kReader.Num(s, "RetryBaseSeconds", "", 5, 0.01, 86400);
  out.store.retryMaxSeconds = kReader.Num(s, "RetryMaxSeconds", "", 3600, 0.01, 86400 * 30);
  out.store.touchIntervalSeconds =
      static_cast<int64_t>(kReader.Num(s, "TouchIntervalSeconds", "", 3600, 0, 86400 * 365));
  std::vector<archive::TierPlace> places;
  for (const auto& t : out.tiers) places.push_back({t.info.name, t.info.country});
  const auto problems = archive::CheckRules(out.store.rules, places, out.store.jurisdictions);
  if (!problems.empty()) kReader.Bad("Policies", problems.front());
  return out;
}

std::string OrganisationOf(const StorageSettings& settings, const std::string& institutionName) {
  const std::string name = Normalised(institutionName);
  if (!name.empty()) {
    for (const auto& [org, s] : settings.organisations) {
      for (const auto& candidate : s.institutionNames) {
        if (Normalised(candidate) == name) return org;
      }
    }
  }
  return settings.defaultOrganisation;
}

Json::Value StorageSettings::ToJson() const {
  Json::Value v(Json::objectValue);
  v["Enable"] = enable;
  for (const auto& t : tiers) {
    Json::Value tier;
    tier["Name"] = t.info.name;
    tier["Kind"] = t.info.kind == "s3" ? "S3" : "Folder";
    tier["Country"] = t.info.country;
    if (t.info.kind == "s3") {
      tier["Endpoint"] = t.s3.endpoint;
      tier["Bucket"] = t.s3.bucket;
      tier["Region"] = t.s3.region;
      tier["Prefix"] = t.s3.prefix;
      tier["ObjectLock"] = t.s3.objectLock;
    } else {
      tier["Path"] = t.path;
    }
    v["Tiers"].append(tier);
  }
  v["HotTier"] = store.hotTier;
  v["Catalog"]["Engine"] = catalogEngine;
  if (catalogEngine == "SQLite") v["Catalog"]["Path"] = catalogTarget;
  v["KeyFile"] = keyFile;
  v["ChunkKilobytes"] = static_cast<Json::UInt>(store.chunkSize >> 10);
  v["Worm"] = worm;
  v["MinFreeMegabytes"] = static_cast<Json::Int64>(minFreeMegabytes);
  v["DefaultOrganisation"] = defaultOrganisation;
  v["MigrationIntervalSeconds"] = migrationIntervalSeconds;
  v["ScrubIntervalSeconds"] = scrubIntervalSeconds;
  v["ScrubEveryDays"] = store.scrubIntervalDays;
  v["Policies"] = static_cast<Json::UInt>(store.rules.size());
  v["Retention"] = static_cast<Json::UInt>(store.retention.size());
  return v;
}

}  // namespace va::plugin
