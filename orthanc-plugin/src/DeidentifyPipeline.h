// A de-identified copy of one study, for research and teaching: every video instance of the study (the original
// when it is still stored, else its archival copy) re-encoded with the configured burned-in regions blacked out, a
// new watermark ID and a signed SEI without identifying fields, its header de-identified (PS3.15 Basic Profile,
// dicom/Deidentify.h) with new UIDs derived from the study's by a keyed hash, stored as a separate study.
#pragma once

#include <json/json.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "Configuration.h"
#include "ScratchFolder.h"
#include "StudyInstances.h"
#include "va/archive/Catalog.h"

namespace va::codec {
class Transcoder;
}
namespace va::dicom {
class VideoInstanceReader;
}

namespace va::plugin {

class ProvenanceService;

class DeidentifyPipeline {
 public:
  DeidentifyPipeline(const Configuration& config, const ProvenanceService& provenance, archive::Catalog& catalog,
                     std::string studyUid);
  ~DeidentifyPipeline();
  DeidentifyPipeline(const DeidentifyPipeline&) = delete;
  DeidentifyPipeline& operator=(const DeidentifyPipeline&) = delete;

  // One bounded piece of work; true while there is more. Throws std::exception with a reason.
  bool Step();
  float Progress() const;
  Json::Value Describe() const;
  // The new study's UID (known from the start: a keyed hash of the original's).
  const std::string& NewStudyUid() const { return newStudyUid_; }

 private:
  void Plan();
  void StartInstance();
  void FinishInstance();

  const Configuration& config_;
  const ProvenanceService& provenance_;
  archive::Catalog& catalog_;
  std::string studyUid_;
  std::string newStudyUid_;
  ScratchFolder scratch_;
  bool planned_ = false;
  std::vector<StudyInstance> todo_;
  size_t next_ = 0;
  std::unique_ptr<dicom::VideoInstanceReader> source_;
  std::unique_ptr<codec::Transcoder> transcoder_;
  std::string newSopUid_;
  uint64_t watermarkId_ = 0;
  bool masked_ = false;
  Json::Value done_{Json::arrayValue};
  Json::Value skipped_{Json::arrayValue};
};

}  // namespace va::plugin
