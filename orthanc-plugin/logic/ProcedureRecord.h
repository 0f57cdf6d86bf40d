// The procedure record a recorder sends with an upload (tus Upload-Metadata, or STOW-RS DICOM JSON metadata):
// who was recorded, by whom, with what, and how the video is laid out. Values are already validated and in DICOM
// form (dates YYYYMMDD, person names with '^', UTF-8).
#pragma once

#include <stdexcept>
#include <string>

namespace va::plugin {

// A field of the upload is missing or malformed. field is the client's name for it (e.g. "patientBirthDate").
class MetadataError : public std::runtime_error {
 public:
  MetadataError(std::string field, const std::string& reason)
      : std::runtime_error("metadata field '" + field + "': " + reason), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

enum class VideoKind { Endoscopic, Microscopic, Photographic };
enum class StereoLayout { None, SideBySide, TopBottom };

struct ProcedureRecord {
  std::string patientId;         // LO
  std::string patientName;       // PN, e.g. "DOE^JANE"
  std::string patientBirthDate;  // DA YYYYMMDD, "" = unknown
  std::string patientSex;        // M, F, O or ""
  std::string accessionNumber;   // SH
  std::string studyDescription;  // LO
  std::string studyInstanceUid;  // UI, "" = the archive makes one (or the worklist gives one)
  std::string procedureCodeValue, procedureCodeScheme, procedureCodeMeaning;  // Procedure Code Sequence item
  std::string operatorName;                                                   // PN (Operators' Name)
  std::string organisation;                                                   // LO (Institution Name)
  std::string manufacturer, modelName, deviceSerialNumber;                    // LO
  std::string recordingStartUtc;                                              // DT, YYYYMMDDHHMMSS[.FFFFFF]+0000
  VideoKind videoKind = VideoKind::Endoscopic;
  StereoLayout stereo = StereoLayout::None;
  std::string sha256;  // optional whole-file SHA-256 (lowercase hex) the recorder computed; checked at completion
};

const char* ToString(VideoKind kind);       // "endoscopic", ...
const char* ToString(StereoLayout layout);  // "none", "side-by-side", "top-bottom"

}  // namespace va::plugin
