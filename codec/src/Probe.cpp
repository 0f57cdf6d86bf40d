#include "va/codec/Probe.h"

#include "Decoder.h"
#include "InputFile.h"

namespace va::codec {

StreamInfo Probe(const std::string& path) {
  return detail::DescribeInput(*detail::OpenInputFile(path));
}

StreamInfo ProbeBuffer(const uint8_t* data, size_t size) {
  return detail::DescribeInput(*detail::OpenInputMemory(data, size));
}

DecodeCheck DecodeAll(const std::string& path) {
  using namespace detail;
  auto in = OpenInputFile(path);
  Decoder decoder(in->video(), path, 0, true);
  auto packet = NewPacket();
  auto frame = NewFrame();
  DecodeCheck check;
  int64_t videoPackets = 0;
  auto drain = [&] {
    while (decoder.Receive(frame.get())) av_frame_unref(frame.get());
  };
  for (;;) {
    const int ret = av_read_frame(in->fmt.get(), packet.get());
    if (ret == AVERROR_EOF) break;
    if (ret < 0) throw CodecError("cannot read " + path + " at " + decoder.Position() + ": " + AvError(ret));
    if (packet->stream_index == in->videoIndex) {
      ++videoPackets;
      decoder.Send(packet.get());
      drain();
    } else if (in->fmt->streams[packet->stream_index]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
      ++check.audioPackets;
    }
    av_packet_unref(packet.get());
  }
  decoder.Send(nullptr);
  drain();
  CheckNotTruncated(*in, videoPackets);
  check.frames = decoder.frames();
  if (check.frames == 0) throw CodecError("no decodable video frame in " + path);
  check.durationSec = static_cast<double>(check.frames) / av_q2d(NominalFrameRate(in->video()));
  return check;
}

}  // namespace va::codec
