#include <gtest/gtest.h>

#include <string>

#include "Configuration.h"
#include "JsonText.h"

using va::plugin::Configuration;
using va::plugin::ParseConfiguration;

namespace {

Json::Value Parse(const std::string& text) {
  return ParseJsonText(text);
}

std::string ErrorOf(const std::string& text) {
  try {
    ParseConfiguration(Parse(text));
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigurationTest, DefaultsWithoutASection) {
  const Configuration c = ParseConfiguration(Parse(R"({"StorageDirectory": "/data/storage"})"));
  EXPECT_TRUE(c.enable);
  EXPECT_TRUE(c.autoArchive);
  EXPECT_EQ(c.workDirectory, "/data/storage/video-archive");
  EXPECT_EQ(c.preset, "fast");
  EXPECT_EQ(c.crf, 22);
  EXPECT_EQ(c.bitDepth, 8);
  EXPECT_FALSE(c.deleteOriginal);
  EXPECT_EQ(c.gate.minPsnrY, 38.0);
  EXPECT_EQ(c.gate.minSsim, 0.96);
  EXPECT_EQ(c.ToJson()["QualityGate"]["MinSsim"].asDouble(), 0.96);
}

TEST(ConfigurationTest, ReadsEveryOption) {
  const Configuration c = ParseConfiguration(Parse(R"({"VideoArchive": {
      "Enable": false, "AutoArchive": false, "WorkDirectory": "/w", "Preset": "medium", "Crf": 20.5,
      "BitDepth": 10, "ReencodeHevc": true, "KeepAudio": false, "EncoderThreads": 2,
      "QualityGate": {"MinPsnrY": 41, "MinSsim": 0.98}, "DeleteOriginal": true, "SeriesDescription": "X",
      "SeriesNumberOffset": 5, "MaxAttempts": 7, "FramesPerStep": 9, "JobPriority": -3}})"));
  EXPECT_FALSE(c.enable);
  EXPECT_FALSE(c.autoArchive);
  EXPECT_EQ(c.workDirectory, "/w");
  EXPECT_EQ(c.preset, "medium");
  EXPECT_EQ(c.crf, 20.5);
  EXPECT_EQ(c.bitDepth, 10);
  EXPECT_TRUE(c.reencodeHevc);
  EXPECT_FALSE(c.keepAudio);
  EXPECT_EQ(c.encoderThreads, 2);
  EXPECT_EQ(c.gate.minPsnrY, 41);
  EXPECT_EQ(c.gate.minSsim, 0.98);
  EXPECT_TRUE(c.deleteOriginal);
  EXPECT_EQ(c.seriesDescription, "X");
  EXPECT_EQ(c.seriesNumberOffset, 5);
  EXPECT_EQ(c.maxAttempts, 7);
  EXPECT_EQ(c.framesPerStep, 9);
  EXPECT_EQ(c.jobPriority, -3);
}

TEST(ConfigurationTest, MistakesNameTheOption) {
  EXPECT_EQ(ErrorOf(R"({"VideoArchive": {"Presett": "fast"}})"), "configuration: unknown option VideoArchive.Presett");
  EXPECT_EQ(ErrorOf(R"({"VideoArchive": {"QualityGate": {"MinPsnr": 3}}})"),
            "configuration: unknown option VideoArchive.QualityGate.MinPsnr");
  EXPECT_NE(ErrorOf(R"({"VideoArchive": {"Preset": "quick"}})").find("not an x265 preset"), std::string::npos);
  EXPECT_EQ(ErrorOf(R"({"VideoArchive": {"Crf": 60}})"),
            "configuration: VideoArchive.Crf must be a number from 0 to 51");
  EXPECT_EQ(ErrorOf(R"({"VideoArchive": {"BitDepth": 9}})"), "configuration: VideoArchive.BitDepth must be 8 or 10");
  EXPECT_EQ(ErrorOf(R"({"VideoArchive": {"MaxAttempts": 1.5}})"),
            "configuration: VideoArchive.MaxAttempts must be an integer from 1 to 100");
  EXPECT_EQ(ErrorOf(R"({"VideoArchive": {"KeepAudio": "yes"}})"),
            "configuration: VideoArchive.KeepAudio must be true or false");
  EXPECT_EQ(ErrorOf(R"({"VideoArchive": []})"), "configuration: \"VideoArchive\" must be an object");
}

}  // namespace

namespace {

TEST(ConfigurationTest, UploadsDefaultsAndOptions) {
  const Configuration d = ParseConfiguration(Parse("{}"));
  EXPECT_TRUE(d.uploads.enable);
  EXPECT_EQ(d.uploads.segmentMaxBytes, int64_t{1} << 30);
  EXPECT_DOUBLE_EQ(d.uploads.segmentMaxMinutes, 20);
  EXPECT_EQ(d.uploads.maxBufferedRequestMegabytes, 64);
  EXPECT_TRUE(d.uploads.worklistHost.empty());

  const Configuration c = ParseConfiguration(Parse(R"({"VideoArchive": {"Uploads": {
      "SegmentMaxMinutes": 0.5, "SegmentMaxMegabytes": 100, "ExpirationHours": 0.5, "KeepOriginals": true,
      "WorklistsFolder": "/wl", "WorklistScp": ["RIS", "ris.example.org", 1104], "MaxSizeGigabytes": 2}}})"));
  EXPECT_DOUBLE_EQ(c.uploads.segmentMaxMinutes, 0.5);
  EXPECT_EQ(c.uploads.segmentMaxBytes, int64_t{100} << 20);
  EXPECT_DOUBLE_EQ(c.uploads.expirationHours, 0.5);
  EXPECT_TRUE(c.uploads.keepOriginals);
  EXPECT_EQ(c.uploads.worklistsFolder, "/wl");
  EXPECT_EQ(c.uploads.worklistAet, "RIS");
  EXPECT_EQ(c.uploads.worklistHost, "ris.example.org");
  EXPECT_EQ(c.uploads.worklistPort, 1104);
  EXPECT_EQ(c.uploads.maxSize, int64_t{2} << 30);
  EXPECT_EQ(c.ToJson()["Uploads"]["WorklistScp"][2].asInt(), 1104);
}

TEST(ConfigurationTest, UploadsErrorsNameTheOption) {
  EXPECT_NE(ErrorOf(R"({"VideoArchive": {"Uploads": {"SegmentMinutes": 5}}})").find("Uploads.SegmentMinutes"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"VideoArchive": {"Uploads": {"SegmentMaxMegabytes": 5000}}})").find("SegmentMaxMegabytes"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"VideoArchive": {"Uploads": {"WorklistScp": ["RIS", 104]}}})").find("WorklistScp"),
            std::string::npos);
}

}  // namespace
