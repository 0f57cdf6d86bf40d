#include "VideoPictures.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "HttpHelpers.h"
#include "LargeStack.h"
#include "OrthancApi.h"

namespace va::plugin {

namespace {

std::string VttTime(double seconds) {
  const long ms = std::lround(seconds * 1000);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02ld:%02ld:%02ld.%03ld", ms / 3600000, (ms / 60000) % 60, (ms / 1000) % 60,
                ms % 1000);
  return buf;
}

void WriteFileAtomically(const std::string& path, const std::string& body) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out.close();
    if (!out) throw std::runtime_error("cannot write " + tmp + " (disk full?)");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

codec::RgbImage ThumbnailOf(const StoredVideo& video, double t, int width, int height) {
  try {
    return OnLargeStack([&] { return codec::GrabFrame(video.bytes, t, width, height); });
  } catch (const codec::CodecError& e) {
    throw HttpError{
        422, "cannot decode a frame of instance " + video.instanceId + " at " + std::to_string(t) + " s: " + e.what()};
  }
}

void AnswerPicture(OrthancPluginRestOutput* output, const OrthancPluginHttpRequest* request,
                   const codec::RgbImage& image) {
  const std::string accept = GetHeader(request, "accept");
  const bool png = accept.find("image/png") != std::string::npos && accept.find("image/jpeg") == std::string::npos;
  const std::string body = OnLargeStack([&] { return png ? codec::EncodePng(image) : codec::EncodeJpeg(image, 85); });
  SetHeader(output, "Cache-Control", "private, max-age=3600");
  OrthancPluginAnswerBuffer(Context(), output, body.data(), static_cast<uint32_t>(body.size()),
                            png ? "image/png" : "image/jpeg");
}

SpriteFiles SpriteOf(const PluginState& state, const StoredVideo& video, int tiles, int tileWidth) {
  const std::filesystem::path folder = std::filesystem::path(state.config.workDirectory) / "delivery";
  std::filesystem::create_directories(folder);
  const std::string base =
      (folder / (video.sopInstanceUid + "-sprite-" + std::to_string(tiles) + "-" + std::to_string(tileWidth))).string();
  SpriteFiles files{base + ".jpg", base + ".vtt"};
  static std::mutex making;  // two viewers opening the same recording make it once
  std::lock_guard<std::mutex> lock(making);
  std::error_code ec;
  if (std::filesystem::exists(files.vttPath, ec)) return files;

  codec::SpriteSheet sheet;
  try {
    sheet = OnLargeStack([&] { return codec::MakeSpriteSheet(video.bytes, tiles, tileWidth, 10); });
  } catch (const codec::CodecError& e) {
    throw HttpError{422, "cannot make the sprite of instance " + video.instanceId + ": " + e.what()};
  }
  WriteFileAtomically(files.jpegPath, OnLargeStack([&] { return codec::EncodeJpeg(sheet.image, 80); }));
  // WebVTT thumbnails track: tile i stands for the interval [i, i+1) x duration / tiles.
  const size_t n = sheet.timesSec.size();
  const double step = n > 1 ? sheet.timesSec[1] - sheet.timesSec[0] : 2 * sheet.timesSec[0];
  std::ostringstream vtt;
  vtt << "WEBVTT\n\n";
  for (size_t i = 0; i < n; ++i) {
    const double from = std::max(0.0, sheet.timesSec[i] - step / 2), to = sheet.timesSec[i] + step / 2;
    const int col = static_cast<int>(i) % sheet.columns, row = static_cast<int>(i) / sheet.columns;
    vtt << VttTime(from) << " --> " << VttTime(to) << "\nsprite.jpg?tiles=" << tiles << "&width=" << tileWidth
        << "#xywh=" << col * sheet.tileWidth << "," << row * sheet.tileHeight << "," << sheet.tileWidth << ","
        << sheet.tileHeight << "\n\n";
  }
  WriteFileAtomically(files.vttPath, vtt.str());
  return files;
}

namespace {
OrthancPluginErrorCode DecodeOnLargeStack(OrthancPluginImage** target, const void* dicom, uint32_t size,
                                          uint32_t frameIndex) {
  StoredVideo video;
  try {
    video = VideoInBuffer(dicom, size);
  } catch (const std::exception&) {
    return OrthancPluginErrorCode_Plugin;  // not ours: Orthanc's built-in decoder handles images
  }
  try {
    const codec::RgbImage image = codec::GrabFrameByIndex(video.bytes, frameIndex, 0, 0);
    OrthancPluginImage* out =
        OrthancPluginCreateImage(Context(), OrthancPluginPixelFormat_RGB24, static_cast<uint32_t>(image.width),
                                 static_cast<uint32_t>(image.height));
    if (out == nullptr) return OrthancPluginErrorCode_NotEnoughMemory;
    auto* buffer = static_cast<uint8_t*>(OrthancPluginGetImageBuffer(Context(), out));
    const uint32_t pitch = OrthancPluginGetImagePitch(Context(), out);
    const size_t row = static_cast<size_t>(image.width) * 3;
    for (int y = 0; y < image.height; ++y)
      std::memcpy(buffer + static_cast<size_t>(y) * pitch, image.pixels.data() + static_cast<size_t>(y) * row, row);
    *target = out;
    return OrthancPluginErrorCode_Success;
  } catch (const std::exception& e) {
    LogWarning("cannot decode frame " + std::to_string(frameIndex) + " of a video instance: " + e.what());
    return OrthancPluginErrorCode_BadFileFormat;
  }
}
}  // namespace

OrthancPluginErrorCode DecodeVideoFrame(OrthancPluginImage** target, const void* dicom, uint32_t size,
                                        uint32_t frameIndex) {
  try {
    return OnLargeStack([&] { return DecodeOnLargeStack(target, dicom, size, frameIndex); });
  } catch (const std::exception&) {
    return OrthancPluginErrorCode_InternalError;  // no thread could be started
  }
}

}  // namespace va::plugin
