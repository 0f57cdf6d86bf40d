#include "DicomWebVideoRoutes.h"

#include <filesystem>
#include <fstream>
#include <vector>

#include "ByteRangeAnswer.h"
#include "HttpHelpers.h"
#include "LargeStack.h"
#include "MediaSelection.h"
#include "OrthancApi.h"
#include "PluginState.h"
#include "RouteCallback.h"
#include "TranscodeOnRetrieve.h"
#include "VideoPictures.h"
#include "va/dicom/TransferSyntaxTable.h"

namespace va::plugin {

namespace {

constexpr const char* kOurRoot = "/video-archive/dicom-web/";

std::string DicomWebPluginRoot() {
  static const std::string root = [] {
    const Json::Value config = ParseJson(TakeOrthancString(OrthancPluginGetConfiguration(Context())));
    std::string r = config["DicomWeb"].get("Root", "/dicom-web/").asString();
    if (r.empty() || r.front() != '/') r = "/" + r;
    if (r.back() != '/') r += "/";
    return r;
  }();
  return root;
}

std::string UrlEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ',' || c == '*') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string QueryString(const OrthancPluginHttpRequest* request) {
  std::string q;
  for (uint32_t i = 0; i < request->getCount; ++i) {
    q += (q.empty() ? "?" : "&") + UrlEncode(request->getKeys[i]) + "=" + UrlEncode(request->getValues[i]);
  }
  return q;
}

// The DICOMweb plugin writes absolute URLs of its own root (RetrieveURL, BulkDataURI): point them at ours, so that a
// client configured with our root stays on it and reaches our video routes. A plain scan, not std::regex: the
// libstdc++ regex engine recurses per character and a large metadata answer would overflow a server thread's stack.
std::string RewriteRoot(const std::string& body, const OrthancPluginHttpRequest* request) {
  const std::string host = GetHeader(request, "host");
  const std::string base = host.empty() ? "" : "http://" + host;
  const std::string needle = DicomWebPluginRoot() + "studies/";
  std::string out;
  out.reserve(body.size() + body.size() / 16);
  size_t from = 0;
  for (size_t at = body.find(needle); at != std::string::npos; at = body.find(needle, from)) {
    // Drop an absolute "http(s)://host" that directly precedes the root inside the same JSON string.
    size_t start = at;
    const size_t quote = body.rfind('"', at);
    if (quote != std::string::npos && quote >= from) {
      const std::string prefix = body.substr(quote + 1, at - quote - 1);
      if ((prefix.rfind("http://", 0) == 0 || prefix.rfind("https://", 0) == 0) &&
          prefix.find('/', prefix.find("//") + 2) == std::string::npos)
        start = quote + 1;
    }
    out.append(body, from, start - from);
    out += base + kOurRoot + "studies/";
    from = at + needle.size();
  }
  out.append(body, from, std::string::npos);
  return out;
}

std::string FirstValue(const Json::Value& item, const char* tag) {
  const Json::Value& v = item[tag]["Value"];
  return v.isArray() && !v.empty() && v[0].isString() ? v[0].asString() : "";
}

// The DICOMweb plugin's metadata of a video instance names neither its Pixel Data nor its transfer syntax, so video
// viewers (OHIF's dicom-video extension looks for PixelData and AvailableTransferSyntaxUID) would not recognise it:
// add Pixel Data with a BulkDataURI to our bulkdata route, and Available Transfer Syntax UID.
std::string AddVideoAttributes(const std::string& body, const OrthancPluginHttpRequest* request) {
  Json::Value items;
  try {
    items = ParseJson(body);
  } catch (const std::exception&) {
    return body;
  }
  if (!items.isArray()) return body;
  std::shared_ptr<PluginState> state = State();
  if (!state) return body;
  const std::string host = GetHeader(request, "host");
  const std::string base = host.empty() ? "" : "http://" + host;
  bool changed = false;
  for (Json::Value& item : items) {
    if (!item.isObject() || !dicom::IsVideoSopClass(FirstValue(item, "00080016"))) continue;
    const std::string sop = FirstValue(item, "00080018");
    const std::string id = LookupInstanceId(sop);
    if (id.empty()) continue;
    try {
      const auto video = OpenStoredVideo(*state, id);
      item["00083002"]["vr"] = "UI";
      item["00083002"]["Value"] = Json::Value(Json::arrayValue);
      item["00083002"]["Value"].append(video->transferSyntaxUid);
      item["7FE00010"] = Json::Value(Json::objectValue);
      item["7FE00010"]["vr"] = "OB";
      std::string uri = base;
      uri.append(kOurRoot).append("studies/").append(FirstValue(item, "0020000D"));
      uri.append("/series/").append(FirstValue(item, "0020000E")).append("/instances/").append(sop);
      item["7FE00010"]["BulkDataURI"] = uri + "/bulk/7fe00010";
      changed = true;
    } catch (const std::exception&) {
      // not a readable video after all: leave the plugin's answer as it is
    }
  }
  return changed ? WriteJson(items, false) : body;
}

void Forward(OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request, const std::string& path) {
  if (request->method != OrthancPluginHttpMethod_Get) throw HttpError{405, "only GET is allowed on this route"};
  std::string accept = GetHeader(request, "accept");
  std::vector<std::pair<std::string, std::string>> headers;
  if (!accept.empty()) headers.emplace_back("Accept", accept);
  std::string body;
  try {
    body = RestGetPlugins(DicomWebPluginRoot() + path + QueryString(request), headers);
  } catch (const OrthancCallError& e) {
    throw HttpError{e.HttpStatus(), std::string("the DICOMweb plugin refused ") + path + ": " + e.what()};
  }
  std::string mime = "application/dicom+json";
  if (body.rfind("--", 0) == 0) {
    // A multipart answer: its boundary is its first line.
    const std::string boundary = body.substr(2, body.find_first_of("\r\n") - 2);
    const bool dicom = accept.empty() || accept.find("application/dicom") != std::string::npos;
    mime = std::string("multipart/related; type=\"") + (dicom ? "application/dicom" : "application/octet-stream") +
           "\"; boundary=" + boundary;
  } else if (!body.empty() && body[0] != '[' && body[0] != '{') {
    mime = "application/octet-stream";
  } else {
    body = RewriteRoot(body, request);
    if (path.size() >= 8 && path.compare(path.size() - 8, 8, "metadata") == 0) body = AddVideoAttributes(body, request);
  }
  OrthancPluginAnswerBuffer(Context(), output, body.data(), static_cast<uint32_t>(body.size()), mime.c_str());
}

void AnswerDicomPart(OrthancPluginRestOutput* output, const std::string& path, const std::string& syntax) {
  std::ifstream in(path, std::ios::binary);
  const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) throw std::runtime_error("cannot read " + path);
  if (OrthancPluginStartMultipartAnswer(Context(), output, "related", "application/dicom") !=
      OrthancPluginErrorCode_Success)
    throw std::runtime_error("cannot start a multipart answer");
  const char* keys[] = {"Content-Type"};
  const std::string value = "application/dicom; transfer-syntax=" + syntax;
  const char* values[] = {value.c_str()};
  OrthancPluginSendMultipartItem2(Context(), output, body.data(), static_cast<uint32_t>(body.size()), 1, keys, values);
}

