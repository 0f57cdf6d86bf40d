#include "DeidentifyPipeline.h"

#include <cstdio>

#include "ArchivePipeline.h"
#include "OrthancApi.h"
#include "ProvenanceService.h"
#include "SourceAttachment.h"
#include "va/codec/Transcoder.h"
#include "va/dicom/Deidentify.h"
#include "va/dicom/TransferSyntaxTable.h"
#include "va/dicom/VideoInstance.h"

namespace va::plugin {

DeidentifyPipeline::DeidentifyPipeline(const Configuration& config, const ProvenanceService& provenance,
                                       archive::Catalog& catalog, std::string studyUid)
    : config_(config),
      provenance_(provenance),
      catalog_(catalog),
      studyUid_(std::move(studyUid)),
      newStudyUid_(provenance_.Secret().PseudonymUid(studyUid_)),
      scratch_(config_.workDirectory, "deidentify-" + newStudyUid_) {}

// The transcoder and the source reader (declared after the scratch folder) close their files before it is removed.
DeidentifyPipeline::~DeidentifyPipeline() = default;

void DeidentifyPipeline::Plan() {
  const std::vector<StudyInstance> all = InstancesOfStudy(studyUid_);
  if (all.empty()) throw std::runtime_error("study " + studyUid_ + " is not stored here");
  for (const StudyInstance& i : all) {
    // An archival copy stands in for its original only when the original is gone: one copy per recording.
    if (catalog_.IsDerived(i.sopInstanceUid)) {
      const auto link = catalog_.FindDerivedById(i.orthancId);
      if (link && !link->sourceDeleted) {
        Json::Value s;
        s["SOPInstanceUID"] = i.sopInstanceUid;
        s["Reason"] = "archival copy of an original that is copied instead";
        skipped_.append(s);
        continue;
      }
    }
    todo_.push_back(i);
  }
  planned_ = true;
}

void DeidentifyPipeline::StartInstance() {
  const StudyInstance& i = todo_[next_];
  const std::filesystem::path dir = scratch_ / std::to_string(next_);
  std::filesystem::create_directories(dir);
  const std::string file = LocateSourceFile(config_, i.orthancId, dir / "source.dcm");
  source_ = std::make_unique<dicom::VideoInstanceReader>(file);
  const dicom::InstanceHeader& h = source_->header();
  if (h.patientIdentityRemoved || dicom::FindVideoTransferSyntax(h.transferSyntaxUid) == nullptr) {
    Json::Value s;
    s["SOPInstanceUID"] = i.sopInstanceUid;
    s["Reason"] = h.patientIdentityRemoved ? "already de-identified" : "not a video instance";
    skipped_.append(s);
    source_.reset();
    ++next_;
    return;
  }
  const std::string bitstream = (dir / "source.bitstream").string();
  source_->ExtractBitstream(bitstream);

  const ProvenanceSettings& p = provenance_.Settings();
  codec::TranscodeOptions options;
  options.preset = config_.preset;
  options.crf = config_.crf;
  options.bitDepth = config_.bitDepth;
  options.threads = config_.encoderThreads;
  options.keepAudio = false;  // speech names people; a research copy has no sound
  masked_ = false;
  if (const auto* regions = MaskRegionsFor(p, h.manufacturer, h.modelName)) {
    for (const MaskRegion& r : *regions) options.masks.push_back({r.x, r.y, r.width, r.height});
    masked_ = !options.masks.empty();
  }
  newSopUid_ = provenance_.Secret().PseudonymUid(h.sopInstanceUid);
  codec::ProvenanceRecord record;  // no date, no device, no source hash: nothing that leads back to the original
  record.studyInstanceUid = newStudyUid_;
  record.seriesInstanceUid = provenance_.Secret().PseudonymUid(h.seriesInstanceUid);
  record.sopInstanceUid = newSopUid_;
  if (p.retainDeviceIdentity) record.device = DeviceText(h);
  watermarkId_ = provenance_.Prepare(options, record, "deidentified");
  transcoder_ = std::make_unique<codec::Transcoder>(bitstream, (dir / "copy.mp4").string(), options);
}

void DeidentifyPipeline::FinishInstance() {
  const codec::TranscodeResult& r = transcoder_->Result();
  const std::filesystem::path dir = scratch_ / std::to_string(next_);
  const ProvenanceSettings& p = provenance_.Settings();
  const dicom::InstanceHeader& h = source_->header();

  dicom::DeidentifiedVideoSpec spec;
  spec.bitstreamPath = (dir / "copy.mp4").string();
  spec.pixels = HevcPixelsOf(r, config_.bitDepth);
  spec.seriesDescription = p.deidentifiedSeriesDescription;
  spec.derivationDescription = std::string("De-identified copy: ") +
                               (masked_ ? "configured burned-in regions masked in every frame; " : "") +
                               "sound removed; re-encoded to HEVC (" + r.encoderSettings + ")";

  dicom::DeidentifyOptions o;
  const archive::WatermarkSecret& secret = provenance_.Secret();
  o.newUid = [&secret](const std::string& old) { return secret.PseudonymUid(old); };
  o.patientName = p.deidentifiedPatientName;
  o.patientId = secret.Pseudonym("VA-", h.patientId);
  o.keepDescriptions = p.cleanDescriptors;
  o.retainDeviceIdentity = p.retainDeviceIdentity;
  o.burnedInAnnotation = masked_ ? "NO" : "YES";
  const std::string out = (dir / "copy.dcm").string();
  const dicom::DeidentificationReport report = dicom::WriteDeidentifiedInstance(*source_, spec, o, out);
  if (watermarkId_ != 0) {
    archive::WatermarkRecord mark;
    mark.archiveId = watermarkId_;
    mark.sopInstanceUid = newSopUid_;
    mark.studyInstanceUid = newStudyUid_;
    mark.kind = "deidentified";
    mark.sourceSopUid = h.sopInstanceUid;
    catalog_.RecordWatermark(mark);
  }
  const std::string id = PostInstanceFile(out);
  if (id.empty()) throw std::runtime_error("Orthanc did not store the de-identified copy of " + h.sopInstanceUid);

  Json::Value d;
  d["Instance"] = id;
  d["SOPInstanceUID"] = newSopUid_;
  d["Masked"] = masked_;
  d["FramesMasked"] = static_cast<Json::Int64>(r.framesMasked);
  d["WatermarkId"] = watermarkId_ ? archive::HexArchiveId(watermarkId_) : "";
  d["SeiMessages"] = static_cast<Json::Int64>(r.provenanceMessages);
  d["AttributesRemoved"] = static_cast<Json::UInt64>(report.Count('X'));
  d["AttributesEmptied"] = static_cast<Json::UInt64>(report.Count('Z'));
  d["AttributesDummy"] = static_cast<Json::UInt64>(report.Count('D'));
  d["UidsReplaced"] = static_cast<Json::UInt64>(report.Count('U'));
  d["Method"] = report.method;
  done_.append(d);

  transcoder_.reset();
  source_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  ++next_;
}

bool DeidentifyPipeline::Step() {
  if (!planned_) {
    Plan();
    return true;
  }
  if (transcoder_) {
    if (!transcoder_->Step(config_.framesPerStep)) FinishInstance();
    return true;
  }
  if (next_ >= todo_.size()) return false;
  StartInstance();
  return true;
}

float DeidentifyPipeline::Progress() const {
  if (!planned_ || todo_.empty()) return 0;
  const double within = transcoder_ ? transcoder_->Progress() : 0;
  return static_cast<float>((static_cast<double>(next_) + within) / static_cast<double>(todo_.size()));
}

Json::Value DeidentifyPipeline::Describe() const {
  Json::Value v(Json::objectValue);
  v["StudyInstanceUID"] = studyUid_;
  v["DeidentifiedStudyInstanceUID"] = newStudyUid_;
  v["Instances"] = done_;
  v["Skipped"] = skipped_;
  v["Planned"] = static_cast<Json::UInt64>(todo_.size());
  return v;
}

}  // namespace va::plugin
