// STOW-RS (PS3.18 10.5) under /video-archive/dicom-web/studies (the DICOMweb plugin owns /dicom-web): metadata and
// bulkdata, application/dicom+json metadata plus one video/mp4, video/mpeg or video/H265 bulkdata part, whose
// bulkdata streams to the upload store as it arrives, then goes through the same ingest as a tus upload; DICOM files
// (application/dicom) are stored one by one (StowPart10).
#include "StowRoutes.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ChunkedRoute.h"
#include "DicomJsonRecord.h"
#include "DicomWebVideoRoutes.h"
#include "Dispatcher.h"
#include "MultipartReader.h"
#include "MultipartRequest.h"
#include "OrthancApi.h"
#include "PluginState.h"
#include "ProcedureRecordJson.h"
#include "StowPart10.h"
#include "StudyOrganisation.h"
#include "UploadErrors.h"
#include "UploadMetadata.h"
#include "WorklistMerge.h"

namespace va::plugin {

namespace {

bool IsVideoMediaType(const std::string& type) {
  return type == "video/mp4" || type == "video/mpeg" || type == "video/h265";
}

Json::Value Element(const char* vr, const std::string& value) {
  Json::Value e;
  e["vr"] = vr;
  e["Value"].append(value);
  return e;
}

class StowRequest : public RequestReader, public MultipartHandler {
 public:
  StowRequest(const std::string& studyInUrl, const OrthancPluginHttpRequest* request) : studyInUrl_(studyInUrl) {
    state_ = UploadsState();
    organisation_ = RequestOrganisation(request);
    try {
      reader_ = std::make_unique<MultipartReader>(GetHeader(request, "content-type"), *this);
    } catch (const MultipartError& e) {
      throw HttpError{415, std::string("Content-Type must be multipart/related; type=\"application/dicom+json\" "
                                       "with a boundary: ") +
                               e.what()};
    }
    if (!reader_->type().empty() && reader_->type() != "application/dicom+json") {
      throw HttpError{415,
                      "this route takes DICOM files (type=\"application/dicom\") or metadata and bulkdata "
                      "(type=\"application/dicom+json\"), not type=\"" +
                          reader_->type() + "\""};
    }
  }
  ~StowRequest() override {
    if (bulk_.is_open()) bulk_.close();
    if (!bulkPath_.empty()) {
      std::error_code ignored;
      std::filesystem::remove(bulkPath_, ignored);  // adopted files were moved away; this only drops leftovers
    }
  }

  void AddChunk(const void* data, size_t size) override { FeedMultipart(*reader_, data, size); }

  void OnPartBegin(const std::map<std::string, std::string>& headers) override {
    const std::string type = PartMediaType(headers, *reader_, "");
    if (type == "application/dicom+json") {
      if (!metadata_.empty() || sawMetadata_) throw HttpError{400, "send one metadata part per request"};
      sawMetadata_ = true;
      current_ = Part::Metadata;
    } else if (IsVideoMediaType(type)) {
      if (!bulkPath_.empty()) throw HttpError{400, "send one video (one bulkdata part) per request"};
      bulkType_ = type;
      const auto loc = headers.find("content-location");
      if (loc != headers.end()) bulkLocation_ = loc->second;
      bulkPath_ = state_->uploads->StagingPath();
      bulk_.open(bulkPath_, std::ios::binary | std::ios::trunc);
      if (!bulk_) throw HttpError{507, "cannot stage the bulkdata on disk"};
      current_ = Part::Bulk;
    } else {
      throw HttpError{415, "part " + std::to_string(reader_->partCount()) + " has Content-Type \"" + type +
                               "\"; expected application/dicom+json, video/mp4, video/mpeg or video/H265"};
    }
  }
  void OnPartData(const char* data, size_t size) override {
    if (current_ == Part::Metadata) {
      if (metadata_.size() + size > kMaxStowMetadataBytes) throw HttpError{413, "the metadata part exceeds 1 MiB"};
      metadata_.append(data, size);
    } else {
      bulk_.write(data, static_cast<std::streamsize>(size));
      if (!bulk_) throw HttpError{507, "cannot write the bulkdata to the staging disk (full?)"};
    }
  }
  void OnPartEnd() override { current_ = Part::None; }

  void Execute(OrthancPluginRestOutput* output) override {
    FinishMultipart(*reader_);
    if (!sawMetadata_) throw HttpError{400, "no application/dicom+json metadata part"};
    if (bulkPath_.empty()) throw HttpError{400, "no video/mp4, video/mpeg or video/H265 bulkdata part"};
    bulk_.close();
    if (!bulk_) throw HttpError{507, "cannot write the bulkdata to the staging disk (full?)"};

    StowVideoMetadata meta;
    try {
      meta = ParseStowVideoMetadata(metadata_);
      if (!studyInUrl_.empty() && !meta.record.studyInstanceUid.empty() &&
          meta.record.studyInstanceUid != studyInUrl_) {
        throw HttpError{409, "StudyInstanceUID (0020000D) " + meta.record.studyInstanceUid +
                                 " differs from the study in the URL, " + studyInUrl_};
      }
      if (meta.record.studyInstanceUid.empty()) meta.record.studyInstanceUid = studyInUrl_;
      if (!bulkLocation_.empty() && !meta.bulkDataUri.empty() && bulkLocation_ != meta.bulkDataUri) {
        throw HttpError{400, "the bulkdata part's Content-Location \"" + bulkLocation_ +
                                 "\" is not the PixelData BulkDataURI \"" + meta.bulkDataUri + "\""};
      }
      ApplyWorklist(state_->config.uploads, meta.record);
      CheckPatientIdentified(meta);
    } catch (const MetadataError& e) {
      throw HttpError{400, e.what()};
    }
    Json::Value record = RecordToJson(meta.record);
    if (!meta.sopInstanceUid.empty()) record["sopInstanceUid"] = meta.sopInstanceUid;
    if (!meta.seriesInstanceUid.empty()) record["seriesInstanceUid"] = meta.seriesInstanceUid;
    if (!meta.seriesDescription.empty()) record["seriesDescription"] = meta.seriesDescription;
    record["bulkDataMediaType"] = bulkType_;

    std::string id;
    try {
      id = state_->uploads->Adopt("stow", bulkPath_, "", WriteJson(record, false));
    } catch (const archive::UploadError& e) {
      throw ToHttpError(e);
    }
    bulkPath_.clear();
    RememberUploadOrganisation(*state_, id, organisation_);
    state_->dispatcher->Wake();
    LogInfo("STOW-RS video staged as upload " + id);
    Answer(output, id, meta.sopClassUid);
  }

