// Archival transcode: FFmpeg demux/decode -> x265 API encode (HEVC) -> MP4 with the moov box first.
// Frames stream through; memory is bounded by the encoder's lookahead, not by the video's length.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "va/codec/CodecError.h"
#include "va/codec/Probe.h"
#include "va/codec/Provenance.h"
#include "va/codec/Watermark.h"

namespace va::codec {

struct TranscodeOptions {
  std::string preset = "fast";  // x265 preset
  double crf = 22;              // x265 constant rate factor
  int bitDepth = 8;             // 8 -> HEVC Main, 10 -> HEVC Main 10
  bool keepAudio = true;        // false drops audio; otherwise AAC is copied, other audio re-encoded to AAC
  int threads = 0;              // x265 pool threads, 0 = x265 default (all cores)
  bool measureQuality = true;   // per-frame PSNR-Y / SSIM of the reconstruction against the encoder input
                                // (x265 3.5 measures only at log level "info": a few lines on stderr per run)
  std::string x265Params;       // extra "key=value:key=value" passed to x265_param_parse
  bool strictDecode = true;     // a decoder error or a concealed (damaged) source picture fails the transcode
  // Pictures larger than this are scaled down to fit, aspect ratio kept, to even sizes (7680x4320 within
  // 3840x2160 -> 3840x2160). 0 = no limit.
  int maxWidth = 0;
  int maxHeight = 0;
  // A region of the decoded picture, taken before any scaling: e.g. one view of a side-by-side or top-bottom stereo
  // frame. width 0 = the whole picture. Must lie inside the picture.
  struct CropRect {
    int x = 0, y = 0, width = 0, height = 0;
  } crop;
  bool deinterlace = true;  // interlaced sources are deinterlaced (bwdif, one frame out per frame in)
  int keyintMax = 0;        // at most this many frames between keyframes, closed GOPs; 0 = x265 default
  // Regions of the decoded picture (its coordinates, before crop and scaling) blacked out in every frame: burned-in
  // patient data on a de-identified copy. Clipped to the picture; applied before the watermark.
  std::vector<CropRect> masks;
  // The keyed invisible watermark, written into every frame given to the encoder.
  struct WatermarkSpec {
    bool enabled = false;
    WatermarkKey key{};
    uint64_t archiveId = 0;
    WatermarkParams params;
  } watermark;
  // Signed provenance SEI on every keyframe and at the end (turns on x265's MD5 picture hashes). Empty sign = off.
  ProvenanceOptions provenance;
};

struct TranscodeResult {
  int64_t framesIn = 0;   // frames decoded from the source
  int64_t framesOut = 0;  // frames written by the encoder
  int width = 0;
  int height = 0;
  int fpsNum = 0;
  int fpsDen = 1;
  double durationSec = 0;
  int bitDepth = 8;
  // Quality of the encoded frames against the decoded source, measured by x265 on every frame in the same pass.
  double psnrY = 0;       // mean over frames, dB
  double psnrGlobal = 0;  // x265 global (Y,U,V weighted) PSNR, dB
  double ssim = 0;        // mean SSIM (0..1)
  double ssimDb = 0;      // -10 log10(1 - ssim)
  double minPsnrY = 0;    // worst frame
  int64_t outputBytes = 0;
  int64_t inputBytes = 0;
  int audioTracks = 0;          // audio tracks written to the output
  std::string audioNote;        // "copied aac", "re-encoded ac3 -> aac", "dropped by option", "none in source"
  double encodeFps = 0;         // frames per wall-clock second for the whole pipeline
  std::string encoderSettings;  // "x265 3.5 preset=fast crf=22 profile=main ..."
  std::string videoNote;        // what was done to the pictures besides encoding (e.g. padding); "" if nothing
  int sourceWidth = 0;          // decoded picture size, before crop and scaling
  int sourceHeight = 0;
  bool deinterlaced = false;
  // A variable frame rate source is put on a constant rate grid (DICOM has one Frame Time): frames repeated to
  // fill a gap or dropped when two fall into one slot. framesOut = framesIn + framesDuplicated - framesDropped.
  int64_t framesDuplicated = 0;
  int64_t framesDropped = 0;
  int64_t framesMasked = 0;        // frames with at least one masked region
  int64_t provenanceMessages = 0;  // signed SEI messages written (keyframes + the final one)
};

class Transcoder {
 public:
  // Opens the input and the output. Throws CodecError (unreadable input, no video stream, ...).
  Transcoder(const std::string& inputPath, const std::string& outputMp4Path, const TranscodeOptions& options);
  ~Transcoder();
  Transcoder(const Transcoder&) = delete;
  Transcoder& operator=(const Transcoder&) = delete;

  const StreamInfo& input() const;

  // Decodes and encodes up to maxFrames source frames. Returns true while there is more to do; false once the
  // encoder is flushed and the MP4 (moov first) is complete. Throws CodecError on corrupt input or encoder failure.
  bool Step(int maxFrames);

  // 0..1, from decoded timestamps against the input duration.
  double Progress() const;

  // Valid after Step() returned false.
  const TranscodeResult& Result() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Runs a whole transcode (Step until done).
TranscodeResult Transcode(const std::string& inputPath, const std::string& outputMp4Path,
                          const TranscodeOptions& options);

// "x265 3.5+..." and which bit depths the linked library supports (8, 10, 12), found at run time.
struct CodecCapabilities {
  std::string x265Version;
  bool x265Main = false;
  bool x265Main10 = false;
  bool x265Main12 = false;
  std::string libavformatVersion;
  std::string libavcodecVersion;
  bool decodeH264 = false;
  bool decodeHevc = false;
  bool decodeMpeg2 = false;
  bool encodeAac = false;
};
CodecCapabilities QueryCapabilities();

}  // namespace va::codec
