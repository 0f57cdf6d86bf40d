#include "DeliveryRoutes.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "ByteRangeAnswer.h"
#include "HlsPlaylist.h"
#include "LargeStack.h"
#include "MediaSelection.h"
#include "OrthancApi.h"
#include "Renditions.h"
#include "RouteCallback.h"
#include "VideoPictures.h"
#include "va/codec/Hls.h"

namespace va::plugin {

namespace {

uint64_t MaxAnswerBytes(const PluginState& state) {
  return static_cast<uint64_t>(state.config.delivery.maxAnswerMegabytes) << 20;
}

SelectedMedia Select(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request,
                     const std::string& instanceId) {
  return SelectMedia(state, output, instanceId, GetArgument(request, "rendition", ""), GetHeader(request, "accept"));
}

void GetVideo(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const SelectedMedia m = Select(state, output, request, request->groups[0]);
  AnswerByteRange(output, request, *m.bytes, m.contentType, m.etag, MaxAnswerBytes(state));
}

void Renditions(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  const std::string id = request->groups[0];
  const auto video = OpenStoredVideo(state, id);
  Json::Value v;
  v["Instance"] = id;
  v["Codec"] = video->codec;
  v["Container"] = video->container;
  if (video->codec == "h264" && video->container == "mp4") {
    v["H264"]["State"] = "original";  // already plays everywhere
  } else if (request->method == OrthancPluginHttpMethod_Post) {
    if (state.config.delivery.renditions == "Never")
      throw HttpError{403, "renditions are disabled (VideoArchive.Delivery.Renditions = Never)"};
    state.renditions->Request(State(), id, video->sopInstanceUid);
    v["H264"] = state.renditions->Status(video->sopInstanceUid);
  } else {
    RequireMethod(request, OrthancPluginHttpMethod_Get, "GET or POST");
    v["H264"] = state.renditions->Status(video->sopInstanceUid);
  }
  AnswerJson(output, v);
}

// --- HLS ------------------------------------------------------------------------------------------------------------

struct Timeline {
  codec::MediaTimeline media;
  std::vector<codec::HlsCut> cuts;
};

// Reading a timeline costs a pass over the MP4 index: remember a few hundred.
std::shared_ptr<const Timeline> TimelineOf(const SelectedMedia& m, double targetSeconds) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Timeline>> cache;
  const std::string key = m.cacheKey + "/" + m.etag;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  auto t = std::make_shared<Timeline>();
  OnLargeStack([&] {
    t->media = codec::ReadTimeline(m.bytes);
    t->cuts = codec::PlanHlsCuts(t->media, targetSeconds);
  });
  std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() > 512) cache.clear();
  cache[key] = t;
  return t;
}

std::string Query(const OrthancPluginHttpRequest* request) {
  const std::string rendition = GetArgument(request, "rendition", "");
  return rendition.empty() ? "" : "rendition=" + rendition;
}

// Segments of one instance, starting at `offset` seconds of the playlist's timeline.
void AppendSegments(std::vector<PlaylistSegment>& out, const std::string& instanceId, const Timeline& t, double offset,
                    const std::string& query, const std::string& prefix) {
  for (const codec::HlsCut& cut : t.cuts) {
    std::ostringstream uri;
    uri.precision(17);
    uri << prefix << instanceId << "/hls/" << cut.index << ".ts?t0=" << offset;
    if (!query.empty()) uri << "&" << query;
    out.push_back({uri.str(), cut.durationSec});
  }
}

void AnswerPlaylist(OrthancPluginRestOutput* output, const std::vector<PlaylistSegment>& segments) {
  const std::string text = BuildHlsMediaPlaylist(segments);
  SetHeader(output, "Cache-Control", "private, max-age=60");
  OrthancPluginAnswerBuffer(Context(), output, text.data(), static_cast<uint32_t>(text.size()),
                            "application/vnd.apple.mpegurl");
}

void GetInstancePlaylist(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const std::string id = request->groups[0];
  const SelectedMedia m = SelectMedia(state, output, id, GetArgument(request, "rendition", ""), "");
  const auto t = TimelineOf(m, state.config.delivery.hlsSegmentSeconds);
  std::vector<PlaylistSegment> segments;
  AppendSegments(segments, id, *t, 0, Query(request), "../");
  AnswerPlaylist(output, segments);
}

