// Turns one complete recorder upload into DICOM video instances, in stages an Orthanc job steps through:
// verify -> plan (probe, policy) -> per view: transcode (many steps, only when needed) -> segment -> store.
// UIDs are derived from the upload's ID, so a run interrupted by a crash and started again makes the same
// instances (Orthanc keeps one copy), never duplicates.
#pragma once

#include <json/json.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "Configuration.h"
#include "ProcedureRecord.h"
#include "ScratchFolder.h"
#include "va/archive/UploadStore.h"
#include "va/codec/Probe.h"
#include "va/codec/Segmenter.h"
#include "va/codec/Transcoder.h"

namespace va::plugin {

class IngestPipeline {
 public:
  IngestPipeline(const Configuration& config, archive::UploadStore& uploads, std::string uploadId);
  ~IngestPipeline();
  IngestPipeline(const IngestPipeline&) = delete;
  IngestPipeline& operator=(const IngestPipeline&) = delete;

  bool Step();  // one bounded piece of work; true while there is more. Throws std::exception with a reason.
  float Progress() const;
  Json::Value Describe() const;  // for the job's content in /jobs
  const Json::Value& Result() const { return result_; }

  // One picture stream to archive: the whole frame, or one eye of a frame-packed stereoscopic recording.
  struct View {
    std::string name;  // "" (mono), "left", "right"
    codec::TranscodeOptions::CropRect crop;
    bool wrap = false;           // the stream is archived as it is (no re-encoding)
    std::string transferSyntax;  // of the instances made
    std::string why;             // why wrapped or transcoded
    std::string mp4;             // the stream to segment
    std::string seriesUid;
    int seriesNumber = 1;
    std::vector<codec::SegmentInfo> segments;
    Json::Value instances{Json::arrayValue};
    Json::Value transcode;  // figures of the transcode, when there was one
  };

 private:
  enum class Stage { Verify, Plan, Transcode, Segment, Store, Finish, Done };
  void Verify();
  void Plan();
  void StartTranscode();
  void Segment();
  void StoreNext();
  void Finish();
  std::string Uid(const std::string& what) const;

  const Configuration& config_;
  archive::UploadStore& uploads_;
  std::string id_;
  archive::Upload upload_;
  Json::Value recordJson_;
  ProcedureRecord record_;
  std::string dataPath_;
  ScratchFolder scratch_;
  Stage stage_ = Stage::Verify;
  codec::StreamInfo source_;
  std::vector<View> views_;
  size_t view_ = 0;     // the view being worked on
  size_t segment_ = 0;  // the next segment to store
  std::unique_ptr<codec::Transcoder> transcoder_;
  std::string studyUid_;
  Json::Value notes_{Json::arrayValue};
  Json::Value result_;
};

}  // namespace va::plugin
