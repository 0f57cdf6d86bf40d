// One archival transcode of one source instance, in stages that an Orthanc job steps through:
// fetch -> transcode (many steps) -> verify + build -> store -> (optionally) delete the original.
#pragma once

#include <json/json.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "Configuration.h"
#include "ScratchFolder.h"
#include "va/archive/Catalog.h"
#include "va/codec/Transcoder.h"
#include "va/dicom/VideoInstance.h"

namespace va::plugin {

// A reason to stop that is not an error of ours: the source needs no archiving (already HEVC, our own copy).
class SkipTask : public std::runtime_error {
 public:
  explicit SkipTask(const std::string& reason) : std::runtime_error(reason) {}
};

// The pixel description of an HEVC copy (Main or Main 10) as the transcode made it.
dicom::VideoPixelDescription HevcPixelsOf(const codec::TranscodeResult& result, int bitDepth);
// "Manufacturer / Model / Serial" of a header, the parts it has.
std::string DeviceText(const dicom::InstanceHeader& header);

class ArchivePipeline {
 public:
  enum class Stage { Fetch, Transcode, Finish, Done };

  ArchivePipeline(const Configuration& config, archive::Catalog& catalog, std::string sourceId);
  ~ArchivePipeline();
  ArchivePipeline(const ArchivePipeline&) = delete;
  ArchivePipeline& operator=(const ArchivePipeline&) = delete;

  // Runs one bounded piece of work. Returns true while there is more. Throws SkipTask or std::exception.
  bool Step();
  float Progress() const;
  Json::Value Describe() const;  // for the job's content in /jobs
  const std::string& DerivedId() const { return derivedId_; }
  const Json::Value& Quality() const { return quality_; }
  const std::string& Summary() const { return summary_; }

 private:
  void Fetch();
  void Finish();
  std::string BuildSummary(bool gatePassed) const;

  const Configuration& config_;
  archive::Catalog& catalog_;
  std::string sourceId_;
  ScratchFolder scratch_;
  Stage stage_ = Stage::Fetch;
  std::string sourceFile_;  // where the source DICOM file is read from (Orthanc's storage or a scratch copy)
  std::unique_ptr<dicom::VideoInstanceReader> source_;
  std::unique_ptr<codec::Transcoder> transcoder_;
  std::string sourceTsName_;
  std::string derivedId_;
  std::string derivedSopUid_;
  std::string derivedSeriesUid_;
  std::string sourceSha256_;  // of the extracted source bitstream (what the signed SEI names)
  uint64_t watermarkId_ = 0;
  bool signedSei_ = false;
  Json::Value quality_;
  std::string summary_;
};

}  // namespace va::plugin