// The instances of a series in recording order (Instance Number, then Content Time), videos only.
std::vector<std::string> SeriesVideoInstances(const std::string& seriesId) {
  std::string body;
  if (!RestGetIfFound("/series/" + seriesId + "/instances", body)) throw HttpError{404, "no series " + seriesId};
  struct Item {
    long number;
    std::string time, id;
  };
  std::vector<Item> items;
  for (const Json::Value& i : ParseJson(body)) {
    const Json::Value& tags = i["MainDicomTags"];
    long number = 0;
    try {
      number = std::stol(tags.get("InstanceNumber", "0").asString());
    } catch (const std::exception&) {
      number = 0;
    }
    items.push_back({number, tags.get("ContentTime", "").asString(), i["ID"].asString()});
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.number != b.number ? a.number < b.number : (a.time != b.time ? a.time < b.time : a.id < b.id);
  });
  std::vector<std::string> ids;
  ids.reserve(items.size());
  for (const Item& i : items) ids.push_back(i.id);
  return ids;
}

void GetSeriesPlaylist(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const std::string seriesId = request->groups[0];
  std::vector<PlaylistSegment> segments;
  double offset = 0;
  std::vector<std::string> waiting;
  for (const std::string& id : SeriesVideoInstances(seriesId)) {
    try {
      const SelectedMedia m = SelectMedia(state, output, id, GetArgument(request, "rendition", ""), "");
      const auto t = TimelineOf(m, state.config.delivery.hlsSegmentSeconds);
      AppendSegments(segments, id, *t, offset, Query(request), "../../instances/");
      offset += t->media.durationSec;
    } catch (const HttpError& e) {
      if (e.status == 415) continue;  // not a video (a report, a still image): not part of the playback
      if (e.status == 503) {
        waiting.push_back(id);  // keep requesting the other renditions too
        continue;
      }
      throw;
    }
  }
  if (!waiting.empty()) {
    SetHeader(output, "Retry-After", "5");
    throw HttpError{503, "H.264 renditions of " + std::to_string(waiting.size()) +
                             " instance(s) of this series are being made (jobs VideoArchiveRendition); ask again in "
                             "a moment"};
  }
  if (segments.empty()) throw HttpError{404, "series " + seriesId + " holds no video"};
  AnswerPlaylist(output, segments);
}

void GetSegment(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const std::string id = request->groups[0];
  const SelectedMedia m = SelectMedia(state, output, id, GetArgument(request, "rendition", ""), "");
  const auto t = TimelineOf(m, state.config.delivery.hlsSegmentSeconds);
  long index = -1;
  try {
    index = std::stol(request->groups[1]);
  } catch (const std::exception&) {
    index = -1;
  }
  if (index < 0 || index >= static_cast<long>(t->cuts.size()))
    throw HttpError{404, "instance " + id + " has " + std::to_string(t->cuts.size()) + " HLS segments"};
  double offset = 0;
  try {
    offset = std::stod(GetArgument(request, "t0", "0"));
  } catch (const std::exception&) {
    offset = -1;
  }
  if (!(offset >= 0 && offset < 1e7)) throw HttpError{400, "query parameter 't0' must be seconds from 0 to 1e7"};
  std::string ts;
  OnLargeStack([&] { codec::RemuxHlsSegment(m.bytes, t->cuts[static_cast<size_t>(index)], offset, ts); });
  SetHeader(output, "Cache-Control", "private, max-age=3600");
  OrthancPluginAnswerBuffer(Context(), output, ts.data(), static_cast<uint32_t>(ts.size()), "video/mp2t");
}

// --- pictures -------------------------------------------------------------------------------------------------------

