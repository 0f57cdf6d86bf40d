// libFuzzer target: the tus request headers a client controls. ParseUploadMetadata on the whole input, then each of
// the first lines as Upload-Length, Upload-Offset, Upload-Checksum, Tus-Resumable and Content-Type; FormatHttpDate on
// the first 8 bytes. Only the documented exceptions are caught (MetadataError, TusError, std::out_of_range from
// FormatHttpDate); anything else escaping is a bug. Accepted values are checked again (the rules must be
// idempotent) and strict base64 must round-trip. Seeds in tests/fuzz/corpus/plugin/ (upload_*.txt).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "DicomValueRules.h"
#include "TusHeaders.h"
#include "UploadMetadata.h"
#include "va/archive/Base64.h"

using namespace va::plugin;

namespace {

constexpr int64_t kNow = 1795780800;  // 2026-11-27T12:00:00Z, fixed so a run is reproducible

void Require(bool condition) {
  if (!condition) std::abort();
}

void CheckRecord(const ProcedureRecord& r) {
  Require(!r.organisation.empty() && !r.manufacturer.empty() && !r.modelName.empty());
  Require(r.recordingStartUtc.size() >= 19 &&
          r.recordingStartUtc.compare(r.recordingStartUtc.size() - 5, 5, "+0000") == 0);
  Require(CheckLongString("x", r.patientId) == r.patientId);
  Require(CheckPersonName("x", r.patientName) == r.patientName);
  Require(CheckPersonName("x", r.operatorName) == r.operatorName);
  Require(CheckUid("x", r.studyInstanceUid) == r.studyInstanceUid);
  Require(CheckBirthDate("x", r.patientBirthDate, kNow) == r.patientBirthDate);
  Require(CheckSha256Hex("x", r.sha256) == r.sha256);
  Require(r.patientSex.empty() || r.patientSex == "M" || r.patientSex == "F" || r.patientSex == "O");
  Require(CheckDicomDateTime("x", r.recordingStartUtc, std::nullopt, kNow) == r.recordingStartUtc);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::optional<ProcedureRecord> record;
  try {
    record = ParseUploadMetadata(input, kNow);
  } catch (const MetadataError& e) {
    Require(!e.field().empty());
  }
  if (record) {
    CheckRecord(*record);  // outside the try: a rule refusing what it accepted before must crash
    try {
      CheckPatientIdentified(*record);
    } catch (const MetadataError&) {
    }
  }

  // The first lines only: thousands of thrown errors per input would slow the search to a crawl.
  size_t lines = 0;
  for (size_t begin = 0; begin <= input.size() && lines++ < 16;) {
    size_t end = input.find('\n', begin);
    if (end == std::string::npos) end = input.size();
    const std::string line = input.substr(begin, end - begin);
    begin = end + 1;
    try {
      Require(ParseUploadLength(line, int64_t{1} << 40) <= (int64_t{1} << 40));
    } catch (const TusError& e) {
      Require(e.status() == 400 || e.status() == 413);
    }
    try {
      Require(ParseUploadOffset(line) >= 0);
    } catch (const TusError& e) {
      Require(e.status() == 400);
    }
    try {
      Require(ParseUploadChecksum(line).digest.size() == 32);
    } catch (const TusError& e) {
      Require(e.status() == 400);
    }
    try {
      CheckTusResumable(line);
    } catch (const TusError& e) {
      Require(e.status() == 412);
    }
    try {
      CheckPatchContentType(line);
    } catch (const TusError& e) {
      Require(e.status() == 415);
    }
  }

  if (const std::optional<std::string> decoded = va::archive::DecodeBase64(input))
    Require(va::archive::EncodeBase64(*decoded) == input);

  if (size >= 8) {
    int64_t seconds = 0;
    std::memcpy(&seconds, data, sizeof seconds);
    try {
      Require(FormatHttpDate(seconds).size() == 29);
    } catch (const std::out_of_range&) {
    }
  }
  return 0;
}
