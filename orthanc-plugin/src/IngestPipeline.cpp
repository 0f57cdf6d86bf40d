#include "IngestPipeline.h"

#include <cmath>
#include <cstdio>

#include "DateTimeMath.h"
#include "OrthancApi.h"
#include "PluginState.h"
#include "ProcedureRecordJson.h"
#include "StudyOrganisation.h"
#include "va/archive/Sha256.h"
#include "va/dicom/TransferSyntaxTable.h"
#include "va/dicom/VideoInstance.h"

namespace va::plugin {

namespace {

constexpr const char* kMetadataUpload = "4604";  // on every instance made from an upload: the upload's ID

// HEVC Level 5.1 holds at most 4096x2176 luma samples; larger sources (8K) are brought to the largest 4K frame
// of the same aspect ratio (README, "Formats at the edges").
constexpr int kMaxWidth = 4096;
constexpr int kMaxHeight = 2160;

dicom::VideoCodec CodecOf(const std::string& name, bool* known) {
  *known = true;
  if (name == "h264") return dicom::VideoCodec::H264;
  if (name == "hevc") return dicom::VideoCodec::Hevc;
  *known = false;
  return dicom::VideoCodec::Mpeg2;
}

const char* ModalityOf(VideoKind kind) {
  switch (kind) {
    case VideoKind::Endoscopic: return "ES";
    case VideoKind::Microscopic: return "GM";
    case VideoKind::Photographic: return "XC";
  }
  return "ES";
}

// The VL video SOP class of each kind (VideoSopClasses(): Endoscopic, Microscopic, Photographic).
std::string SopClassOf(VideoKind kind) {
  return dicom::VideoSopClasses()[static_cast<size_t>(kind)];
}

std::string FormatSeconds(double s) {
  const auto total = static_cast<long>(std::floor(s));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02ld:%02ld:%02ld", total / 3600, (total / 60) % 60, total % 60);
  return buf;
}

}  // namespace

IngestPipeline::IngestPipeline(const Configuration& config, archive::UploadStore& uploads, std::string uploadId)
    : config_(config), uploads_(uploads), id_(std::move(uploadId)), scratch_(config_.workDirectory, "upload-" + id_) {
  const auto u = uploads_.Get(id_);
  if (!u) throw std::runtime_error("upload " + id_ + " no longer exists");
  upload_ = *u;
  recordJson_ = ParseJson(upload_.recordJson.empty() ? "{}" : upload_.recordJson);
  record_ = RecordFromJson(recordJson_);
  dataPath_ = uploads_.DataPath(id_);
}

// The transcoder (declared after the scratch folder) closes its files before the folder is removed.
IngestPipeline::~IngestPipeline() = default;

std::string IngestPipeline::Uid(const std::string& what) const {
  archive::Sha256 sha;
  const std::string seed = "va-upload:" + id_ + ":" + what;
  sha.Update(seed.data(), seed.size());
  const std::string digest = sha.Digest();
  return dicom::UidFromDigest(reinterpret_cast<const unsigned char*>(digest.data()));
}

bool IngestPipeline::Step() {
  switch (stage_) {
    case Stage::Verify:
      Verify();
      stage_ = Stage::Plan;
      return true;
    case Stage::Plan:
      Plan();
      StartTranscode();
      return true;
    case Stage::Transcode:
      if (transcoder_->Step(config_.framesPerStep)) return true;
      {
        const auto& r = transcoder_->Result();
        View& v = views_[view_];
        v.transcode["Frames"] = static_cast<Json::Int64>(r.framesOut);
        v.transcode["Width"] = r.width;
        v.transcode["Height"] = r.height;
        v.transcode["BitDepth"] = r.bitDepth;
        v.transcode["PsnrY"] = r.psnrY;
        v.transcode["Ssim"] = r.ssim;
        v.transcode["Encoder"] = r.encoderSettings;
        v.transcode["Audio"] = r.audioNote;
        if (!r.videoNote.empty()) v.transcode["Video"] = r.videoNote;
      }
      transcoder_.reset();
      stage_ = Stage::Segment;
      return true;
    case Stage::Segment:
      Segment();
      stage_ = Stage::Store;
      return true;
    case Stage::Store: StoreNext(); return true;
    case Stage::Finish:
      Finish();
      stage_ = Stage::Done;
      return false;
    case Stage::Done: return false;
  }
  return false;
}

void IngestPipeline::Verify() {
  if (!record_.sha256.empty()) {
    const std::string actual = archive::Sha256::OfFile(dataPath_);
    if (actual != record_.sha256) {
      throw std::runtime_error("the uploaded file has SHA-256 " + actual + " but the record says " + record_.sha256 +
                               "; the file was damaged or is not the one described: upload it again");
    }
  }
}

void IngestPipeline::Plan() {
  try {
    source_ = codec::Probe(dataPath_);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("the upload is not a video FFmpeg can read: ") + e.what());
  }
  studyUid_ = !record_.studyInstanceUid.empty() ? record_.studyInstanceUid : Uid("study");

