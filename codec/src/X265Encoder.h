// HEVC encoding through the x265 C API (x265_api_get per bit depth), producing Annex-B access units.
#pragma once

#include <x265.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/packet.h>
#include <libavutil/frame.h>
}

namespace va::codec::detail {

struct X265Config {
  int width = 0;
  int height = 0;
  int fpsNum = 25;
  int fpsDen = 1;
  int sarNum = 0;  // 0 = square pixels / unknown
  int sarDen = 1;
  int bitDepth = 8;
  std::string preset = "fast";
  double crf = 22;
  int threads = 0;
  bool measureQuality = true;
  int keyintMax = 0;         // > 0: keyframe at least every keyintMax frames, closed GOPs (every keyframe an IDR)
  bool pictureHash = false;  // an MD5 decoded-picture-hash SEI in every access unit (what the provenance chain signs)
  std::string extraParams;   // "k=v:k=v"
  // Colour description for the VUI (ISO/IEC 23091-2 code points, as FFmpeg's enums); 2 = unspecified.
  int colorPrimaries = 2;
  int transfer = 2;
  int matrix = 2;
  bool fullRange = false;
};

// One encoded access unit's per-picture figures.
struct EncodedPictureInfo {
  bool key = false;
  double psnrY = 0;
  double ssim = 0;
};

struct X265ParamDeleter {
  const x265_api* api;
  void operator()(x265_param* p) const {
    if (p) api->param_free(p);
  }
};
struct X265EncoderDeleter {
  const x265_api* api;
  void operator()(x265_encoder* e) const {
    if (e) api->encoder_close(e);
  }
};
struct X265PictureDeleter {
  const x265_api* api;
  void operator()(x265_picture* p) const {
    if (p) api->picture_free(p);
  }
};

class X265Encoder {
 public:
  explicit X265Encoder(const X265Config& config);  // throws CodecError

  // VPS, SPS, PPS (and x265's info SEI) as Annex-B: the MP4 sample entry's parameter sets.
  const std::vector<uint8_t>& Headers() const { return headers_; }

  // Encodes a yuv420p / yuv420p10le frame of exactly width x height (nullptr flushes). When an access unit comes
  // out, fills packet (pts/dts in the caller's time base, as given to earlier calls) and info and returns true.
  bool Encode(const AVFrame* frame, int64_t pts, AVPacket* packet, EncodedPictureInfo* info);

  // Global PSNR (Y,U,V weighted), mean SSIM, from x265_encoder_get_stats.
  double GlobalPsnr() const;
  double GlobalSsim() const;
  const std::string& Settings() const { return settings_; }
  // general_level_idc the encoder declares in its SPS (30 x level: 153 = 5.1), 0 if unreadable.
  int Level() const { return level_; }

 private:
  const x265_api* api_;
  X265Config config_;
  std::string pools_;  // owned here: x265_param_parse("pools") would strdup a string nobody frees
  std::unique_ptr<x265_param, X265ParamDeleter> param_;
  std::unique_ptr<x265_encoder, X265EncoderDeleter> encoder_;  // declared after param_: closed first
  std::unique_ptr<x265_picture, X265PictureDeleter> picIn_;
  std::unique_ptr<x265_picture, X265PictureDeleter> picOut_;
  std::vector<uint8_t> headers_;
  std::string settings_;
  int level_ = 0;
};

// general_level_idc of the first SPS in Annex-B HEVC headers; 0 when there is none.
int HevcLevelFromHeaders(const std::vector<uint8_t>& annexB);

}  // namespace va::codec::detail