// WADO-RS retrieve of one video instance: as stored (transfer-syntax absent, "*" or the stored one), or its H.264
// version when an H.264 syntax is asked for.
void RetrieveVideoInstance(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request,
                           const StoredVideo& video) {
  std::string wanted;
  try {
    wanted = RequestedTransferSyntax(GetHeader(request, "accept"));
  } catch (const NegotiationError& e) {
    throw HttpError{e.status(), e.what()};
  }
  if (wanted.empty() || wanted == "*" || wanted == video.transferSyntaxUid) {
    AnswerDicomPart(output, DicomFileOf(state, video), video.transferSyntaxUid);
    return;
  }
  if (!PickH264Syntax({wanted}, 640, 480, 25).empty() || !PickH264Syntax({wanted}, 1920, 1080, 25).empty()) {
    const std::filesystem::path scratch = std::filesystem::path(state.config.workDirectory) / "scratch";
    std::filesystem::create_directories(scratch);
    const std::string out = (scratch / (video.instanceId + "-wado-h264.dcm")).string();
    WriteH264Instance(state, DicomFileOf(state, video), video, {wanted}, true, out);
    AnswerDicomPart(output, out, wanted);
    std::error_code ec;
    std::filesystem::remove(out, ec);
    return;
  }
  throw HttpError{406, "instance " + video.sopInstanceUid + " is " + video.transferSyntaxUid +
                           " video; it can be retrieved as stored (transfer-syntax=* or " + video.transferSyntaxUid +
                           ") or as H.264 (1.2.840.10008.1.2.4.102 / .104), not as " + wanted};
}

bool WantsImage(const std::string& accept) {
  return accept.find("image/") != std::string::npos && accept.find("video/") == std::string::npos &&
         accept.find("*/*") == std::string::npos;
}

void ThumbnailAnswer(OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request, const StoredVideo& video,
                     double t) {
  int width = 200, height = 200;  // PS3.18: a thumbnail's size is the server's choice unless a viewport is given
  const std::string viewport = GetArgument(request, "viewport", "");
  if (!viewport.empty() && std::sscanf(viewport.c_str(), "%d,%d", &width, &height) != 2)
    throw HttpError{400, "query parameter 'viewport' must be width,height"};
  if (width < 1 || height < 1 || width > 8192 || height > 8192)
    throw HttpError{400, "query parameter 'viewport' must be within 1..8192"};
  AnswerPicture(output, request, ThumbnailOf(video, t, width, height));
}

