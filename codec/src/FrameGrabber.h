// A seeking decoder for pictures at given times, and the conversion of a decoded picture to display RGB.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "Decoder.h"
#include "FfmpegHandles.h"
#include "InputFile.h"
#include "va/codec/Frames.h"

namespace va::codec::detail {

struct PictureSize {
  int width = 0;
  int height = 0;
};

// A width x height picture of sample aspect ratio sar as square pixels: the dimension a non-square pixel stretches
// is kept and the other one shrunk, so no side grows. An unknown sar (0/x, x/0) counts as square.
PictureSize DisplaySize(int width, int height, AVRational sar);

// size scaled down (never up) to fit maxWidth x maxHeight keeping its aspect ratio; 0 = no limit on that side.
// Each side stays at least 1.
PictureSize FitWithin(PictureSize size, int maxWidth, int maxHeight);

// Decoded pictures to packed RGB24 of a given size; keeps its scaler for pictures of the same shape.
class RgbScaler {
 public:
  RgbImage Convert(const AVFrame* frame, int width, int height);

 private:
  SwsPtr sws_;
  int srcW_ = 0, srcH_ = 0, dstW_ = 0, dstH_ = 0;
  int srcFmt_ = AV_PIX_FMT_NONE;
  bool srcFull_ = false;
  int srcSpace_ = AVCOL_SPC_UNSPECIFIED;
  FramePtr out_;
};

class FrameGrabber {
 public:
  explicit FrameGrabber(std::shared_ptr<ByteSource> source);

  // The frame displayed at timeSec after the start of the stream (<= 0: the first frame; past the end: the last
  // one). Valid until the next call. A later time in the GOP being decoded continues decoding; an earlier time, or
  // one beyond the next keyframe, seeks. Throws CodecError("cannot decode the frame at T s of NAME: reason").
  const AVFrame* FrameAt(double timeSec);

  // After FrameAt(timeSec): true when the stream ended before that time (the last frame's nominal interval ends at
  // or before it); *frames is then the number of frames up to the last one, counted in nominal frame durations.
  bool EndsBefore(double timeSec, int64_t* frames) const;

  // FrameAt, shown with square pixels and scaled down to fit maxWidth x maxHeight (0: no limit).
  RgbImage Picture(double timeSec, int maxWidth, int maxHeight);
  // A frame FrameAt returned, so.
  RgbImage Render(const AVFrame* frame, int maxWidth, int maxHeight);
  // FrameAt scaled to exactly width x height (the caller chose the aspect ratio).
  RgbImage PictureOfSize(double timeSec, int width, int height);

  const std::string& name() const { return in_->name; }
  // Seconds; 0 when neither the stream nor the container states a duration.
  double durationSec() const;
  // The container's frame count, else duration x nominal rate (0 when the duration is unknown): an estimate for
  // program and transport streams, whose duration FFmpeg estimates from timestamps near both ends.
  int64_t frameCount() const;
  // The container's frame count (MP4, ...), 0 when it states none.
  int64_t listedFrameCount() const;
  double frameDurationSec() const;
  // The coded size as square pixels, from the stream's parameters (before any picture is decoded).
  PictureSize displaySize() const;
  int seeks() const { return seeks_; }

 private:
  int64_t Ticks(double seconds) const;  // in the stream's time base
  int64_t ToPts(double timeSec) const;
  bool NeedsSeek(bool first, int64_t target) const;
  // The video stream's index came with the container and lists its keyframes (and, for MP4, every sample).
  bool HasContainerIndex() const;
  bool KeyframeBetween(int64_t target) const;
  void Seek(int64_t target, bool toStart);
  void DecodeUpTo(int64_t target);
  FramePtr NextFrame();
  // At the end of the data: why it ended early ("" when the container's index lists no sample that was not read).
  std::string Truncation() const;
  void Reset();

  std::unique_ptr<InputFile> in_;
  AVStream* stream_ = nullptr;
  std::unique_ptr<Decoder> decoder_;
  PacketPtr packet_;
  RgbScaler scaler_;
  int64_t start_ = 0;              // presentation time of the start, stream time base
  int64_t frameTicks_ = 1;         // nominal frame duration, stream time base
  FramePtr held_;                  // the latest picture at or before the last target
  FramePtr pending_;               // the first picture after it (read to know that held_ was the answer)
  bool atStart_ = true;            // the demuxer was last positioned at the very start
  bool fresh_ = true;              // ... and nothing has been read since
  bool skipToKey_ = false;         // after a seek into the middle: drop packets until a keyframe
  bool inputEnded_ = false;        // the demuxer reached the end
  bool drained_ = false;           // the decoder was told the end of the stream
  std::string truncation_;         // set at the end of the data when samples the index lists were missing
  int64_t lastReadDts_ = 0;        // decode time of the last video packet read (valid when !fresh_)
  int64_t maxReadTs_ = INT64_MIN;  // the latest decode or presentation time of any video packet read
  int64_t lastPts_ = 0;            // presentation time of the last picture decoded (for pictures without one)
  bool havePts_ = false;
  int seeks_ = 0;
};

}  // namespace va::codec::detail
