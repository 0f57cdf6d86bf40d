// The tus Upload-Metadata header of a recorder upload (https://tus.io/protocols/resumable-upload#upload-metadata):
// comma-separated "key base64value" pairs, parsed and validated into a ProcedureRecord.
#pragma once

#include <cstdint>
#include <string>

#include "ProcedureRecord.h"

namespace va::plugin {

// Throws MetadataError naming the client's key (or "Upload-Metadata" when the header itself is malformed).
// Required: organisation, manufacturer, model, recordingStart, videoKind. patientId and patientName are not
// required here: a worklist may supply them from the accessionNumber (see CheckPatientIdentified).
ProcedureRecord ParseUploadMetadata(const std::string& uploadMetadataHeader);
// The same, with "now" given (for the "not in the future" rules; tests).
ProcedureRecord ParseUploadMetadata(const std::string& uploadMetadataHeader, int64_t nowUnixSeconds);

// Throws MetadataError("patientId" / "patientName") when the record still lacks them after the worklist merge.
void CheckPatientIdentified(const ProcedureRecord& record);

// One line naming every field, required ones marked, for error messages and documentation.
std::string DescribeFields();

}  // namespace va::plugin
