// The metadata part of a STOW-RS metadata+bulkdata upload of a video (application/dicom+json, PS3.18 F.2): one
// data set whose Pixel Data references the video part by BulkDataURI, read into a ProcedureRecord plus the
// identifiers of the instance.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ProcedureRecord.h"

namespace va::plugin {

struct StowVideoMetadata {
  ProcedureRecord record;  // videoKind from the SOP class; stereo None; sha256 ""
  std::string sopClassUid, sopInstanceUid, seriesInstanceUid, seriesDescription, bulkDataUri, transferSyntaxUid;
};

constexpr size_t kMaxStowMetadataBytes = 1024 * 1024;

// A JSON array holding exactly one data set. Required: SOPClassUID (one of the three video SOP classes) and
// PixelData as a BulkDataURI. Values follow the rules of DicomValueRules.h. Throws MetadataError naming the
// attribute as "PatientID (00100020)", or "application/dicom+json" for the document as a whole.
StowVideoMetadata ParseStowVideoMetadata(const std::string& json);
// The same, with "now" given (for the "not in the future" rules; tests).
StowVideoMetadata ParseStowVideoMetadata(const std::string& json, int64_t nowUnixSeconds);

// Throws MetadataError naming PatientID (00100020) / PatientName (00100010) when they are still missing after the
// worklist merge.
void CheckPatientIdentified(const StowVideoMetadata& metadata);

}  // namespace va::plugin