 private:
  enum class Part { None, Metadata, Bulk };

  // Waits for the ingest (bounded), then answers with the instances made, or 202 while it still runs.
  void Answer(OrthancPluginRestOutput* output, const std::string& id, const std::string& sopClass) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(state_->config.uploads.stowWaitSeconds);
    archive::Upload u = *state_->uploads->Get(id);
    while ((u.state == archive::UploadState::Complete || u.state == archive::UploadState::Ingesting) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      u = *state_->uploads->Get(id);
    }
    Json::Value body(Json::objectValue);
    int status = 200;
    const std::string statusUrl = "/video-archive/uploads/" + id;
    SetHeader(output, "Content-Location", statusUrl);
    if (u.state == archive::UploadState::Done) {
      const Json::Value result = ParseJson(u.resultJson);
      const std::string study = result["StudyInstanceUID"].asString();
      body["00081190"] = Element("UR", "/dicom-web/studies/" + study);
      Json::Value& referenced = body["00081199"];
      referenced["vr"] = "SQ";
      for (const auto& series : result["Series"]) {
        for (const auto& instance : series["Instances"]) {
          Json::Value item;
          item["00081150"] = Element("UI", sopClass);
          item["00081155"] = Element("UI", instance["SOPInstanceUID"].asString());
          item["00081190"] =
              Element("UR", "/dicom-web/studies/" + study + "/series/" + series["SeriesInstanceUID"].asString() +
                                "/instances/" + instance["SOPInstanceUID"].asString());
          referenced["Value"].append(item);
        }
      }
    } else if (u.state == archive::UploadState::Failed) {
      status = 409;  // PS3.18: none of the instances could be stored
      Json::Value item;
      item["00081150"] = Element("UI", sopClass);
      Json::Value reason;
      reason["vr"] = "US";
      reason["Value"].append(0xC000);  // processing failure
      item["00081197"] = reason;
      item["00000902"] = Element("LO", u.reason.substr(0, 64));
      body["00081198"]["vr"] = "SQ";
      body["00081198"]["Value"].append(item);
      body["VideoArchiveError"] = u.reason;  // the full reason (LO holds 64 characters)
    } else {
      status = 202;  // still being made: the status URL tells when it is done
      SetHeader(output, "Warning", "299 - \"the video is being processed; see " + statusUrl + "\"");
    }
    const std::string text = WriteJson(body);
    if (status == 200) {
      OrthancPluginAnswerBuffer(Context(), output, text.data(), static_cast<uint32_t>(text.size()),
                                "application/dicom+json");
    } else {
      SetHeader(output, "Content-Type", "application/dicom+json");
      OrthancPluginSendHttpStatus(Context(), output, static_cast<uint16_t>(status), text.data(),
                                  static_cast<uint32_t>(text.size()));
    }
  }

  std::string studyInUrl_;
  std::string organisation_;  // the uploader's
  std::shared_ptr<PluginState> state_;
  std::unique_ptr<MultipartReader> reader_;
  Part current_ = Part::None;
  bool sawMetadata_ = false;
  std::string metadata_;
  std::string bulkPath_, bulkType_, bulkLocation_;
  std::ofstream bulk_;
};

// DICOM files (type="application/dicom") or metadata and bulkdata (type="application/dicom+json").
std::unique_ptr<RequestReader> MakeStowFor(const std::string& study, const OrthancPluginHttpRequest* request) {
  try {
    const MediaType type = ParseMediaType(GetHeader(request, "content-type"));
    const auto param = type.parameters.find("type");
    if (param != type.parameters.end() && param->second == "application/dicom") {
      return MakeStowPart10(study, request);
    }
  } catch (const MultipartError&) {
    // StowRequest answers a malformed Content-Type with its reason
  }
  return std::make_unique<StowRequest>(study, request);
}

std::unique_ptr<RequestReader> MakeStow(const std::string&, const OrthancPluginHttpRequest* request) {
  return MakeStowFor("", request);
}

std::unique_ptr<RequestReader> MakeStowInStudy(const std::string&, const OrthancPluginHttpRequest* request) {
  return MakeStowFor(request->groups[0], request);
}

}  // namespace

void RegisterStowRoutes() {
  RegisterChunkedRoute<ForwardStudiesGet, MakeStow, nullptr, nullptr>(Context(), "/video-archive/dicom-web/studies");
  RegisterChunkedRoute<ForwardStudyGet, MakeStowInStudy, nullptr, nullptr>(Context(),
                                                                           "/video-archive/dicom-web/studies/([^/]+)");
}

}  // namespace va::plugin
