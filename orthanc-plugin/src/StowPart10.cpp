#include "StowPart10.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "HttpHelpers.h"
#include "MultipartReader.h"
#include "MultipartRequest.h"
#include "OrthancApi.h"
#include "PluginState.h"
#include "StorageArea.h"
#include "va/dicom/VideoInstance.h"

namespace va::plugin {

namespace {

constexpr int kProcessingFailure = 0xC000;  // PS3.18 Table 10.5.3-2 (as C-STORE's "cannot understand")
constexpr int kOutOfResources = 0xA700;

Json::Value Element(const char* vr, const Json::Value& value) {
  Json::Value e;
  e["vr"] = vr;
  e["Value"].append(value);
  return e;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

class StowPart10 : public RequestReader, public MultipartHandler {
 public:
  StowPart10(const std::string& studyInUrl, const OrthancPluginHttpRequest* request) : studyInUrl_(studyInUrl) {
    state_ = UploadsState();  // the files are staged in the upload store
    try {
      reader_ = std::make_unique<MultipartReader>(GetHeader(request, "content-type"), *this);
    } catch (const MultipartError& e) {
      throw HttpError{415, std::string("Content-Type must be multipart/related with a boundary: ") + e.what()};
    }
  }
  ~StowPart10() override {
    if (part_.is_open()) part_.close();
    for (const auto& path : staged_) {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
  }

  void AddChunk(const void* data, size_t size) override { FeedMultipart(*reader_, data, size); }

  void OnPartBegin(const std::map<std::string, std::string>& headers) override {
    // The request's type parameter names it when a part does not.
    const std::string type = PartMediaType(headers, *reader_, "application/dicom");
    if (type != "application/dicom") {
      throw HttpError{415, "part " + std::to_string(reader_->partCount()) + " has Content-Type \"" + type +
                               "\"; a type=\"application/dicom\" request holds DICOM files only"};
    }
    staged_.push_back(state_->uploads->StagingPath());
    part_.open(staged_.back(), std::ios::binary | std::ios::trunc);
    if (!part_) throw HttpError{507, "cannot stage a DICOM file on disk"};
  }
  void OnPartData(const char* data, size_t size) override {
    part_.write(data, static_cast<std::streamsize>(size));
    if (!part_) throw HttpError{507, "cannot write a DICOM file to the staging disk (full?)"};
  }
  void OnPartEnd() override {
    part_.close();
    if (!part_) throw HttpError{507, "cannot write a DICOM file to the staging disk (full?)"};
  }

  void Execute(OrthancPluginRestOutput* output) override {
    FinishMultipart(*reader_);
    if (staged_.empty()) throw HttpError{400, "no application/dicom part"};
    Json::Value body(Json::objectValue);
    size_t stored = 0;
    for (const auto& path : staged_) {
      if (Store(path, body)) ++stored;
    }
    if (!studyInUrl_.empty()) body["00081190"] = Element("UR", "/dicom-web/studies/" + studyInUrl_);
    const int status = stored == staged_.size() ? 200 : stored == 0 ? 409 : 202;
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

 private:
  // Stores one file; records it in the Referenced or the Failed SOP Sequence of the answer.
  bool Store(const std::string& path, Json::Value& answer) {
    const std::string file = ReadFile(path);
    dicom::InstanceHeader h;
    std::string reason;
    int code = kProcessingFailure;
    try {
      h = dicom::PeekHeader(file.data(), file.size());
      if (!studyInUrl_.empty() && h.studyInstanceUid != studyInUrl_) {
        reason = "StudyInstanceUID " + h.studyInstanceUid + " is not the study in the URL, " + studyInUrl_;
      } else {
        RestPost("/instances", file.data(), file.size());
      }
    } catch (const OrthancCallError& e) {
      reason = e.what();
      if (IsStorageFull(e.code())) code = kOutOfResources;
    } catch (const std::exception& e) {
      reason = std::string("not a DICOM file Orthanc can read: ") + e.what();
    }
    Json::Value item;
    if (!h.sopClassUid.empty()) item["00081150"] = Element("UI", h.sopClassUid);
    if (!h.sopInstanceUid.empty()) item["00081155"] = Element("UI", h.sopInstanceUid);
    if (reason.empty()) {
      item["00081190"] = Element("UR", "/dicom-web/studies/" + h.studyInstanceUid + "/series/" + h.seriesInstanceUid +
                                           "/instances/" + h.sopInstanceUid);
      answer["00081199"]["vr"] = "SQ";
      answer["00081199"]["Value"].append(item);
      return true;
    }
    LogWarning("STOW-RS: a DICOM file was not stored: " + reason);
    item["00081197"] = Element("US", code);
    item["00000902"] = Element("LO", reason.substr(0, 64));
    answer["00081198"]["vr"] = "SQ";
    answer["00081198"]["Value"].append(item);
    answer["VideoArchiveErrors"].append(reason);  // the full reasons (LO holds 64 characters)
    return false;
  }

  std::string studyInUrl_;
  std::shared_ptr<PluginState> state_;
  std::unique_ptr<MultipartReader> reader_;
  std::vector<std::string> staged_;
  std::ofstream part_;
};

}  // namespace

std::unique_ptr<RequestReader> MakeStowPart10(const std::string& studyInUrl, const OrthancPluginHttpRequest* request) {
  return std::make_unique<StowPart10>(studyInUrl, request);
}

}  // namespace va::plugin