  const int w = source_.width, h = source_.height;
  switch (record_.stereo) {
    case StereoLayout::None: views_.push_back(View{}); break;
    case StereoLayout::SideBySide:
      views_.resize(2);
      views_[0].name = "left";
      views_[0].crop = {0, 0, w / 2, h};
      views_[1].name = "right";
      views_[1].crop = {w / 2, 0, w / 2, h};
      break;
    case StereoLayout::TopBottom:
      views_.resize(2);
      views_[0].name = "left";
      views_[0].crop = {0, 0, w, h / 2};
      views_[1].name = "right";
      views_[1].crop = {0, h / 2, w, h / 2};
      break;
  }
  if (views_.size() == 2) {
    notes_.append("stereoscopic " + std::string(ToString(record_.stereo)) +
                  " recording: stored as two linked series, one per eye (left, right), each a full-resolution view");
  }

  bool known = false;
  dicom::EncodedStreamFacts facts;
  facts.codec = CodecOf(source_.codecName, &known);
  facts.profile = source_.profile;
  facts.level = source_.level;
  facts.width = w;
  facts.height = h;
  facts.fps = source_.fpsDen > 0 ? static_cast<double>(source_.fpsNum) / source_.fpsDen : 0;
  facts.bitDepth = source_.bitDepth;
  facts.chromaFormat = source_.chromaFormat;
  facts.interlaced = source_.interlaced;
  std::string whyNot;
  std::string fit;
  if (!known) {
    whyNot = source_.codecName + " has no DICOM transfer syntax this archive keeps";
  } else if (source_.variableFrameRate) {
    whyNot = "variable frame rate (DICOM video has one Frame Time)";
  } else {
    fit = dicom::FindFittingTransferSyntax(facts, &whyNot);
  }

  // Above 10 bits or 4:2:2 / 4:4:4: no DICOM syntax carries it; the archive instance is 4:2:0 Main 10.
  const bool richSource = source_.bitDepth > 8 || (!source_.chromaFormat.empty() && source_.chromaFormat != "420");
  const int bitDepth = richSource ? 10 : config_.bitDepth;
  if (source_.width > kMaxWidth || source_.height > kMaxHeight) {
    notes_.append(std::to_string(w) + "x" + std::to_string(h) +
                  " exceeds HEVC Level 5.1: the archive instance is scaled to fit 4096x2160");
  }
  if (richSource) {
    notes_.append("source is " + std::to_string(source_.bitDepth) + "-bit " + source_.chromaFormat +
                  ": no DICOM transfer syntax carries it; archived as 4:2:0 10-bit HEVC Main 10" +
                  (config_.uploads.keepOriginals ? ", the untouched original is kept" : ""));
  }

  for (size_t i = 0; i < views_.size(); ++i) {
    View& v = views_[i];
    v.seriesUid = recordJson_.isMember("seriesInstanceUid") && views_.size() == 1
                      ? recordJson_["seriesInstanceUid"].asString()
                      : Uid("series:" + v.name);
    v.seriesNumber = static_cast<int>(i) + 1;
    if (views_.size() == 1 && !fit.empty()) {
      v.wrap = true;
      v.transferSyntax = fit;
      v.mp4 = dataPath_;
      v.why = "the " + source_.codecName + " stream fits " + dicom::FindVideoTransferSyntax(fit)->name +
              ": kept as it is (remuxed into MP4 when needed), the archival transcode follows";
    } else {
      v.wrap = false;
      v.transferSyntax = bitDepth == 10 ? dicom::kHevcMain10Uid : dicom::kHevcMainUid;
      v.mp4 = (scratch_ / ("view-" + (v.name.empty() ? std::string("mono") : v.name) + ".mp4")).string();
      v.why = views_.size() == 2 ? "one eye of a frame-packed stereo recording: cropped and transcoded to HEVC"
                                 : "transcoded to HEVC: " + whyNot;
    }
  }
}

