// The "VideoArchive.Provenance" section: signed SEI, the invisible watermark, de-identified copies, legal export.
#pragma once

#include <json/json.h>

#include <map>
#include <string>
#include <vector>

namespace va::plugin {

struct MaskRegion {
  int x = 0, y = 0, width = 0, height = 0;  // in the source picture's pixels
};

struct ProvenanceSettings {
  bool signSei = true;              // signed provenance SEI on every keyframe of archival copies
  bool watermark = true;            // the keyed invisible watermark in archival copies
  double watermarkStrength = 0;     // 0 = the codec's default
  std::string signingKeyFile;       // Ed25519 PEM; default <work>/keys/provenance-signing.pem
  std::string watermarkSecretFile;  // 32 bytes hex; default <work>/keys/watermark-master.key
  // De-identified copies.
  std::string deidentifiedPatientName = "ANONYMOUS";
  std::string deidentifiedSeriesDescription = "De-identified copy";
  bool cleanDescriptors = false;         // keep cleaned study / series descriptions
  bool retainDeviceIdentity = false;     // keep manufacturer model, serial numbers
  bool deidentifyPublicStudies = false;  // a study marked public gets a de-identified copy automatically
  // Burned-in annotations to black out, per device: key "Manufacturer^Model" (either part may be "*").
  std::map<std::string, std::vector<MaskRegion>> maskRegions;

  Json::Value ToJson() const;
};

ProvenanceSettings ParseProvenanceSettings(const Json::Value& section, const std::string& workDirectory);

// The regions configured for a device, most specific key first ("Maker^Model", "Maker^*", "*^Model", "*^*").
const std::vector<MaskRegion>* MaskRegionsFor(const ProvenanceSettings& s, const std::string& manufacturer,
                                              const std::string& model);

}  // namespace va::plugin
