#include "MediaSelection.h"

#include "HttpHelpers.h"
#include "Renditions.h"

namespace va::plugin {

SelectedMedia SelectMedia(PluginState& state, OrthancPluginRestOutput* output, const std::string& instanceId,
                          const std::string& renditionParam, const std::string& acceptHeader) {
  SelectedMedia m;
  m.video = OpenStoredVideo(state, instanceId);
  MediaChoice choice;
  try {
    choice = ChooseMedia(m.video->codec, m.video->container, renditionParam, acceptHeader);
  } catch (const NegotiationError& e) {
    throw HttpError{e.status(), e.what()};
  }
  m.rendition = choice.rendition;
  m.contentType = choice.contentType;
  if (choice.rendition == Rendition::Original) {
    m.bytes = m.video->bytes;
    m.etag = m.video->etag;
    m.cacheKey = instanceId + "/original";
    return m;
  }
  RenditionRegistry& renditions = *state.renditions;
  const std::string sop = m.video->sopInstanceUid;
  if (!renditions.Ready(sop)) {
    if (state.config.delivery.renditions == "Never")
      throw HttpError{406, "this " + m.video->codec +
                               " video has no H.264 rendition and Delivery.Renditions is Never; ask for "
                               "rendition=original"};
    const std::string job = renditions.Request(State(), instanceId, sop);
    if (!job.empty()) {
      SetHeader(output, "Retry-After", "5");
      throw HttpError{503, "the H.264 rendition of this " + m.video->codec + " video is being made by job " + job +
                               " (GET /jobs/" + job + " shows its progress); ask again in a moment"};
    }
  }
  m.bytes = codec::OpenWholeFile(renditions.PathFor(sop));
  m.etag = "\"" + sop + "-h264-" + std::to_string(m.bytes->Size()) + "\"";
  m.cacheKey = instanceId + "/h264";
  return m;
}

}  // namespace va::plugin
