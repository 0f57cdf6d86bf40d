#include "ArchivePipeline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "DeletionGuard.h"
#include "OrthancApi.h"
#include "PluginState.h"
#include "ProvenanceService.h"
#include "SourceAttachment.h"
#include "va/archive/Sha256.h"
#include "va/codec/Probe.h"
#include "va/codec/Transcoder.h"
#include "va/dicom/TransferSyntaxTable.h"
#include "va/dicom/VideoInstance.h"

namespace va::plugin {

namespace {

// Orthanc user metadata (declared in the shipped configuration's "UserMetadata"; numbers work without it).
constexpr const char* kMetadataQuality = "4601";  // on the derived instance: quality figures (JSON)
constexpr const char* kMetadataSource = "4602";   // on the derived instance: the source's Orthanc ID
constexpr const char* kMetadataDerived = "4603";  // on the source instance: the derived instance's Orthanc ID

std::string Fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

}  // namespace

dicom::VideoPixelDescription HevcPixelsOf(const codec::TranscodeResult& r, int bitDepth) {
  dicom::VideoPixelDescription p;
  p.transferSyntaxUid = bitDepth == 10 ? dicom::kHevcMain10Uid : dicom::kHevcMainUid;
  p.rows = r.height;
  p.columns = r.width;
  p.numberOfFrames = static_cast<long>(r.framesOut);
  p.frameTimeMs = r.fpsNum > 0 ? 1000.0 * r.fpsDen / r.fpsNum : 0;
  p.bitsAllocated = bitDepth == 10 ? 16 : 8;  // PS3.5: 8/8/7 for Main, 16/10/9 for Main 10
  p.bitsStored = bitDepth;
  p.highBit = bitDepth - 1;
  return p;
}

std::string DeviceText(const dicom::InstanceHeader& h) {
  std::string device = h.manufacturer;
  for (const std::string* part : {&h.modelName, &h.deviceSerialNumber})
    if (!part->empty()) device += (device.empty() ? "" : " / ") + *part;
  return device;
}

ArchivePipeline::ArchivePipeline(const Configuration& config, archive::Catalog& catalog, std::string sourceId)
    : config_(config), catalog_(catalog), sourceId_(std::move(sourceId)), scratch_(config_.workDirectory, sourceId_) {}

// The transcoder and the source reader (declared after the scratch folder) close their files before it is removed.
ArchivePipeline::~ArchivePipeline() = default;

bool ArchivePipeline::Step() {
  switch (stage_) {
    case Stage::Fetch:
      Fetch();
      stage_ = Stage::Transcode;
      return true;
    case Stage::Transcode:
      if (!transcoder_->Step(config_.framesPerStep)) stage_ = Stage::Finish;
      return true;
    case Stage::Finish:
      Finish();
      stage_ = Stage::Done;
      return false;
    case Stage::Done: return false;
  }
  return false;
}

float ArchivePipeline::Progress() const {
  switch (stage_) {
    case Stage::Fetch: return 0.0f;
    case Stage::Transcode: return 0.05f + 0.85f * static_cast<float>(transcoder_ ? transcoder_->Progress() : 0.0);
    case Stage::Finish: return 0.9f;
    case Stage::Done: return 1.0f;
  }
  return 0.0f;
}

void ArchivePipeline::Fetch() {
  sourceFile_ = LocateSourceFile(config_, sourceId_, scratch_ / "source.dcm");
  source_ = std::make_unique<dicom::VideoInstanceReader>(sourceFile_);
  const dicom::InstanceHeader& h = source_->header();

  if (catalog_.IsDerived(h.sopInstanceUid)) {
    throw SkipTask("this instance is an archival copy made by this plugin");
  }
  if (h.patientIdentityRemoved) {
    for (const archive::WatermarkRecord& w : catalog_.WatermarksOfStudy(h.studyInstanceUid))
      if (w.sopInstanceUid == h.sopInstanceUid)
        throw SkipTask("this instance is a de-identified copy made by this plugin");
  }
  const dicom::VideoTransferSyntax* ts = dicom::FindVideoTransferSyntax(h.transferSyntaxUid);
  if (ts == nullptr) {
    throw std::runtime_error("transfer syntax " + h.transferSyntaxUid +
                             " is not an MPEG-2, H.264 or HEVC video transfer syntax: this is not a video instance");
  }
  sourceTsName_ = ts->name;
  // Stereoscopic sources keep their original: FFmpeg decodes only the base view of Stereo High (MVC), so a copy
  // would lose one eye, and x265 cannot signal frame packing, so a copy of frame-packed 3D would not say it is 3D.
  if (h.transferSyntaxUid == dicom::kAvcStereoHighUid) {
    throw SkipTask(
        "the source is H.264 Stereo High (MVC): only its base view can be decoded, so an HEVC copy would "
        "lose the second eye; the original is kept as it is");
  }
  if (h.transferSyntaxUid == dicom::kAvc3dUid) {
    throw SkipTask(
        "the source is frame-packed 3D H.264: the HEVC encoder cannot signal frame packing, so a copy "
        "would not say it is 3D; the original is kept as it is");
  }
  if (ts->codec == dicom::VideoCodec::Hevc && !config_.reencodeHevc) {
    throw SkipTask("the source is already HEVC (" + ts->name + "); set VideoArchive.ReencodeHevc to re-encode it");
  }

  const std::filesystem::path bitstream = scratch_ / "source.bitstream";
  source_->ExtractBitstream(bitstream.string());

  codec::TranscodeOptions options;
  options.preset = config_.preset;
  options.crf = config_.crf;
  options.bitDepth = config_.bitDepth;
  options.keepAudio = config_.keepAudio;
  options.threads = config_.encoderThreads;
  options.measureQuality = true;
  // The copy's identity is fixed before the transcode: the signed SEI and the watermark carry it.
  derivedSopUid_ = dicom::GenerateUid();
  derivedSeriesUid_ = dicom::GenerateUid();
  if (auto state = State(); state && state->provenance) {
    codec::ProvenanceRecord record;
    record.studyInstanceUid = h.studyInstanceUid;
    record.seriesInstanceUid = derivedSeriesUid_;
    record.sopInstanceUid = derivedSopUid_;
    record.recordingStart = h.acquisitionDateTime;
    record.device = DeviceText(h);
    record.sourceSha256 = archive::Sha256::OfFile(bitstream.string());
    sourceSha256_ = record.sourceSha256;
    watermarkId_ = state->provenance->Prepare(options, record, "archival");
    signedSei_ = static_cast<bool>(options.provenance.sign);
  }
  transcoder_ = std::make_unique<codec::Transcoder>(bitstream.string(), (scratch_ / "derived.mp4").string(), options);

  const codec::StreamInfo& in = transcoder_->input();
  const dicom::VideoTransferSyntax* target =
      dicom::FindVideoTransferSyntax(config_.bitDepth == 10 ? dicom::kHevcMain10Uid : dicom::kHevcMainUid);
  const double fps = in.fpsDen > 0 ? static_cast<double>(in.fpsNum) / in.fpsDen : 0;
  const std::string misfit = dicom::CheckFits(*target, in.width, in.height, fps, config_.bitDepth);
  if (!misfit.empty()) throw std::runtime_error("cannot archive as HEVC: " + misfit);
  if (in.bitDepth > config_.bitDepth) {
    throw std::runtime_error("the source has " + std::to_string(in.bitDepth) + "-bit samples; archiving it at " +
                             std::to_string(config_.bitDepth) + " bits would lose precision: set " +
                             "VideoArchive.BitDepth to 10");
  }
}

void ArchivePipeline::Finish() {
  const codec::TranscodeResult& r = transcoder_->Result();
  const std::filesystem::path mp4 = scratch_ / "derived.mp4";

  // Verification of the copy: decode it end to end, compare frame count and duration with the source.
  const codec::DecodeCheck check = codec::DecodeAll(mp4.string());
  const double frameSeconds = r.fpsNum > 0 ? static_cast<double>(r.fpsDen) / r.fpsNum : 0;
  const bool framesMatch = check.frames == r.framesIn;
  const bool durationMatches = std::fabs(check.durationSec - r.durationSec) <= frameSeconds + 1e-6;
  const bool gatePassed = r.psnrY >= config_.gate.minPsnrY && r.ssim >= config_.gate.minSsim;
  const bool verified = framesMatch && durationMatches && r.framesOut == r.framesIn;

  quality_ = Json::Value(Json::objectValue);
  quality_["PsnrY"] = r.psnrY;
  quality_["MinPsnrY"] = r.minPsnrY;
  quality_["PsnrGlobal"] = r.psnrGlobal;
  quality_["Ssim"] = r.ssim;
  quality_["SsimDb"] = r.ssimDb;
  quality_["FramesMeasured"] = static_cast<Json::Int64>(r.framesOut);
  quality_["Method"] = watermarkId_ != 0 ? "x265 reconstruction vs. the decoded source with the watermark added (the "
                                           "encoder's input), every frame, same pass"
                                         : "x265 reconstruction vs. decoded source, every frame, same pass";
  quality_["SourceFrames"] = static_cast<Json::Int64>(r.framesIn);
  quality_["DerivedFramesDecoded"] = static_cast<Json::Int64>(check.frames);
  quality_["SourceDurationSec"] = r.durationSec;
  quality_["DerivedDurationSec"] = check.durationSec;
  quality_["Verified"] = verified;
  quality_["GatePassed"] = gatePassed;
  quality_["Gate"]["MinPsnrY"] = config_.gate.minPsnrY;
  quality_["Gate"]["MinSsim"] = config_.gate.minSsim;
  quality_["SourceBytes"] = static_cast<Json::Int64>(r.inputBytes);
  quality_["DerivedBytes"] = static_cast<Json::Int64>(r.outputBytes);
  quality_["Encoder"] = r.encoderSettings;
  quality_["Audio"] = r.audioNote;
  quality_["EncodeFps"] = r.encodeFps;
  quality_["SourceTransferSyntax"] = source_->header().transferSyntaxUid;
  quality_["SourceInstance"] = sourceId_;
  if (!sourceSha256_.empty()) quality_["SourceBitstreamSha256"] = sourceSha256_;
  Json::Value& provenance = quality_["Provenance"];
  provenance["SignedSei"] = signedSei_;
  provenance["SeiMessages"] = static_cast<Json::Int64>(r.provenanceMessages);
  provenance["WatermarkId"] = watermarkId_ ? archive::HexArchiveId(watermarkId_) : "";

  dicom::DerivedVideoSpec spec;
  spec.bitstreamPath = mp4.string();
  spec.pixels = HevcPixelsOf(r, config_.bitDepth);
  spec.sopInstanceUid = derivedSopUid_;
  spec.seriesInstanceUid = derivedSeriesUid_;
  spec.seriesDescription = config_.seriesDescription;
  // The documented option, not the writer's built-in +1000 (which it applies to 0).
  spec.seriesNumber = std::max(1, source_->header().seriesNumber + config_.seriesNumberOffset);
  // Ratio against the uncompressed size of the decoded pictures, as PS3.3 C.7.6.1.1.5 defines it.
  const double samplesPerFrame = 1.5 * r.width * r.height;  // 4:2:0
  const double uncompressed = samplesPerFrame * (config_.bitDepth == 10 ? 2 : 1) * static_cast<double>(r.framesOut);
  spec.lossyCompressionRatio = r.outputBytes > 0 ? uncompressed / static_cast<double>(r.outputBytes) : 0;
  summary_ = BuildSummary(gatePassed && verified);
  spec.derivationDescription = summary_;

  const std::filesystem::path dcm = scratch_ / "derived.dcm";
  dicom::WriteDerivedInstance(*source_, spec, dcm.string());

  // Recorded before Orthanc sees it, so that its stored-instance event is recognised as our own copy.
  archive::DerivedLink link;
  link.derivedSopUid = spec.sopInstanceUid;
  link.sourceId = sourceId_;
  link.sourceSopUid = source_->header().sopInstanceUid;
  link.qualityJson = WriteJson(quality_, false);
  link.gatePassed = gatePassed && verified;
  catalog_.RecordDerived(link);
  if (watermarkId_ != 0) {
    archive::WatermarkRecord mark;
    mark.archiveId = watermarkId_;
    mark.sopInstanceUid = spec.sopInstanceUid;
    mark.studyInstanceUid = source_->header().studyInstanceUid;
    mark.kind = "archival";
    mark.sourceSopUid = source_->header().sopInstanceUid;
    catalog_.RecordWatermark(mark);
  }

  derivedId_ = PostInstanceFile(dcm.string());
  if (derivedId_.empty()) throw std::runtime_error("Orthanc did not store the derived instance");
  catalog_.SetDerivedStored(spec.sopInstanceUid, derivedId_);
  RestPut("/instances/" + derivedId_ + "/metadata/" + kMetadataQuality, WriteJson(quality_, false));
  RestPut("/instances/" + derivedId_ + "/metadata/" + kMetadataSource, sourceId_);

  // Delete the original only when asked, and only for a copy that decoded end to end, matched the source's
  // frame count and duration within one frame, and passed the gate.
  bool deleted = false;
  std::string protection;  // a legal hold or WORM retention keeps the original whatever DeleteOriginal says
  if (config_.deleteOriginal && gatePassed && verified) {
    if (auto state = State()) protection = DeletionBlocker(*state, "instance", sourceId_);
    if (!protection.empty()) quality_["SourceKeptBecause"] = protection;
  }
  if (config_.deleteOriginal && gatePassed && verified && protection.empty()) {
    source_.reset();  // close the file before Orthanc removes it
    RestDelete("/instances/" + sourceId_);
    catalog_.SetSourceDeleted(spec.sopInstanceUid);
    deleted = true;
  } else {
    RestPut("/instances/" + sourceId_ + "/metadata/" + kMetadataDerived, derivedId_);
  }
  quality_["SourceDeleted"] = deleted;
}

std::string ArchivePipeline::BuildSummary(bool gatePassed) const {
  const codec::TranscodeResult& r = transcoder_->Result();
  std::string s =
      "Archival transcode of " + sourceTsName_ + " to HEVC " + (config_.bitDepth == 10 ? "Main 10" : "Main") +
      " in MP4 (" + r.encoderSettings + "). Quality " + "against the decoded source: PSNR-Y " + Fixed(r.psnrY, 2) +
      " dB (worst frame " + Fixed(r.minPsnrY, 2) + " dB), SSIM " + Fixed(r.ssim, 4) + ", measured on every frame (" +
      std::to_string(r.framesOut) + "/" + std::to_string(r.framesIn) +
      "). Quality gate (PSNR-Y >= " + Fixed(config_.gate.minPsnrY, 1) +
      " dB, SSIM >= " + Fixed(config_.gate.minSsim, 3) +
      "): " + (gatePassed ? "PASSED" : "FAILED - the original must be kept") + ". Audio: " + r.audioNote + ".";
  return s.size() > 1024 ? s.substr(0, 1024) : s;
}

Json::Value ArchivePipeline::Describe() const {
  Json::Value v(Json::objectValue);
  static const char* names[] = {"fetch", "transcode", "verify-and-store", "done"};
  v["SourceInstance"] = sourceId_;
  v["Stage"] = names[static_cast<int>(stage_)];
  if (transcoder_) {
    const codec::StreamInfo& in = transcoder_->input();
    v["Source"]["Codec"] = in.codecName;
    v["Source"]["Width"] = in.width;
    v["Source"]["Height"] = in.height;
    v["Source"]["Frames"] = static_cast<Json::Int64>(in.frameCount);
  }
  if (!derivedId_.empty()) v["DerivedInstance"] = derivedId_;
  if (!quality_.isNull()) v["Quality"] = quality_;
  return v;
}

}  // namespace va::plugin
