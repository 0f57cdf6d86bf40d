#include "SystemReport.h"

#include "OrthancApi.h"
#include "va/codec/Transcoder.h"
#include "va/dicom/TransferSyntaxTable.h"

namespace va::plugin {

bool MatchesAcceptedPattern(const std::string& pattern, const std::string& uid) {
  // Iterative glob with backtracking on the last '*'.
  size_t p = 0, u = 0, star = std::string::npos, mark = 0;
  while (u < uid.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == uid[u])) {
      ++p;
      ++u;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = u;
    } else if (star != std::string::npos) {
      p = star + 1;
      u = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

bool AcceptedByOrthanc(const Json::Value& orthancConfiguration, const std::string& uid) {
  const Json::Value& accepted = orthancConfiguration["AcceptedTransferSyntaxes"];
  if (accepted.isNull()) return true;  // Orthanc's default accepts every known transfer syntax
  if (accepted.isString()) return MatchesAcceptedPattern(accepted.asString(), uid);
  for (const auto& pattern : accepted) {
    if (pattern.isString() && MatchesAcceptedPattern(pattern.asString(), uid)) return true;
  }
  return false;
}

}  // namespace

Json::Value BuildSystemReport(const PluginState& state, const Json::Value& orthancConfiguration) {
  Json::Value v(Json::objectValue);
  v["Plugin"] = "video-archive";
  v["Version"] = VA_PLUGIN_VERSION;
  v["OrthancVersion"] = Context()->orthancVersion;
  v["Configuration"] = state.config.ToJson();

  const codec::CodecCapabilities caps = codec::QueryCapabilities();
  Json::Value& c = v["Capabilities"];
  c["x265"]["Version"] = caps.x265Version;
  c["x265"]["Main"] = caps.x265Main;
  c["x265"]["Main10"] = caps.x265Main10;
  c["x265"]["Main12"] = caps.x265Main12;
  c["FFmpeg"]["libavformat"] = caps.libavformatVersion;
  c["FFmpeg"]["libavcodec"] = caps.libavcodecVersion;
  c["FFmpeg"]["DecodeH264"] = caps.decodeH264;
  c["FFmpeg"]["DecodeHevc"] = caps.decodeHevc;
  c["FFmpeg"]["DecodeMpeg2"] = caps.decodeMpeg2;
  c["FFmpeg"]["EncodeAac"] = caps.encodeAac;

  Json::Value& list = v["VideoTransferSyntaxes"];
  list = Json::Value(Json::arrayValue);
  for (const auto& ts : dicom::AllVideoTransferSyntaxes()) {
    Json::Value t;
    t["UID"] = ts.uid;
    t["Name"] = ts.name;
    t["MaxWidth"] = ts.maxWidth;
    t["MaxHeight"] = ts.maxHeight;
    t["MaxFps"] = ts.maxFps;
    t["AcceptedByOrthanc"] = AcceptedByOrthanc(orthancConfiguration, ts.uid);
    const bool decodable = (ts.codec == dicom::VideoCodec::Mpeg2 && caps.decodeMpeg2) ||
                           (ts.codec == dicom::VideoCodec::H264 && caps.decodeH264) ||
                           (ts.codec == dicom::VideoCodec::Hevc && caps.decodeHevc);
    t["Archivable"] = decodable;
    list.append(t);
  }

  Json::Value& tasks = v["Tasks"];
  for (auto s : {archive::TaskState::Pending, archive::TaskState::Running, archive::TaskState::Done,
                 archive::TaskState::Failed, archive::TaskState::Skipped}) {
    tasks[archive::ToString(s)] = state.catalog->Count(s);
  }
  return v;
}

}  // namespace va::plugin
