// Delivery rendition: any video FFmpeg reads -> H.264 (libx264 through libavcodec) -> MP4 with the moov box first.
// For browsers without HEVC and for DICOM receivers that accept only "MPEG-4 AVC/H.264 High Profile / Level 4.2"
// (1.2.840.10008.1.2.4.104: at most 1920x1080, at most 60 fps). Frames stream through; memory is bounded by the
// encoder's lookahead, not by the video's length.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "va/codec/ByteSource.h"
#include "va/codec/CodecError.h"
#include "va/codec/Probe.h"

namespace va::codec {

struct H264Options {
  // x264 preset (ultrafast ... placebo). veryfast: a rendition is re-creatable from the archive copy, so speed
  // matters more than the last few percent of size; x264 trims the preset's reference frames to what level 4.2
  // allows at the picture size.
  std::string preset = "veryfast";
  int crf = 23;  // 1..51 (0 would be lossless, which needs the High 4:4:4 profile)
  // Pictures larger than this are scaled down to fit, aspect ratio kept, to even sizes. At most 1920x1080, the
  // limit of the Level 4.2 transfer syntax (a portrait 1080x1920 source becomes 608x1080).
  int maxWidth = 1920;
  int maxHeight = 1080;
  // A closed GOP (IDR) exactly every round(keyframeIntervalSec x frame rate) frames and nowhere else, so HLS can
  // cut segments of equal length at keyframes. The interval actually used is in H264Result::keyframeIntervalSec.
  double keyframeIntervalSec = 2;
  int threads = 0;           // encoder and filter threads, 0 = automatic (all cores)
  bool keepAudio = true;     // false drops audio; otherwise the first audio track: AAC copied, other audio -> AAC
  bool strictDecode = true;  // a decoder error or a concealed (damaged) source picture fails the rendition
};

struct H264Result {
  int64_t framesIn = 0;   // frames decoded from the source
  int64_t framesOut = 0;  // frames written (framesIn + framesDuplicated - framesDropped)
  int width = 0;
  int height = 0;
  int fpsNum = 0;  // the constant output rate: the source's nominal rate (halved, ... when above 60 fps)
  int fpsDen = 1;
  double durationSec = 0;          // framesOut / rate
  int keyframeInterval = 0;        // frames between IDRs
  double keyframeIntervalSec = 0;  // keyframeInterval / rate
  int64_t inputBytes = 0;
  int64_t outputBytes = 0;
  int audioTracks = 0;          // 0 or 1
  std::string audioNote;        // "copied aac", "re-encoded mp2 -> aac", "dropped by option", "none in source", ...
  std::string encoderSettings;  // "libx264 preset=veryfast crf=23 profile=high level=4.2 keyint=50"
  std::string videoNote;        // what was done to the pictures besides encoding; "" if nothing
  double encodeFps = 0;         // frames per wall-clock second for the whole pipeline
  int sourceWidth = 0;
  int sourceHeight = 0;
  bool deinterlaced = false;
  // Frames are placed on a constant rate grid: repeated to fill a gap, dropped when two fall into one slot
  // (variable frame rate sources, or rates above 60 fps).
  int64_t framesDuplicated = 0;
  int64_t framesDropped = 0;
};

// The output is written as outputMp4Path + ".tmp" and renamed to outputMp4Path when complete; a failed or abandoned
// rendition (destroyed before Step() returned false) leaves neither file behind.
class H264Renderer {
 public:
  // Opens the input and the output. Throws CodecError (unreadable input, no video stream, invalid options, ...).
  H264Renderer(std::shared_ptr<ByteSource> input, const std::string& outputMp4Path, const H264Options& options);
  H264Renderer(const std::string& inputPath, const std::string& outputMp4Path, const H264Options& options);
  ~H264Renderer();
  H264Renderer(const H264Renderer&) = delete;
  H264Renderer& operator=(const H264Renderer&) = delete;

  const StreamInfo& input() const;

  // Decodes and encodes up to maxFrames source frames. Returns true while there is more to do; false once the
  // encoder is flushed and the MP4 is complete and in place. Throws CodecError on corrupt input or encoder failure
  // (the partial output is removed at once).
  bool Step(int maxFrames);

  // 0..1, from decoded timestamps against the input duration; 1 once finished.
  double Progress() const;

  // Valid after Step() returned false; throws CodecError before.
  const H264Result& Result() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Runs a whole rendition (Step until done).
H264Result RenderH264(std::shared_ptr<ByteSource> input, const std::string& outputMp4Path, const H264Options& options);
H264Result RenderH264(const std::string& inputPath, const std::string& outputMp4Path, const H264Options& options);

}  // namespace va::codec
