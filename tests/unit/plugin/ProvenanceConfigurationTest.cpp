// The VideoArchive.Provenance section: defaults, mask regions per device, and errors that name the option.
#include <gtest/gtest.h>

#include <string>

#include "Configuration.h"
#include "JsonText.h"

namespace {

using va::plugin::MaskRegionsFor;
using va::plugin::ParseConfiguration;

std::string ErrorOf(const std::string& provenance) {
  try {
    ParseConfiguration(ParseJsonText(R"({"VideoArchive": {"Provenance": )" + provenance + "}}"));
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(ProvenanceConfiguration, DefaultsSignAndMarkWithKeysInTheWorkDirectory) {
  const auto c = ParseConfiguration(ParseJsonText(R"({"StorageDirectory": "/data/storage"})"));
  EXPECT_TRUE(c.provenance.signSei);
  EXPECT_TRUE(c.provenance.watermark);
  EXPECT_FALSE(c.provenance.deidentifyPublicStudies);
  EXPECT_EQ(c.provenance.signingKeyFile, "/data/storage/video-archive/keys/provenance-signing.pem");
  EXPECT_EQ(c.provenance.watermarkSecretFile, "/data/storage/video-archive/keys/watermark-master.key");
  EXPECT_EQ(MaskRegionsFor(c.provenance, "Any", "Model"), nullptr);
}

TEST(ProvenanceConfiguration, MaskRegionsMostSpecificKeyFirst) {
  const auto c = ParseConfiguration(ParseJsonText(R"({"VideoArchive": {"Provenance": {"MaskRegions": {
      "Olympus^OTV-S300": [[0, 0, 400, 60], [0, 1000, 1920, 80]],
      "Olympus^*": [[1, 2, 3, 4]],
      "*^*": [[5, 6, 7, 8]]}}}})"));
  const auto* exact = MaskRegionsFor(c.provenance, "Olympus", "OTV-S300");
  ASSERT_NE(exact, nullptr);
  ASSERT_EQ(exact->size(), 2u);
  EXPECT_EQ((*exact)[1].y, 1000);
  EXPECT_EQ((*exact)[1].width, 1920);
  EXPECT_EQ(MaskRegionsFor(c.provenance, "Olympus", "Other")->front().x, 1);
  EXPECT_EQ(MaskRegionsFor(c.provenance, "Storz", "Image1")->front().x, 5);
  EXPECT_EQ(c.ToJson()["Provenance"]["MaskRegions"]["Olympus^*"][0][3].asInt(), 4);
}

TEST(ProvenanceConfiguration, MistakesNameTheOption) {
  EXPECT_NE(ErrorOf(R"({"Watermarks": true})").find("VideoArchive.Provenance.Watermarks"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"MaskRegions": {"NoCaret": [[0, 0, 1, 1]]}})").find("Manufacturer^Model"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"MaskRegions": {"A^B": [[0, 0, 0, 10]]}})").find("MaskRegions.A^B[0]"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"MaskRegions": {"A^B": [[0, 0, 10]]}})").find("[x, y, width, height]"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"WatermarkStrength": 100})").find("WatermarkStrength"), std::string::npos);
  EXPECT_EQ(ErrorOf(R"({"SignSei": false, "Watermark": false, "WatermarkStrength": 24})"), "");
}

}  // namespace
