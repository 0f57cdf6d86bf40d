#include "SendToModality.h"

#include <filesystem>
#include <fstream>
#include <set>

#include "LargeStack.h"
#include "OrthancApi.h"
#include "RouteCallback.h"
#include "StoredVideo.h"
#include "TranscodeOnRetrieve.h"
#include "va/dicom/StoreScu.h"
#include "va/dicom/VideoInstance.h"

namespace va::plugin {

namespace {

dicom::StoreScp LookupModality(const std::string& name) {
  std::string body;
  if (!RestGetIfFound("/modalities?expand", body)) throw HttpError{404, "no modality " + name};
  const Json::Value modalities = ParseJson(body);
  if (!modalities.isMember(name))
    throw HttpError{404, "no modality '" + name + "' in Orthanc's DicomModalities (GET /modalities lists them)"};
  const Json::Value& m = modalities[name];
  dicom::StoreScp scp;
  scp.calledAeTitle = m.get("AET", "").asString();
  scp.host = m.get("Host", "").asString();
  scp.port = m.get("Port", 104).asInt();
  const Json::Value config = ParseJson(TakeOrthancString(OrthancPluginGetConfiguration(Context())));
  scp.callingAeTitle = config.get("DicomAet", "ORTHANC").asString();
  scp.timeoutSec = config.get("DicomScuTimeout", 10).asInt();
  return scp;
}

// Instances of the resources named (instance, series, study or patient IDs), in order, without repeats.
std::vector<std::string> InstancesOf(const Json::Value& resources) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const Json::Value& r : resources) {
    if (!r.isString()) throw HttpError{400, "'Resources' must be a list of Orthanc IDs"};
    const std::string id = r.asString();
    std::string body;
    std::vector<std::string> found;
    if (RestGetIfFound("/instances/" + id, body)) {
      found.push_back(id);
    } else {
      bool any = false;
      for (const char* level : {"/series/", "/studies/", "/patients/"}) {
        if (RestGetIfFound(level + id + "/instances", body)) {
          for (const Json::Value& i : ParseJson(body)) found.push_back(i["ID"].asString());
          any = true;
          break;
        }
      }
      if (!any) throw HttpError{404, "no instance, series, study or patient " + id};
    }
    for (const std::string& i : found) {
      if (seen.insert(i).second) out.push_back(i);
    }
  }
  return out;
}

struct Item {
  std::string id, sopClass, sopInstance, syntax;
  std::shared_ptr<const StoredVideo> video;  // null for other objects
  std::string path;
};

void Store(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Post, "POST");
  Json::Value body;
  try {
    body = ParseJson(std::string(static_cast<const char*>(request->body), request->bodySize));
  } catch (const std::exception& e) {
    throw HttpError{400, std::string("the body must be JSON {\"Resources\": [IDs]}: ") + e.what()};
  }
  if (!body.isObject() || !body["Resources"].isArray() || body["Resources"].empty())
    throw HttpError{400, "the body must be JSON {\"Resources\": [IDs]} with at least one ID"};
  const dicom::StoreScp scp = LookupModality(request->groups[0]);

  std::vector<Item> items;
  std::vector<dicom::StorageProposal> proposals;
  std::set<std::pair<std::string, std::string>> proposed;
  const std::filesystem::path scratch = std::filesystem::path(state.config.workDirectory) / "scratch";
  std::filesystem::create_directories(scratch);
  for (const std::string& id : InstancesOf(body["Resources"])) {
    Item item;
    item.id = id;
    try {
      item.video = OpenStoredVideo(state, id);
      item.sopClass = item.video->sopClassUid;
      item.sopInstance = item.video->sopInstanceUid;
      item.syntax = item.video->transferSyntaxUid;
      item.path = DicomFileOf(state, *item.video);
    } catch (const HttpError& e) {
      if (e.status != 415) throw;
      // Not video: sent as stored; its header says how.
      std::string file;
      if (!RestGetIfFound("/instances/" + id + "/file", file)) throw HttpError{404, "no instance " + id};
      const dicom::InstanceHeader header = OnLargeStack([&] { return dicom::PeekHeader(file.data(), file.size()); });
      item.sopClass = header.sopClassUid;
      item.sopInstance = header.sopInstanceUid;
      item.syntax = header.transferSyntaxUid;
      item.path = (scratch / (id + "-send.dcm")).string();
      std::ofstream(item.path, std::ios::binary).write(file.data(), static_cast<std::streamsize>(file.size()));
    }
    std::vector<std::string> syntaxes = {item.syntax};
    if (item.video && item.video->codec != "h264")
      syntaxes.insert(syntaxes.end(), H264SyntaxesWritten().begin(), H264SyntaxesWritten().end());
    std::vector<std::string> fresh;
    for (const std::string& ts : syntaxes) {
      if (proposed.insert({item.sopClass, ts}).second) fresh.push_back(ts);
    }
    if (!fresh.empty()) proposals.emplace_back(item.sopClass, fresh);
    items.push_back(std::move(item));
  }

  Json::Value report(Json::arrayValue);
  try {
    OnLargeStack([&] {
      dicom::StoreAssociation association(scp, proposals);
      for (const Item& item : items) {
        Json::Value r;
        r["Instance"] = item.id;
        r["SOPInstanceUID"] = item.sopInstance;
        const std::vector<std::string> accepted = association.AcceptedSyntaxes(item.sopClass);
        bool asStored = false;
        for (const std::string& ts : accepted) asStored = asStored || ts == item.syntax;
        if (asStored) {
          association.Send(item.path, item.sopClass, item.syntax);
          r["TransferSyntax"] = item.syntax;
          r["Transcoded"] = false;
        } else if (item.video && !PickH264Syntax(accepted, 1920, 1080, 30).empty()) {
          const std::string out = (scratch / (item.id + "-send-h264.dcm")).string();
          // Sent in the syntax the rendition was written in (the best accepted one it fits).
          const std::string ts = WriteH264Instance(state, item.path, *item.video, accepted, false, out);
          association.Send(out, item.sopClass, ts);
          std::error_code ec;
          std::filesystem::remove(out, ec);
          r["TransferSyntax"] = ts;
          r["Transcoded"] = true;
        } else {
          throw HttpError{422, "the receiver accepts " + item.sopClass + " in none of the syntaxes we can send (" +
                                   item.syntax + (item.video ? ", H.264" : "") + ")"};
        }
        report.append(r);
      }
    });
  } catch (const dicom::DicomError& e) {
    throw HttpError{502, e.what()};
  }
  for (const Item& item : items) {
    if (!item.video) {
      std::error_code ec;
      std::filesystem::remove(item.path, ec);
    }
  }
  Json::Value answer;
  answer["Modality"] = request->groups[0];
  answer["Instances"] = report;
  AnswerJson(output, answer);
}

}  // namespace

void RegisterSendToModalityRoute() {
  OrthancPluginRegisterRestCallbackNoLock(Context(), "/video-archive/modalities/([^/]+)/store", RouteCallback<Store>);
}

}  // namespace va::plugin
