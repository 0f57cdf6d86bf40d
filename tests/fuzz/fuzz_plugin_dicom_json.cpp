// libFuzzer target: ParseStowVideoMetadata on arbitrary bytes must return or throw MetadataError (nothing else:
// jsoncpp's own exceptions included), and what it returns must pass the same rules again. Seeds in
// tests/fuzz/corpus/plugin/ (dicom_json_*.json).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "DicomJsonRecord.h"
#include "DicomValueRules.h"

using namespace va::plugin;

namespace {

constexpr int64_t kNow = 1795780800;  // 2026-11-27T12:00:00Z, fixed so a run is reproducible

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::optional<StowVideoMetadata> parsed;
  try {
    parsed = ParseStowVideoMetadata(std::string(reinterpret_cast<const char*>(data), size), kNow);
  } catch (const MetadataError& e) {
    Require(!e.field().empty());
  }
  if (!parsed) return 0;
  // Outside the try: a rule refusing what it accepted before must crash.
  const StowVideoMetadata& m = *parsed;
  Require(m.sopClassUid.rfind("1.2.840.10008.5.1.4.1.1.77.1.", 0) == 0);
  Require(!m.bulkDataUri.empty());
  const ProcedureRecord& r = m.record;
  Require(CheckPersonName("x", r.patientName) == r.patientName);
  Require(CheckPersonName("x", r.operatorName) == r.operatorName);
  Require(CheckLongString("x", r.organisation) == r.organisation);
  Require(CheckUid("x", m.sopInstanceUid) == m.sopInstanceUid);
  Require(CheckDicomDateTime("x", r.recordingStartUtc, std::nullopt, kNow) == r.recordingStartUtc);
  Require(r.procedureCodeValue.empty() == r.procedureCodeMeaning.empty());
  try {
    CheckPatientIdentified(m);
  } catch (const MetadataError&) {
  }
  return 0;
}
