// The signed legal export package of one study (archive/LegalPackage.h): its DICOM files, the video of each as a
// file of its own (the MP4 / MPEG-2 TS encapsulated in it), and a chain of custody gathered from what the archive
// recorded: Orthanc's reception of each instance, the storage catalog's hashes and tier moves, every transcode with
// its quality figures, every watermark written, every access in the audit trail, and a digest of every header
// attribute of every DICOM file (so a verifier can name the attribute that changed).
#pragma once

#include <cstdint>
#include <string>

#include "PluginState.h"

namespace va::plugin {

struct LegalExportResult {
  std::string id;    // the package's name under <work>/exports/<study>/
  std::string path;  // where it is
  uint64_t size = 0;
  std::string sha256;
  int files = 0;
  int custodyEvents = 0;
};

// Builds a new package for the study. Throws HttpError 404 when the study is not stored.
LegalExportResult BuildLegalExport(PluginState& state, const std::string& studyUid, const std::string& requestedBy);

// The folder a study's packages are kept in.
std::string LegalExportFolder(const Configuration& config, const std::string& studyUid);

}  // namespace va::plugin
