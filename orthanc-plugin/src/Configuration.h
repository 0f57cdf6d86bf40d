// The "VideoArchive" section of the Orthanc configuration file, with its documented defaults (README.md).
#pragma once

#include <json/json.h>

#include <string>

namespace va::plugin {

struct QualityGate {
  double minPsnrY = 38.0;  // dB, mean PSNR-Y of the encoded frames against the decoded source (README: why)
  double minSsim = 0.96;   // mean SSIM
};

struct Configuration {
  bool enable = true;
  bool autoArchive = true;      // archive every incoming video instance
  std::string workDirectory;    // catalog + scratch files; default <StorageDirectory>/video-archive
  std::string preset = "fast";  // x265 preset
  double crf = 22;              // x265 CRF
  int bitDepth = 8;             // 8 -> HEVC Main (.107), 10 -> HEVC Main 10 (.108)
  bool reencodeHevc = false;    // re-encode sources that are already HEVC
  bool keepAudio = true;        // false drops audio tracks from the archival copy
  int encoderThreads = 0;       // 0 = x265 decides
  QualityGate gate;
  bool deleteOriginal = false;  // delete the source once the copy was verified and passed the gate
  std::string seriesDescription = "Archival HEVC copy";
  int seriesNumberOffset = 1000;  // derived series number = source series number + offset
  int maxAttempts = 3;            // a task whose runs crashed the process this often fails visibly
  int framesPerStep = 25;         // frames per job step (progress granularity, pause latency)
  int jobPriority = 0;
  std::string storageDirectory;  // Orthanc's StorageDirectory, for reading attachments without a copy

  Json::Value ToJson() const;
};

// Reads and validates the section; throws std::runtime_error naming the bad option.
Configuration ParseConfiguration(const Json::Value& orthancConfiguration);

}  // namespace va::plugin
