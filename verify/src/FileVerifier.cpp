#include "va/verify/FileVerifier.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "va/archive/AuditTrail.h"
#include "va/archive/Base64.h"
#include "va/archive/Catalog.h"
#include "va/archive/Sha256.h"
#include "va/codec/CodecError.h"
#include "va/codec/Probe.h"
#include "va/codec/Provenance.h"
#include "va/dicom/DicomError.h"
#include "va/dicom/VideoInstance.h"

namespace va::verify {
namespace {

using archive::HexArchiveId;

bool IsDicom(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[132] = {};
  in.read(head, sizeof head);
  return in.gcount() == 132 && std::string(head + 128, 4) == "DICM";
}

// Removes the extracted bitstream on every way out.
struct ScratchFile {
  std::string path;
  ~ScratchFile() {
    if (!path.empty()) std::remove(path.c_str());
  }
};

Json::Value RecordJson(const codec::ProvenanceRecord& r) {
  Json::Value v(Json::objectValue);
  v["StudyInstanceUID"] = r.studyInstanceUid;
  v["SeriesInstanceUID"] = r.seriesInstanceUid;
  v["SOPInstanceUID"] = r.sopInstanceUid;
  v["RecordingStart"] = r.recordingStart;
  v["Device"] = r.device;
  v["SourceSha256"] = r.sourceSha256;
  v["Encoder"] = r.encoder;
  v["WatermarkId"] = r.watermarkId ? HexArchiveId(r.watermarkId) : "";
  v["KeyId"] = r.keyId;
  return v;
}

void CheckSei(const std::string& video, const VerifyKeys& keys, Json::Value& report, Json::Value& problems,
              codec::ProvenanceRecord* signedRecord, bool* signedAndIntact) {
  const codec::ProvenanceScan scan = codec::ScanProvenance(video, keys.decodePictures);
  Json::Value& sig = report["Signature"];
  Json::Value& chain = report["HashChain"];
  chain["Pictures"] = static_cast<Json::Int64>(scan.pictures);
  chain["PicturesWithHash"] = static_cast<Json::Int64>(scan.picturesWithHash);
  chain["PicturesDecodedAndCompared"] = static_cast<Json::Int64>(scan.picturesDecoded);
  chain["Value"] = archive::Sha256::Hex(std::string(scan.chain.begin(), scan.chain.end()));
  Json::Value mismatches(Json::arrayValue);
  for (int64_t i : scan.hashMismatches) mismatches.append(static_cast<Json::Int64>(i));
  chain["PicturesDifferingFromTheirHash"] = mismatches;
  for (const std::string& p : scan.problems) problems.append(p);

  int valid = 0;
  int chainsOk = 0;
  Json::Value messages(Json::arrayValue);
  for (size_t i = 0; i < scan.messages.size(); ++i) {
    const codec::ProvenanceMessage& m = scan.messages[i];
    Json::Value mv(Json::objectValue);
    mv["Kind"] = m.kind == codec::ProvenanceKind::Final ? "final" : "keyframe";
    mv["Picture"] = static_cast<Json::Int64>(scan.messageAt[i]);
    mv["PicturesBefore"] = static_cast<Json::Int64>(m.picturesBefore);
    const bool chainOk = scan.chainMatches[i];
    mv["ChainMatches"] = chainOk;
    if (chainOk) ++chainsOk;
    bool ok = false;
    if (!keys.publicKeyPem.empty()) {
      ok = archive::VerifyAuditSignature(keys.publicKeyPem, std::string(m.signedBytes.begin(), m.signedBytes.end()),
                                         archive::EncodeBase64(std::string(m.signature.begin(), m.signature.end())));
      if (!ok)
        problems.append("message " + std::to_string(i) + " (picture " + std::to_string(scan.messageAt[i]) +
                        "): signature invalid for the given public key");
    }
    mv["SignatureValid"] = keys.publicKeyPem.empty() ? Json::Value() : Json::Value(ok);
    if (ok) ++valid;
    messages.append(mv);
  }
  sig["Messages"] = static_cast<Json::UInt64>(scan.messages.size());
  sig["ValidSignatures"] = valid;
  sig["Checked"] = !keys.publicKeyPem.empty();
  sig["FinalMessage"] = scan.finalPresent;
  sig["Detail"] = messages;
  if (!scan.messages.empty()) {
    *signedRecord = scan.messages.front().record;
    report["Record"] = RecordJson(*signedRecord);
    // Every message must say the same thing: a record spliced in from another recording is an alteration.
    for (size_t i = 1; i < scan.messages.size(); ++i) {
      const auto& r = scan.messages[i].record;
      if (r.sopInstanceUid != signedRecord->sopInstanceUid || r.sourceSha256 != signedRecord->sourceSha256 ||
          r.watermarkId != signedRecord->watermarkId || r.studyInstanceUid != signedRecord->studyInstanceUid)
        problems.append("message " + std::to_string(i) + " names another record than the first message");
    }
  }
  chain["Status"] =
      scan.messages.empty() ? "absent"
      : (chainsOk == static_cast<int>(scan.messages.size()) && scan.hashMismatches.empty() && scan.finalPresent)
          ? "intact"
          : "broken";
  sig["Status"] = scan.messages.empty()                             ? "absent"
                  : keys.publicKeyPem.empty()                       ? "not checked (no public key)"
                  : valid == static_cast<int>(scan.messages.size()) ? "valid"
                                                                    : "invalid";
  *signedAndIntact = !scan.messages.empty() && !keys.publicKeyPem.empty() &&
                     valid == static_cast<int>(scan.messages.size()) && chain["Status"].asString() == "intact";
}

void CompareHeader(const dicom::InstanceHeader& h, const codec::ProvenanceRecord& r, Json::Value& report,
                   Json::Value& problems) {
  Json::Value& header = report["Header"];
  header["SOPInstanceUID"] = h.sopInstanceUid;
  header["StudyInstanceUID"] = h.studyInstanceUid;
  header["SeriesInstanceUID"] = h.seriesInstanceUid;
  header["TransferSyntaxUID"] = h.transferSyntaxUid;
  if (r.sopInstanceUid.empty()) return;
  const struct {
    const char* tag;
    const std::string& header;
    const std::string& sei;
  } pairs[] = {{"(0020,000D) StudyInstanceUID", h.studyInstanceUid, r.studyInstanceUid},
               {"(0020,000E) SeriesInstanceUID", h.seriesInstanceUid, r.seriesInstanceUid},
               {"(0008,0018) SOPInstanceUID", h.sopInstanceUid, r.sopInstanceUid}};
  bool match = true;
  for (const auto& p : pairs) {
    if (p.header != p.sei) {
      match = false;
      problems.append(std::string("header ") + p.tag + " is '" + p.header + "' but the signed SEI says '" + p.sei +
                      "'");
    }
  }
  header["MatchesSignedRecord"] = match;
}

}  // namespace

Json::Value VerifyFile(const std::string& path, const VerifyKeys& keys, const std::string& scratchDirectory) {
  Json::Value report(Json::objectValue);
  Json::Value problems(Json::arrayValue);
  report["File"] = std::filesystem::path(path).filename().string();
  std::string video = path;
  ScratchFile scratch;
  std::unique_ptr<dicom::VideoInstanceReader> instance;
  try {
    if (IsDicom(path)) {
      report["Kind"] = "dicom";
      instance = std::make_unique<dicom::VideoInstanceReader>(path);
      std::filesystem::create_directories(scratchDirectory);
      scratch.path = (std::filesystem::path(scratchDirectory) /
                      ("verify-" + std::to_string(::getpid()) + "-" +
                       std::to_string(reinterpret_cast<uintptr_t>(&report)) + ".bitstream"))
                         .string();
      instance->ExtractBitstream(scratch.path);
      video = scratch.path;
    } else {
      report["Kind"] = "video";
    }
  } catch (const std::exception& e) {
    report["Verdict"] = "unreadable";
    problems.append(std::string("not a readable DICOM video instance: ") + e.what());
    report["Problems"] = problems;
    return report;
  }

  bool intact = false;
  codec::ProvenanceRecord record;
  try {
    // Only HEVC carries the signed SEI: any other video (an original as a modality sent it, a re-encoded copy) is
    // unsigned, and only the watermark can say where it came from.
    const std::string codecName = codec::Probe(video).codecName;
    report["Codec"] = codecName;
    if (codecName == "hevc") {
      CheckSei(video, keys, report, problems, &record, &intact);
    } else {
      report["Signature"]["Status"] = "absent";
      report["Signature"]["Messages"] = 0;
      report["Signature"]["Note"] = "a " + codecName + " stream: the archive signs only the HEVC it writes";
      report["HashChain"]["Status"] = "absent";
    }
  } catch (const codec::CodecError& e) {
    report["Verdict"] = "unreadable";
    problems.append(std::string("cannot read the video: ") + e.what());
    report["Problems"] = problems;
    return report;
  }
  if (instance) {
    CompareHeader(instance->header(), record, report, problems);
    if (!report["Header"].get("MatchesSignedRecord", true).asBool()) intact = false;
  }

  if (keys.haveWatermarkKey) {
    Json::Value& w = report["Watermark"];
    try {
      codec::WatermarkDetector detector(keys.watermarkKey, keys.watermarkParams);
      const codec::WatermarkDetection d = codec::DetectWatermark(video, detector, keys.watermarkSeconds);
      w["Found"] = d.found;
      w["ArchiveId"] = d.found ? HexArchiveId(d.archiveId) : "";
      w["Confidence"] = d.confidence;
      w["FalsePositiveLog2"] = d.falsePositiveLog2;
      w["FramesUsed"] = d.framesUsed;
      if (!d.reason.empty()) w["Reason"] = d.reason;
      if (d.found && record.watermarkId != 0 && d.archiveId != record.watermarkId)
        problems.append("the watermark carries ID " + HexArchiveId(d.archiveId) + " but the signed SEI says " +
                        HexArchiveId(record.watermarkId));
    } catch (const codec::CodecError& e) {
      w["Found"] = false;
      w["Reason"] = e.what();
    }
  }

  const bool hasMessages = report["Signature"].get("Messages", 0).asInt() > 0;
  report["Verdict"] = !hasMessages ? "unsigned" : (intact && problems.empty()) ? "intact" : "altered";
  report["Problems"] = problems;
  return report;
}

}  // namespace va::verify
