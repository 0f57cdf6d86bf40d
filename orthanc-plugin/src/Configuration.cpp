#include "Configuration.h"

#include <set>
#include <stdexcept>

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

void Read(const Json::Value& s, const char* key, double& out, double min, double max) {
  if (!s.isMember(key)) return;
  if (!s[key].isNumeric() || s[key].asDouble() < min || s[key].asDouble() > max) {
    throw std::runtime_error(std::string("configuration: VideoArchive.") + key + " must be a number from " +
                             std::to_string(min) + " to " + std::to_string(max));
  }
  out = s[key].asDouble();
}

void Read(const Json::Value& s, const char* key, int& out, int min, int max) {
  if (!s.isMember(key)) return;
  if (!s[key].isInt() || s[key].asInt() < min || s[key].asInt() > max) {
    throw std::runtime_error(std::string("configuration: VideoArchive.") + key + " must be an integer from " +
                             std::to_string(min) + " to " + std::to_string(max));
  }
  out = s[key].asInt();
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
      "JobPriority"};
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
  Read(s, "Crf", c.crf, 0, 51);
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
    Read(g, "MinPsnrY", c.gate.minPsnrY, 0, 100);
    Read(g, "MinSsim", c.gate.minSsim, 0, 1);
  }
  Read(s, "DeleteOriginal", c.deleteOriginal);
  Read(s, "SeriesDescription", c.seriesDescription);
  Read(s, "SeriesNumberOffset", c.seriesNumberOffset, 0, 1000000);
  Read(s, "MaxAttempts", c.maxAttempts, 1, 100);
  Read(s, "FramesPerStep", c.framesPerStep, 1, 100000);
  Read(s, "JobPriority", c.jobPriority, -1000, 1000);
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
  return v;
}

}  // namespace va::plugin
