#include "SegmentWriter.h"

#include <cstdio>
#include <filesystem>

namespace va::codec::detail {

SegmentWriter::SegmentWriter(const std::string& path, const AVCodecParameters* video, AVRational videoTimeBase,
                             const AVStream* audio, const std::string& sourceName, int64_t startPts)
    : path_(path), tmpPath_(path + ".tmp"), videoTb_(videoTimeBase), startPts_(startPts) {
  mux_ = std::make_unique<Mp4Muxer>(tmpPath_);
  try {
    // 'hvc1': parameter sets only in the sample entry, what Apple players and browsers accept (in-band copies are
    // removed before writing).
    const uint32_t tag = video->codec_id == AV_CODEC_ID_HEVC ? MKTAG('h', 'v', 'c', '1') : MKTAG('a', 'v', 'c', '1');
    videoOut_ = mux_->AddStream(video, videoTimeBase, nullptr, tag);
    if (audio) {
      try {
        audio_ = std::make_unique<AudioPath>(audio, sourceName, *mux_,
                                             av_rescale_q(startPts, videoTimeBase, AV_TIME_BASE_Q), true);
        audioNote_ = audio_->Note();
      } catch (const CodecError& e) {
        audioNote_ = std::string("skipped ") + avcodec_get_name(audio->codecpar->codec_id) + " (" + e.what() + ")";
      }
    }
    mux_->Start();
  } catch (...) {
    audio_.reset();
    mux_.reset();
    std::remove(tmpPath_.c_str());
    throw;
  }
}

SegmentWriter::~SegmentWriter() {
  if (finished_) return;
  audio_.reset();
  mux_.reset();  // closes the file
  std::remove(tmpPath_.c_str());
}

void SegmentWriter::WriteVideo(AVPacket* packet) {
  if (packet->pts != AV_NOPTS_VALUE) packet->pts -= startPts_;
  if (packet->dts != AV_NOPTS_VALUE) packet->dts -= startPts_;
  mux_->Write(packet, videoOut_, videoTb_);
  ++frames_;
}

void SegmentWriter::WriteAudio(AVPacket* packet) {
  if (audio_)
    audio_->Push(packet);
  else
    av_packet_unref(packet);
}

int64_t SegmentWriter::Finish() {
  if (audio_) audio_->Finish();
  mux_->Finish();
  std::error_code ec;
  std::filesystem::rename(tmpPath_, path_, ec);
  if (ec) throw CodecError("cannot rename " + tmpPath_ + " to " + path_ + ": " + ec.message());
  finished_ = true;
  const auto size = std::filesystem::file_size(path_, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

}  // namespace va::codec::detail
