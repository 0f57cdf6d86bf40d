#include "Configuration.h"

#include <set>
#include <sstream>
#include <stdexcept>
#include <type_traits>

namespace va::plugin {

namespace {

const Json::Value& Section(const Json::Value& root, const char* name) {
  static const Json::Value empty(Json::objectValue);
  if (!root.isMember(name)) return empty;
  if (!root[name].isObject())
    throw std::runtime_error(std::string("configuration: \"") + name + "\" must be an object");
  return root[name];
}

void Read(const Json::Value& s, const char* key, bool& out) {
  if (!s.isMember(key)) return;
  if (!s[key].isBool())
    throw std::runtime_error(std::string("configuration: VideoArchive.") + key + " must be true or false");
  out = s[key].asBool();
}

void Read(const Json::Value& s, const char* key, std::string& out) {
  if (!s.isMember(key)) return;
  if (!s[key].isString())
    throw std::runtime_error(std::string("configuration: VideoArchive.") + key + " must be a string");
  out = s[key].asString();
}

// Numbers: an integer where T is int, any JSON number where T is double; bounds inclusive.
template <typename T>
void Read(const Json::Value& s, const char* key, T& out, T min, T max) {
  if (!s.isMember(key)) return;
  const Json::Value& v = s[key];
  constexpr bool integral = std::is_integral_v<T>;
  if (!(integral ? v.isInt() : v.isNumeric()) || v.asDouble() < min || v.asDouble() > max) {
    std::ostringstream reason;
    reason << "configuration: VideoArchive." << key << " must be " << (integral ? "an integer" : "a number") << " from "
           << min << " to " << max;
    throw std::runtime_error(reason.str());
  }
  out = integral ? static_cast<T>(v.asInt()) : static_cast<T>(v.asDouble());
}

void ReadUploads(const Json::Value& u, UploadSettings& out) {
  static const std::set<std::string> known = {"Enable",
                                              "MaxSizeGigabytes",
                                              "ExpirationHours",
                                              "SegmentMaxMinutes",
                                              "SegmentMaxMegabytes",
                                              "KeyframeIntervalSeconds",
                                              "KeepOriginals",
                                              "WorklistsFolder",
                                              "WorklistScp",
                                              "StowWaitSeconds",
                                              "MaxBufferedRequestMegabytes"};
  for (const auto& name : u.getMemberNames()) {
    if (known.count(name) == 0) throw std::runtime_error("configuration: unknown option VideoArchive.Uploads." + name);
  }
  Read(u, "Enable", out.enable);
  double gigabytes = static_cast<double>(out.maxSize) / (1LL << 30);
  Read(u, "MaxSizeGigabytes", gigabytes, 0.001, 16384.0);
  out.maxSize = static_cast<int64_t>(gigabytes * (1LL << 30));
  Read(u, "ExpirationHours", out.expirationHours, 0.001, 24 * 365.0);
  Read(u, "SegmentMaxMinutes", out.segmentMaxMinutes, 0.05, 24 * 60.0);
  int megabytes = static_cast<int>(out.segmentMaxBytes >> 20);
  // One H.264 / MPEG-2 stream must fit one fragment (< 4 GiB), and Orthanc parses an instance in memory.
  Read(u, "SegmentMaxMegabytes", megabytes, 1, 3900);
  out.segmentMaxBytes = static_cast<int64_t>(megabytes) << 20;
  Read(u, "KeyframeIntervalSeconds", out.keyframeIntervalSeconds, 1, 10);
  Read(u, "KeepOriginals", out.keepOriginals);
  Read(u, "WorklistsFolder", out.worklistsFolder);
  Read(u, "StowWaitSeconds", out.stowWaitSeconds, 0, 3600);
  Read(u, "MaxBufferedRequestMegabytes", out.maxBufferedRequestMegabytes, 1, 2048);
  if (u.isMember("WorklistScp")) {
    const Json::Value& w = u["WorklistScp"];
    // Same shape as an entry of Orthanc's DicomModalities: [ "AET", "host", port ].
    if (!w.isArray() || w.size() != 3 || !w[0].isString() || !w[1].isString() || !w[2].isInt() || w[2].asInt() < 1 ||
        w[2].asInt() > 65535) {
      throw std::runtime_error("configuration: VideoArchive.Uploads.WorklistScp must be [ \"AET\", \"host\", port ]");
    }
    out.worklistAet = w[0].asString();
    out.worklistHost = w[1].asString();
    out.worklistPort = w[2].asInt();
  }
}

void ReadDelivery(const Json::Value& d, DeliverySettings& out) {
  static const std::set<std::string> known = {
      "Enable",       "MaxAnswerMegabytes", "Renditions",        "RenditionPreset",
      "RenditionCrf", "RenditionMaxHeight", "HlsSegmentSeconds", "TranscodeOnRetrieve",
      "AssetsFolder"};
  for (const auto& name : d.getMemberNames()) {
    if (known.count(name) == 0) throw std::runtime_error("configuration: unknown option VideoArchive.Delivery." + name);
  }
  Read(d, "Enable", out.enable);
  Read(d, "MaxAnswerMegabytes", out.maxAnswerMegabytes, 1, 256);
  Read(d, "Renditions", out.renditions);
  if (out.renditions != "OnDemand" && out.renditions != "AtArchive" && out.renditions != "Never")
    throw std::runtime_error("configuration: VideoArchive.Delivery.Renditions must be OnDemand, AtArchive or Never");
  Read(d, "RenditionPreset", out.renditionPreset);
  static const std::set<std::string> presets = {"ultrafast", "superfast", "veryfast", "faster",   "fast",
                                                "medium",    "slow",      "slower",   "veryslow", "placebo"};
  if (presets.count(out.renditionPreset) == 0)
    throw std::runtime_error("configuration: VideoArchive.Delivery.RenditionPreset \"" + out.renditionPreset +
                             "\" is not an x264 preset");
  Read(d, "RenditionCrf", out.renditionCrf, 1, 51);  // 0 is lossless: not High profile
  Read(d, "RenditionMaxHeight", out.renditionMaxHeight, 144, 1080);
  Read(d, "HlsSegmentSeconds", out.hlsSegmentSeconds, 1.0, 60.0);
  Read(d, "TranscodeOnRetrieve", out.transcodeOnRetrieve);
  Read(d, "AssetsFolder", out.assetsFolder);
}

}  // namespace

Configuration ParseConfiguration(const Json::Value& root) {
  Configuration c;
  c.storageDirectory = root.isMember("StorageDirectory") && root["StorageDirectory"].isString()
                           ? root["StorageDirectory"].asString()
                           : "OrthancStorage";  // Orthanc's own default
  c.workDirectory = c.storageDirectory + "/video-archive";

  const Json::Value& s = Section(root, "VideoArchive");
  static const std::set<std::string> known = {
      "Enable",         "AutoArchive",       "WorkDirectory",      "Preset",         "Crf",
      "BitDepth",       "ReencodeHevc",      "KeepAudio",          "EncoderThreads", "QualityGate",
      "DeleteOriginal", "SeriesDescription", "SeriesNumberOffset", "MaxAttempts",    "FramesPerStep",
      "JobPriority",    "Uploads",           "Delivery",           "Storage",        "Security",
      "Provenance"};
  for (const auto& name : s.getMemberNames()) {
    // A typo in a medical archive's configuration must not silently fall back to a default.
    if (known.count(name) == 0) throw std::runtime_error("configuration: unknown option VideoArchive." + name);
  }
  Read(s, "Enable", c.enable);
  Read(s, "AutoArchive", c.autoArchive);
  Read(s, "WorkDirectory", c.workDirectory);
  Read(s, "Preset", c.preset);
  static const std::set<std::string> presets = {"ultrafast", "superfast", "veryfast", "faster",   "fast",
                                                "medium",    "slow",      "slower",   "veryslow", "placebo"};
  if (presets.count(c.preset) == 0) {
    throw std::runtime_error("configuration: VideoArchive.Preset \"" + c.preset + "\" is not an x265 preset");
  }
  Read(s, "Crf", c.crf, 0.0, 51.0);
  Read(s, "BitDepth", c.bitDepth, 8, 10);
  if (c.bitDepth != 8 && c.bitDepth != 10)
    throw std::runtime_error("configuration: VideoArchive.BitDepth must be 8 or 10");
  Read(s, "ReencodeHevc", c.reencodeHevc);
  Read(s, "KeepAudio", c.keepAudio);
  Read(s, "EncoderThreads", c.encoderThreads, 0, 256);
  if (s.isMember("QualityGate")) {
    const Json::Value& g = Section(s, "QualityGate");
    for (const auto& name : g.getMemberNames()) {
      if (name != "MinPsnrY" && name != "MinSsim") {
        throw std::runtime_error("configuration: unknown option VideoArchive.QualityGate." + name);
      }
    }
    Read(g, "MinPsnrY", c.gate.minPsnrY, 0.0, 100.0);
    Read(g, "MinSsim", c.gate.minSsim, 0.0, 1.0);
  }
  Read(s, "DeleteOriginal", c.deleteOriginal);
  Read(s, "SeriesDescription", c.seriesDescription);
  Read(s, "SeriesNumberOffset", c.seriesNumberOffset, 0, 1000000);
  Read(s, "MaxAttempts", c.maxAttempts, 1, 100);
  Read(s, "FramesPerStep", c.framesPerStep, 1, 100000);
  Read(s, "JobPriority", c.jobPriority, -1000, 1000);
  if (s.isMember("Uploads")) ReadUploads(Section(s, "Uploads"), c.uploads);
  if (s.isMember("Delivery")) ReadDelivery(Section(s, "Delivery"), c.delivery);
  c.storage = ParseStorageSettings(s.isMember("Storage") ? Section(s, "Storage") : Json::Value(), c.workDirectory,
                                   c.storageDirectory);
  c.security = ParseSecuritySettings(s.isMember("Security") ? Section(s, "Security") : Json::Value(), c.workDirectory);
  c.provenance =
      ParseProvenanceSettings(s.isMember("Provenance") ? Section(s, "Provenance") : Json::Value(), c.workDirectory);
  return c;
}

Json::Value Configuration::ToJson() const {
  Json::Value v(Json::objectValue);
  v["Enable"] = enable;
  v["AutoArchive"] = autoArchive;
  v["WorkDirectory"] = workDirectory;
  v["Preset"] = preset;
  v["Crf"] = crf;
  v["BitDepth"] = bitDepth;
  v["ReencodeHevc"] = reencodeHevc;
  v["KeepAudio"] = keepAudio;
  v["EncoderThreads"] = encoderThreads;
  v["QualityGate"]["MinPsnrY"] = gate.minPsnrY;
  v["QualityGate"]["MinSsim"] = gate.minSsim;
  v["DeleteOriginal"] = deleteOriginal;
  v["SeriesDescription"] = seriesDescription;
  v["SeriesNumberOffset"] = seriesNumberOffset;
  v["MaxAttempts"] = maxAttempts;
  v["FramesPerStep"] = framesPerStep;
  v["JobPriority"] = jobPriority;
  Json::Value& d = v["Delivery"];
  d["Enable"] = delivery.enable;
  d["MaxAnswerMegabytes"] = delivery.maxAnswerMegabytes;
  d["Renditions"] = delivery.renditions;
  d["RenditionPreset"] = delivery.renditionPreset;
  d["RenditionCrf"] = delivery.renditionCrf;
  d["RenditionMaxHeight"] = delivery.renditionMaxHeight;
  d["HlsSegmentSeconds"] = delivery.hlsSegmentSeconds;
  d["TranscodeOnRetrieve"] = delivery.transcodeOnRetrieve;
  d["AssetsFolder"] = delivery.assetsFolder;
  v["Storage"] = storage.ToJson();
  v["Security"] = security.ToJson();
  v["Provenance"] = provenance.ToJson();
  Json::Value& u = v["Uploads"];
  u["Enable"] = uploads.enable;
  u["MaxSizeGigabytes"] = static_cast<double>(uploads.maxSize) / (1LL << 30);
  u["ExpirationHours"] = uploads.expirationHours;
  u["SegmentMaxMinutes"] = uploads.segmentMaxMinutes;
  u["SegmentMaxMegabytes"] = static_cast<Json::Int64>(uploads.segmentMaxBytes >> 20);
  u["KeyframeIntervalSeconds"] = uploads.keyframeIntervalSeconds;
  u["KeepOriginals"] = uploads.keepOriginals;
  u["WorklistsFolder"] = uploads.worklistsFolder;
  u["StowWaitSeconds"] = uploads.stowWaitSeconds;
  u["MaxBufferedRequestMegabytes"] = uploads.maxBufferedRequestMegabytes;
  if (!uploads.worklistHost.empty()) {
    u["WorklistScp"].append(uploads.worklistAet);
    u["WorklistScp"].append(uploads.worklistHost);
    u["WorklistScp"].append(uploads.worklistPort);
  }
  return v;
}

}  // namespace va::plugin