void IngestPipeline::StartTranscode() {
  View& v = views_[view_];
  if (v.wrap) {
    stage_ = Stage::Segment;
    return;
  }
  codec::TranscodeOptions o;
  o.preset = config_.preset;
  o.crf = config_.crf;
  o.bitDepth = v.transferSyntax == dicom::kHevcMain10Uid ? 10 : 8;
  o.keepAudio = config_.keepAudio;
  o.threads = config_.encoderThreads;
  o.maxWidth = kMaxWidth;
  o.maxHeight = kMaxHeight;
  o.crop = v.crop;
  const double fps = source_.fpsDen > 0 ? static_cast<double>(source_.fpsNum) / source_.fpsDen : 25;
  o.keyintMax = std::max(1, static_cast<int>(std::lround(fps * config_.uploads.keyframeIntervalSeconds)));
  // A recorder's file is the only copy there is: decode what can be decoded rather than refuse the recording.
  o.strictDecode = false;
  transcoder_ = std::make_unique<codec::Transcoder>(dataPath_, v.mp4, o);
  stage_ = Stage::Transcode;
}

void IngestPipeline::Segment() {
  View& v = views_[view_];
  codec::SegmentLimits limits;
  limits.maxDurationSec = config_.uploads.segmentMaxMinutes * 60;
  limits.maxBytes = config_.uploads.segmentMaxBytes;
  const std::string base = "segment-" + (v.name.empty() ? std::string("mono") : v.name);
  v.segments = codec::SplitIntoSegments(v.mp4, scratch_.string(), base, limits);
  if (!v.wrap) std::filesystem::remove(v.mp4);  // the segments hold it all now
  segment_ = 0;
}

void IngestPipeline::StoreNext() {
  View& v = views_[view_];
  if (segment_ >= v.segments.size()) {
    if (++view_ < views_.size()) {
      StartTranscode();
    } else {
      stage_ = Stage::Finish;
    }
    return;
  }
  const codec::SegmentInfo& seg = v.segments[segment_];
  const codec::StreamInfo info = codec::Probe(seg.path);
  const std::string recordingStart = record_.recordingStartUtc.empty() ? NowUtcDateTime() : record_.recordingStartUtc;

  dicom::NewVideoSpec spec;
  spec.bitstreamPath = seg.path;
  spec.pixels.transferSyntaxUid = v.transferSyntax;
  spec.pixels.rows = info.height;
  spec.pixels.columns = info.width;
  spec.pixels.numberOfFrames = seg.frames;
  spec.pixels.frameTimeMs = info.fpsNum > 0 ? 1000.0 * info.fpsDen / info.fpsNum : 40;
  const bool tenBit = v.transferSyntax == dicom::kHevcMain10Uid;
  spec.pixels.bitsAllocated = tenBit ? 16 : 8;
  spec.pixels.bitsStored = tenBit ? 10 : 8;
  spec.pixels.highBit = tenBit ? 9 : 7;
  spec.modality = ModalityOf(record_.videoKind);
  spec.patientId = record_.patientId;
  spec.patientName = record_.patientName;
  spec.patientBirthDate = record_.patientBirthDate;
  spec.patientSex = record_.patientSex;
  spec.studyInstanceUid = studyUid_;
  spec.seriesInstanceUid = v.seriesUid;
  const std::string stowSop = recordJson_.get("sopInstanceUid", "").asString();
  spec.sopInstanceUid = !stowSop.empty() && views_.size() == 1 && segment_ == 0
                            ? stowSop
                            : Uid("sop:" + v.name + ":" + std::to_string(segment_));
  spec.studyDescription = record_.studyDescription;
  const std::string stowSeriesDescription = recordJson_.get("seriesDescription", "").asString();
  spec.seriesDescription = !stowSeriesDescription.empty() ? stowSeriesDescription
                           : v.name.empty()               ? std::string("Recording")
                                                          : "Recording, " + v.name + " eye";
  spec.accessionNumber = record_.accessionNumber;
  spec.studyDate = recordingStart.substr(0, 8);
  spec.studyTime = recordingStart.substr(8, 6);
  spec.manufacturer = record_.manufacturer;
  spec.modelName = record_.modelName;
  spec.deviceSerialNumber = record_.deviceSerialNumber;
  spec.institutionName = record_.organisation;
  spec.operatorsName = record_.operatorName;
  if (!record_.procedureCodeValue.empty()) {
    spec.procedureCode = {record_.procedureCodeValue, record_.procedureCodeScheme, record_.procedureCodeMeaning};
  }
  spec.lossy = true;
  spec.seriesNumber = v.seriesNumber;
  spec.instanceNumber = static_cast<int>(segment_) + 1;
  spec.acquisitionDateTime = recordingStart;
  spec.contentDateTime = AddSecondsUtc(recordingStart, seg.startSec);
  spec.timezoneOffsetFromUtc = "+0000";
  std::string comments = "Segment " + std::to_string(segment_ + 1) + " of " + std::to_string(v.segments.size()) +
                         " of the recording, " + FormatSeconds(seg.startSec) + " to " +
                         FormatSeconds(seg.startSec + seg.durationSec) + ".";
  if (views_.size() == 2) {
    const View& other = views_[1 - view_];
    comments += " Stereoscopic " + std::string(ToString(record_.stereo)) + " recording, " + v.name +
                " eye; the other eye is series " + other.seriesUid + ".";
    spec.referencedImages.emplace_back(SopClassOf(record_.videoKind),
                                       Uid("sop:" + other.name + ":" + std::to_string(segment_)));
  }
  spec.imageComments = comments;

  const std::string dcm = (scratch_ / "instance.dcm").string();
  dicom::WriteNewVideoInstance(spec, dcm);
  const std::string instanceId = PostInstanceFile(dcm);
  std::filesystem::remove(dcm);
  if (instanceId.empty()) throw std::runtime_error("Orthanc did not store segment " + std::to_string(segment_ + 1));
  RestPut("/instances/" + instanceId + "/metadata/" + kMetadataUpload, id_);
  if (auto state = State()) RecordUploadedStudy(*state, id_, studyUid_);

  Json::Value item;
  item["ID"] = instanceId;
  item["SOPInstanceUID"] = spec.sopInstanceUid;
  item["InstanceNumber"] = spec.instanceNumber;
  item["StartSeconds"] = seg.startSec;
  item["DurationSeconds"] = seg.durationSec;
  item["Frames"] = static_cast<Json::Int64>(seg.frames);
  item["Bytes"] = static_cast<Json::Int64>(seg.bytes);
  item["AudioTracks"] = seg.audioTracks;
  item["ContentDateTime"] = spec.contentDateTime;
  v.instances.append(item);
  std::filesystem::remove(seg.path);
  ++segment_;
}

