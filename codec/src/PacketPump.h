// One step of a demux -> decode pipeline, shared by the archival transcoder and the H.264 renderer: reads packets
// until maxFrames more video frames were decoded, feeding video packets to the decoder and the others to the caller.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "Decoder.h"
#include "FfmpegHandles.h"
#include "InputFile.h"

namespace va::codec::detail {

// drainDecoder() is called after each video packet; onOtherPacket(packet) gets every other packet (audio...), which
// is unreferenced afterwards. Also bounded by a packet budget, so a stretch of audio-only data cannot make one step
// run to the end of the file. Returns false at the end of the input; throws CodecError naming `name` on a read error.
template <typename DrainDecoder, typename OnOtherPacket>
bool PumpPackets(InputFile& in, AVPacket* packet, Decoder& decoder, int maxFrames, const std::string& name,
                 int64_t& videoPackets, DrainDecoder drainDecoder, OnOtherPacket onOtherPacket) {
  const int64_t target = decoder.frames() + std::max(1, maxFrames);
  int64_t packetBudget = 16 * static_cast<int64_t>(std::max(4, maxFrames));
  while (decoder.frames() < target && packetBudget-- > 0) {
    const int ret = av_read_frame(in.fmt.get(), packet);
    if (ret == AVERROR_EOF) return false;
    if (ret < 0) throw CodecError("cannot read " + name + " at " + decoder.Position() + ": " + AvError(ret));
    if (packet->stream_index == in.videoIndex) {
      ++videoPackets;
      decoder.Send(packet);
      av_packet_unref(packet);
      drainDecoder();
    } else {
      onOtherPacket(packet);
    }
    av_packet_unref(packet);
  }
  return true;
}

}  // namespace va::codec::detail
