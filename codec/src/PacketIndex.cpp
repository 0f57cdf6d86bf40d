#include "PacketIndex.h"

#include <algorithm>
#include <limits>

namespace va::codec::detail {

int64_t PacketDuration(const AVPacket* packet, int64_t nominal) {
  return packet->duration > 0 ? packet->duration : nominal;
}

PacketIndex ReadPacketIndex(const InputFile& in, int audioStream) {
  AVFormatContext* fmt = in.fmt.get();
  const AVStream* video = in.video();
  PacketIndex index;
  index.timeBase = video->time_base;
  index.frameDuration = std::max<int64_t>(1, av_rescale_q(1, av_inv_q(NominalFrameRate(video)), video->time_base));
  index.audioStream = audioStream;
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    if (static_cast<int>(i) != in.videoIndex && static_cast<int>(i) != audioStream)
      fmt->streams[i]->discard = AVDISCARD_ALL;

  int64_t audioFirst = std::numeric_limits<int64_t>::max(), audioEnd = std::numeric_limits<int64_t>::min();
  index.endPts = std::numeric_limits<int64_t>::min();
  PacketPtr packet = NewPacket();
  for (;;) {
    const int ret = av_read_frame(fmt, packet.get());
    if (ret == AVERROR_EOF) break;
    if (ret < 0) throw CodecError("cannot read " + in.name + ": " + AvError(ret));
    if (packet->stream_index == in.videoIndex) {
      const int64_t pts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
      if (pts == AV_NOPTS_VALUE)
        throw CodecError("video packet " + std::to_string(index.video.size()) + " of " + in.name +
                         " has no timestamp, so it cannot be placed in a segment: transcode the file instead");
      index.video.push_back({pts, packet->size, (packet->flags & AV_PKT_FLAG_KEY) != 0});
      index.endPts = std::max(index.endPts, pts + PacketDuration(packet.get(), index.frameDuration));
    } else if (packet->stream_index == audioStream && packet->pts != AV_NOPTS_VALUE) {
      ++index.audioPackets;
      index.audioBytes += packet->size;
      audioFirst = std::min(audioFirst, packet->pts);
      audioEnd = std::max(audioEnd, packet->pts + packet->duration);
    }
    av_packet_unref(packet.get());
  }
  CheckNotTruncated(in, static_cast<int64_t>(index.video.size()));
  if (index.video.empty()) throw CodecError("no video packet in " + in.name);
  if (index.audioPackets > 0)
    index.audioSeconds = static_cast<double>(audioEnd - audioFirst) * av_q2d(fmt->streams[audioStream]->time_base);
  return index;
}

}  // namespace va::codec::detail