// studies/{st}/series/{se}/instances/{sop}[/rest]: video instances are ours, the rest goes to the plugin.
void DispatchInstance(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request,
                      const std::string& path, const std::string& sop, const std::string& rest) {
  const std::string id = LookupInstanceId(sop);
  if (id.empty()) {
    Forward(output, request, path);  // the plugin answers 404 in its own words
    return;
  }
  std::shared_ptr<const StoredVideo> video;
  try {
    video = OpenStoredVideo(state, id);
  } catch (const HttpError& e) {
    if (e.status == 415) {
      Forward(output, request, path);  // not video
      return;
    }
    throw;
  }
  if (request->method != OrthancPluginHttpMethod_Get) throw HttpError{405, "only GET is allowed on this route"};
  const std::string accept = GetHeader(request, "accept");
  // rendered with an image-only Accept is the first frame, like a thumbnail.
  const bool picture = rest == "thumbnail" || (rest == "rendered" && WantsImage(accept));
  if (rest.empty()) {
    RetrieveVideoInstance(state, output, request, *video);
  } else if (picture) {
    ThumbnailAnswer(output, request, *video, 0);
  } else if (rest == "rendered" || rest == "bulk/7fe00010" || rest == "bulk/7FE00010" || rest == "pixeldata") {
    const SelectedMedia media = SelectMedia(state, output, id, GetArgument(request, "rendition", ""), accept);
    AnswerByteRange(output, request, *media.bytes, media.contentType, media.etag,
                    static_cast<uint64_t>(state.config.delivery.maxAnswerMegabytes) << 20);
  } else if (rest.rfind("frames/", 0) == 0 && rest.size() > 16 && rest.compare(rest.size() - 9, 9, "/rendered") == 0) {
    const std::string number = rest.substr(7, rest.size() - 16);
    long n = 0;
    try {
      n = number.find_first_not_of("0123456789") == std::string::npos ? std::stol(number) : 0;
    } catch (const std::exception&) {
      n = 0;
    }
    if (n < 1) throw HttpError{400, "give one frame number from 1 (frames/{n}/rendered)"};
    const codec::RgbImage image = OnLargeStack([&] { return codec::GrabFrameByIndex(video->bytes, n - 1, 0, 0); });
    AnswerPicture(output, request, image);
  } else if (rest == "metadata") {
    Forward(output, request, path);
  } else {
    throw HttpError{404, "no route " + rest + " for a video instance on this DICOMweb root"};
  }
}

void Dispatch(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  const std::string path = request->groups[0];
  // studies/{st}/series/{se}/instances/{sop}[/rest]
  std::vector<std::string> parts;
  for (size_t from = 0;;) {
    const size_t slash = path.find('/', from);
    parts.push_back(path.substr(from, slash == std::string::npos ? std::string::npos : slash - from));
    if (slash == std::string::npos) break;
    from = slash + 1;
  }
  if (parts.size() >= 6 && parts[0] == "studies" && parts[2] == "series" && parts[4] == "instances" &&
      !parts[5].empty()) {
    std::string rest;
    for (size_t i = 6; i < parts.size(); ++i) rest += (i > 6 ? "/" : "") + parts[i];
    DispatchInstance(state, output, request, path, parts[5], rest);
    return;
  }
  Forward(output, request, path);
}

OrthancPluginErrorCode StudiesCallback(OrthancPluginRestOutput* output, const char*,
                                       const OrthancPluginHttpRequest* request) {
  return RunHandler(ForwardStudiesGet, output, request);
}
OrthancPluginErrorCode StudyCallback(OrthancPluginRestOutput* output, const char*,
                                     const OrthancPluginHttpRequest* request) {
  return RunHandler(ForwardStudyGet, output, request);
}

}  // namespace

// Reached by POST only when uploads are off (otherwise STOW-RS has its own chunked route on these paths).
void RefuseStowWithoutUploads(const OrthancPluginHttpRequest* request) {
  if (request->method == OrthancPluginHttpMethod_Post)
    throw HttpError{404, "STOW-RS to the video root is off because uploads are disabled (VideoArchive.Uploads.Enable)"};
}

void ForwardStudiesGet(OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RefuseStowWithoutUploads(request);
  Forward(output, request, "studies");
}

void ForwardStudyGet(OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RefuseStowWithoutUploads(request);
  Forward(output, request, std::string("studies/") + request->groups[0]);
}

void RegisterDicomWebVideoRoutes(bool withStudyRoutes) {
  // Deeper than a study, or the all-series / all-instances QIDO searches: never the same paths as STOW-RS.
  OrthancPluginRegisterRestCallbackNoLock(Context(), "/video-archive/dicom-web/(studies/[^/]+/.+|series|instances)",
                                          RouteCallback<Dispatch>);
  if (withStudyRoutes) {
    OrthancPluginRegisterRestCallbackNoLock(Context(), "/video-archive/dicom-web/studies", StudiesCallback);
    OrthancPluginRegisterRestCallbackNoLock(Context(), "/video-archive/dicom-web/studies/([^/]+)", StudyCallback);
  }
}

}  // namespace va::plugin