double DoubleArgument(const OrthancPluginHttpRequest* request, const char* key, double fallback, double min,
                      double max) {
  const std::string text = GetArgument(request, key, "");
  if (text.empty()) return fallback;
  double v = 0;
  try {
    size_t used = 0;
    v = std::stod(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
  } catch (const std::exception&) {
    throw HttpError{400, std::string("query parameter '") + key + "' must be a number"};
  }
  if (!(v >= min && v <= max))
    throw HttpError{400, std::string("query parameter '") + key + "' must be from " + std::to_string(min) + " to " +
                             std::to_string(max)};
  return v;
}

void GetThumbnail(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const auto video = OpenStoredVideo(state, request->groups[0]);
  const double t = DoubleArgument(request, "t", 0, 0, 1e7);
  const int width = GetIntArgument(request, "width", 320, 0, 8192);
  const int height = GetIntArgument(request, "height", 0, 0, 8192);
  AnswerPicture(output, request, ThumbnailOf(*video, t, width, height));
}

void GetSprite(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  const auto video = OpenStoredVideo(state, request->groups[0]);
  const int tiles = GetIntArgument(request, "tiles", 60, 1, 400);
  const int width = GetIntArgument(request, "width", 160, 16, 640);
  const SpriteFiles sprite = SpriteOf(state, *video, tiles, width);
  const bool vtt = std::string(request->groups[1]) == "vtt";
  std::ifstream in(vtt ? sprite.vttPath : sprite.jpegPath, std::ios::binary);
  const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) throw std::runtime_error("cannot read the sprite of instance " + video->instanceId);
  SetHeader(output, "Cache-Control", "private, max-age=3600");
  OrthancPluginAnswerBuffer(Context(), output, body.data(), static_cast<uint32_t>(body.size()),
                            vtt ? "text/vtt" : "image/jpeg");
}

// --- player page and its scripts -------------------------------------------------------------------------------------

std::string AssetsFolder(const PluginState& state) {
  return state.config.delivery.assetsFolder.empty() ? std::string(VA_DEFAULT_ASSETS_FOLDER)
                                                    : state.config.delivery.assetsFolder;
}

void AnswerAsset(PluginState& state, OrthancPluginRestOutput* output, const std::string& name) {
  // Names are [A-Za-z0-9._-/] without "..": nothing outside the assets folder can be read.
  if (name.empty() || name.size() > 200 || name.find("..") != std::string::npos || name.front() == '/')
    throw HttpError{404, "no asset " + name};
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '/'))
      throw HttpError{404, "no asset " + name};
  }
  // Our own files first, then third-party scripts that install-deps.sh copied from npm (assets/vendor).
  std::filesystem::path path = std::filesystem::path(AssetsFolder(state)) / name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) path = std::filesystem::path(AssetsFolder(state)) / "vendor" / name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw HttpError{404, "no asset " + name + " (is VideoArchive.Delivery.AssetsFolder set?)"};
  const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string ext = path.extension().string();
  const char* mime = ext == ".html"  ? "text/html; charset=utf-8"
                     : ext == ".js"  ? "text/javascript; charset=utf-8"
                     : ext == ".css" ? "text/css; charset=utf-8"
                                     : "application/octet-stream";
  SetHeader(output, "Cache-Control", "private, max-age=300");
  OrthancPluginAnswerBuffer(Context(), output, body.data(), static_cast<uint32_t>(body.size()), mime);
}

void GetPlayer(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  AnswerAsset(state, output, "player.html");
}

void GetAsset(PluginState& state, OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request) {
  RequireMethod(request, OrthancPluginHttpMethod_Get, "GET");
  AnswerAsset(state, output, request->groups[0]);
}

template <StateHandler handler>
void Route(const char* path) {
  OrthancPluginRegisterRestCallbackNoLock(Context(), path, RouteCallback<handler>);
}

}  // namespace

void RegisterDeliveryRoutes() {
  Route<GetVideo>("/video-archive/instances/([^/]+)/video(?:\\.mp4)?");
  Route<Renditions>("/video-archive/instances/([^/]+)/renditions");
  Route<GetInstancePlaylist>("/video-archive/instances/([^/]+)/hls\\.m3u8");
  Route<GetSegment>("/video-archive/instances/([^/]+)/hls/([0-9]+)\\.ts");
  Route<GetSeriesPlaylist>("/video-archive/series/([^/]+)/hls\\.m3u8");
  Route<GetThumbnail>("/video-archive/instances/([^/]+)/thumbnail(?:\\.jpg)?");
  Route<GetSprite>("/video-archive/instances/([^/]+)/sprite\\.(jpg|vtt)");
  Route<GetPlayer>("/video-archive/player");
  Route<GetAsset>("/video-archive/assets/(.+)");
}

}  // namespace va::plugin