void IngestPipeline::Finish() {
  result_ = Describe();
  if (config_.uploads.keepOriginals) {
    const auto dir = std::filesystem::path(config_.workDirectory) / "originals";
    std::filesystem::create_directories(dir);
    const auto kept = dir / (id_ + ".orig");
    std::filesystem::rename(dataPath_, kept);
    result_["Original"]["Path"] = kept.string();
    result_["Original"]["SHA256"] = archive::Sha256::OfFile(kept.string());
  } else {
    uploads_.DeleteData(id_);
  }
}

float IngestPipeline::Progress() const {
  if (stage_ == Stage::Done) return 1;
  if (views_.empty()) return 0.02f;
  const float perView = 1.0f / static_cast<float>(views_.size());
  float within = 0;
  const View& v = views_[std::min(view_, views_.size() - 1)];
  if (stage_ == Stage::Transcode && transcoder_) {
    within = 0.8f * static_cast<float>(transcoder_->Progress());
  } else if (stage_ == Stage::Store && !v.segments.empty()) {
    within = (v.wrap ? 0.1f : 0.8f) +
             (v.wrap ? 0.9f : 0.2f) * static_cast<float>(segment_) / static_cast<float>(v.segments.size());
  }
  return std::min(0.99f, perView * (static_cast<float>(view_) + within));
}

Json::Value IngestPipeline::Describe() const {
  static const char* kStages[] = {"verify", "plan", "transcode", "segment", "store", "finish", "done"};
  Json::Value d;
  d["Upload"] = id_;
  d["Stage"] = kStages[static_cast<int>(stage_)];
  d["StudyInstanceUID"] = studyUid_;
  if (!source_.codecName.empty()) {
    Json::Value& s = d["Source"];
    s["Codec"] = source_.codecName;
    s["Profile"] = source_.profile;
    s["Width"] = source_.width;
    s["Height"] = source_.height;
    s["BitDepth"] = source_.bitDepth;
    s["Chroma"] = source_.chromaFormat;
    s["Interlaced"] = source_.interlaced;
    s["VariableFrameRate"] = source_.variableFrameRate;
    s["Frames"] = static_cast<Json::Int64>(source_.frameCount);
    s["DurationSeconds"] = source_.durationSec;
    s["Audio"] = source_.audioCodec;
  }
  d["Series"] = Json::Value(Json::arrayValue);
  for (const View& v : views_) {
    Json::Value s;
    s["SeriesInstanceUID"] = v.seriesUid;
    s["View"] = v.name.empty() ? "mono" : v.name;
    s["Path"] = v.wrap ? "wrapped" : "transcoded";
    s["Why"] = v.why;
    s["TransferSyntax"] = v.transferSyntax;
    if (!v.transcode.isNull()) s["Transcode"] = v.transcode;
    s["Instances"] = v.instances;
    d["Series"].append(s);
  }
  if (!notes_.empty()) d["Policy"] = notes_;
  return d;
}

}  // namespace va::plugin
