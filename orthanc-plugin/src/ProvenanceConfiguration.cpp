#include "ProvenanceConfiguration.h"

#include "ConfigReader.h"

namespace va::plugin {

namespace {

const ConfigReader kReader("configuration: VideoArchive.Provenance.");

std::vector<MaskRegion> ReadRegions(const Json::Value& list, const std::string& where) {
  if (!list.isArray()) kReader.Bad(where, "must be a list of [x, y, width, height]");
  std::vector<MaskRegion> out;
  for (Json::ArrayIndex i = 0; i < list.size(); ++i) {
    const Json::Value& r = list[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!r.isArray() || r.size() != 4) kReader.Bad(at, "must be [x, y, width, height] in source pixels");
    int v[4];
    for (Json::ArrayIndex k = 0; k < 4; ++k) {
      if (!r[k].isInt() || r[k].asInt() < 0 || r[k].asInt() > 65535) kReader.Bad(at, "values must be 0..65535");
      v[k] = r[k].asInt();
    }
    if (v[2] == 0 || v[3] == 0) kReader.Bad(at, "width and height must be positive");
    out.push_back({v[0], v[1], v[2], v[3]});
  }
  return out;
}

}  // namespace

ProvenanceSettings ParseProvenanceSettings(const Json::Value& s, const std::string& workDirectory) {
  ProvenanceSettings out;
  out.signingKeyFile = workDirectory + "/keys/provenance-signing.pem";
  out.watermarkSecretFile = workDirectory + "/keys/watermark-master.key";
  if (s.isNull()) return out;
  kReader.CheckKnown(s, "",
                     {"SignSei", "Watermark", "WatermarkStrength", "SigningKeyFile", "WatermarkSecretFile",
                      "DeidentifiedPatientName", "DeidentifiedSeriesDescription", "CleanDescriptors",
                      "RetainDeviceIdentity", "DeidentifyPublicStudies", "MaskRegions"});
  out.signSei = kReader.Bool(s, "SignSei", "", out.signSei);
  out.watermark = kReader.Bool(s, "Watermark", "", out.watermark);
  out.watermarkStrength = kReader.Num(s, "WatermarkStrength", "", out.watermarkStrength, 0, 64);
  out.signingKeyFile = kReader.Str(s, "SigningKeyFile", "", out.signingKeyFile);
  out.watermarkSecretFile = kReader.Str(s, "WatermarkSecretFile", "", out.watermarkSecretFile);
  out.deidentifiedPatientName = kReader.Str(s, "DeidentifiedPatientName", "", out.deidentifiedPatientName);
  out.deidentifiedSeriesDescription =
      kReader.Str(s, "DeidentifiedSeriesDescription", "", out.deidentifiedSeriesDescription);
  out.cleanDescriptors = kReader.Bool(s, "CleanDescriptors", "", out.cleanDescriptors);
  out.retainDeviceIdentity = kReader.Bool(s, "RetainDeviceIdentity", "", out.retainDeviceIdentity);
  out.deidentifyPublicStudies = kReader.Bool(s, "DeidentifyPublicStudies", "", out.deidentifyPublicStudies);
  if (s.isMember("MaskRegions")) {
    const Json::Value& m = s["MaskRegions"];
    if (!m.isObject()) kReader.Bad("MaskRegions", "must be an object of \"Manufacturer^Model\" -> regions");
    for (const std::string& key : m.getMemberNames()) {
      if (key.find('^') == std::string::npos)
        kReader.Bad("MaskRegions." + key, "the key must be \"Manufacturer^Model\" (\"*\" matches any)");
      out.maskRegions[key] = ReadRegions(m[key], "MaskRegions." + key);
    }
  }
  return out;
}

const std::vector<MaskRegion>* MaskRegionsFor(const ProvenanceSettings& s, const std::string& manufacturer,
                                              const std::string& model) {
  const std::string keys[] = {std::string(manufacturer).append("^").append(model),
                              std::string(manufacturer).append("^*"), std::string("*^").append(model), "*^*"};
  for (const std::string& key : keys) {
    const auto it = s.maskRegions.find(key);
    if (it != s.maskRegions.end()) return &it->second;
  }
  return nullptr;
}

Json::Value ProvenanceSettings::ToJson() const {
  Json::Value v(Json::objectValue);
  v["SignSei"] = signSei;
  v["Watermark"] = watermark;
  v["WatermarkStrength"] = watermarkStrength;
  v["SigningKeyFile"] = signingKeyFile;
  v["WatermarkSecretFile"] = watermarkSecretFile;
  v["DeidentifiedPatientName"] = deidentifiedPatientName;
  v["DeidentifiedSeriesDescription"] = deidentifiedSeriesDescription;
  v["CleanDescriptors"] = cleanDescriptors;
  v["RetainDeviceIdentity"] = retainDeviceIdentity;
  v["DeidentifyPublicStudies"] = deidentifyPublicStudies;
  Json::Value regions(Json::objectValue);
  for (const auto& [key, list] : maskRegions) {
    Json::Value l(Json::arrayValue);
    for (const auto& r : list) {
      Json::Value a(Json::arrayValue);
      a.append(r.x);
      a.append(r.y);
      a.append(r.width);
      a.append(r.height);
      l.append(a);
    }
    regions[key] = l;
  }
  v["MaskRegions"] = regions;
  return v;
}

}  // namespace va::plugin
