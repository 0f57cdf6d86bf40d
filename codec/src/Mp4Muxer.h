// MP4 output through libavformat's mov muxer, with the moov box moved to the front (faststart).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "FfmpegHandles.h"

namespace va::codec::detail {

struct VideoTrackParams {
  int width = 0;
  int height = 0;
  AVRational timeBase{1, 25};  // the time base packets are given in
  AVRational frameRate{25, 1};
  AVRational sar{0, 1};
  AVColorPrimaries primaries = AVCOL_PRI_UNSPECIFIED;
  AVColorTransferCharacteristic transfer = AVCOL_TRC_UNSPECIFIED;
  AVColorSpace matrix = AVCOL_SPC_UNSPECIFIED;
  AVColorRange range = AVCOL_RANGE_UNSPECIFIED;
  int profile = FF_PROFILE_UNKNOWN;
  std::vector<uint8_t> annexBHeaders;  // VPS/SPS/PPS; the muxer writes them as hvcC
};

class Mp4Muxer {
 public:
  explicit Mp4Muxer(const std::string& path);  // opens the file for writing

  // Both return the output stream index. Add every track before Start().
  int AddHevcVideo(const VideoTrackParams& params);
  // codecTag 0 lets the muxer pick the MP4 sample entry; a source's own tag may belong to another container.
  int AddStream(const AVCodecParameters* par, AVRational timeBase, const AVDictionary* metadata, uint32_t codecTag = 0);

  void Start();
  // Rescales the packet from srcTimeBase to the track's and writes it interleaved; the packet is consumed.
  void Write(AVPacket* packet, int streamIndex, AVRational srcTimeBase);
  // Flushes the interleaving queue and writes the moov box at the front (rewrites the file once).
  void Finish();

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  OutputFormatPtr ctx_;
  bool started_ = false;
};

}  // namespace va::codec::detail
