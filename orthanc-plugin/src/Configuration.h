// The "VideoArchive" section of the Orthanc configuration file, with its documented defaults (README.md).
#pragma once

#include <json/json.h>

#include <cstdint>
#include <string>

#include "ProvenanceConfiguration.h"
#include "SecurityConfiguration.h"
#include "StorageConfiguration.h"

namespace va::plugin {

struct QualityGate {
  double minPsnrY = 38.0;  // dB, mean PSNR-Y of the encoded frames against the decoded source (README: why)
  double minSsim = 0.96;   // mean SSIM
};

// Recorder uploads (tus and STOW-RS with bulkdata): limits, segmenting, worklist lookup.
struct UploadSettings {
  bool enable = true;
  int64_t maxSize = 256LL << 30;        // bytes one upload may announce
  double expirationHours = 24;          // an unfinished upload untouched this long is deleted
  double segmentMaxMinutes = 20;        // a longer recording is split into instances of at most this duration
  int64_t segmentMaxBytes = 1LL << 30;  // ... and at most this size (cut at keyframes)
  int keyframeIntervalSeconds = 2;      // keyframe spacing of transcoded recordings (bounds segment cut precision)
  bool keepOriginals = false;           // keep the untouched uploaded file beside its DICOM instances
  std::string worklistsFolder;          // *.wl files (ModalityWorklists plugin folder); "" = none
  std::string worklistHost;             // a remote worklist SCP queried by C-FIND; "" = none
  int worklistPort = 104;
  std::string worklistAet;  // its called AE title
  std::string worklistCallingAet = "VIDEOARCHIVE";
  int stowWaitSeconds = 600;
  int maxBufferedRequestMegabytes = 64;  // larger request bodies must come with Transfer-Encoding: chunked  // a
                                         // STOW-RS request waits this long for its instances before answering 202
};

// Playback: MP4 with Range, HLS, H.264 renditions for browsers, thumbnails, transcode on retrieve.
struct DeliverySettings {
  bool enable = true;
  int maxAnswerMegabytes = 8;                // no single HTTP answer holds more (Range answers are cut to it)
  std::string renditions = "OnDemand";       // H.264 renditions of HEVC / MPEG-2 video: OnDemand, AtArchive, Never
  std::string renditionPreset = "veryfast";  // x264 preset
  int renditionCrf = 23;                     // x264 CRF
  int renditionMaxHeight = 1080;             // fits the H.264 High Profile / Level 4.2 transfer syntax
  double hlsSegmentSeconds = 6;              // target HLS segment length (cut at keyframes)
  bool transcodeOnRetrieve = true;           // C-GET / C-MOVE / WADO clients that accept only H.264 get H.264
  std::string assetsFolder;                  // player page and hls.js; "" = <plugin source>/orthanc-plugin/assets
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
  UploadSettings uploads;
  DeliverySettings delivery;
  StorageSettings storage;
  SecuritySettings security;
  ProvenanceSettings provenance;
  std::string storageDirectory;  // Orthanc's StorageDirectory, for reading attachments without a copy

  Json::Value ToJson() const;
};

// Reads and validates the section; throws std::runtime_error naming the bad option.
Configuration ParseConfiguration(const Json::Value& orthancConfiguration);

}  // namespace va::plugin
