// GrabFrame, GrabFrameByIndex and GrabFrames: the public face of FrameGrabber.
#include "FrameGrabber.h"
#include "va/codec/Frames.h"

namespace va::codec {

namespace {

void CheckBox(int maxWidth, int maxHeight) {
  if (maxWidth < 0 || maxHeight < 0)
    throw CodecError("invalid picture size limit " + std::to_string(maxWidth) + "x" + std::to_string(maxHeight) +
                     ": use 0 for no limit, or a positive number of pixels");
}

}  // namespace

RgbImage GrabFrame(std::shared_ptr<ByteSource> source, double timeSec, int maxWidth, int maxHeight) {
  CheckBox(maxWidth, maxHeight);
  detail::FrameGrabber grabber(std::move(source));
  return grabber.Picture(timeSec, maxWidth, maxHeight);
}

RgbImage GrabFrameByIndex(std::shared_ptr<ByteSource> source, int64_t frameIndex, int maxWidth, int maxHeight) {
  CheckBox(maxWidth, maxHeight);
  detail::FrameGrabber grabber(std::move(source));
  auto outOfRange = [&](int64_t count, bool exact) {
    const std::string frames =
        count > 0 ? (exact ? "" : "about ") + std::to_string(count) + " frames (0 to " + std::to_string(count - 1) + ")"
                  : std::string("frames numbered from 0");
    return CodecError("frame " + std::to_string(frameIndex) + " is out of range: " + grabber.name() + " has " + frames);
  };
  // A count the container states is exact (MP4); others come from a duration FFmpeg estimated (program streams):
  // there the end of the stream tells.
  const int64_t listed = grabber.listedFrameCount();
  if (frameIndex < 0) throw outOfRange(listed > 0 ? listed : grabber.frameCount(), listed > 0);
  if (listed > 0 && frameIndex >= listed) throw outOfRange(listed, true);
  // The middle of the frame's nominal interval: robust against timestamps rounded to the time base.
  const double t = (static_cast<double>(frameIndex) + 0.5) * grabber.frameDurationSec();
  const AVFrame* frame = grabber.FrameAt(t);
  int64_t count = 0;
  if (listed <= 0 && grabber.EndsBefore(t, &count)) throw outOfRange(count, true);
  return grabber.Render(frame, maxWidth, maxHeight);
}

std::vector<RgbImage> GrabFrames(std::shared_ptr<ByteSource> source, const std::vector<double>& timesSec, int maxWidth,
                                 int maxHeight) {
  CheckBox(maxWidth, maxHeight);
  std::vector<RgbImage> images;
  if (timesSec.empty()) return images;
  detail::FrameGrabber grabber(std::move(source));
  images.reserve(timesSec.size());
  for (const double t : timesSec) images.push_back(grabber.Picture(t, maxWidth, maxHeight));
  return images;
}

}  // namespace va::codec
