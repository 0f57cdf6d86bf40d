// One segment MP4 being written: the copied video track, the audio track, the .tmp file renamed when complete.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "AudioPath.h"
#include "FfmpegHandles.h"
#include "Mp4Muxer.h"

namespace va::codec::detail {

class SegmentWriter {
 public:
  // Opens path + ".tmp" with a copy of the video stream (H.264 as 'avc1', HEVC as 'hvc1') and, when audio is given,
  // an AAC track. startPts (video time base) becomes time 0 of both tracks. An audio track that cannot be set up is
  // left out and said so in audioNote(), as the transcoder does.
  SegmentWriter(const std::string& path, const AVCodecParameters* video, AVRational videoTimeBase,
                const AVStream* audio, const std::string& sourceName, int64_t startPts);
  ~SegmentWriter();  // an unfinished segment's .tmp file is removed
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Both consume the packet. Video timestamps are in videoTimeBase, audio in the audio stream's.
  void WriteVideo(AVPacket* packet);
  void WriteAudio(AVPacket* packet);

  // Drains the audio, writes the moov box at the front and renames the file into place. Returns its size.
  int64_t Finish();

  int64_t frames() const { return frames_; }
  bool hasAudio() const { return audio_ != nullptr; }
  const std::string& audioNote() const { return audioNote_; }

 private:
  std::string path_;
  std::string tmpPath_;
  AVRational videoTb_;
  int64_t startPts_;
  std::unique_ptr<Mp4Muxer> mux_;  // before audio_, which writes into it
  std::unique_ptr<AudioPath> audio_;
  int videoOut_ = -1;
  int64_t frames_ = 0;
  bool finished_ = false;
  std::string audioNote_ = "none in source";
};

}  // namespace va::codec::detail
