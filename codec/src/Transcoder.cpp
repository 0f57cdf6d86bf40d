// The archival transcode pipeline: demux -> decode -> convert -> x265 -> MP4, with audio alongside.
#include "va/codec/Transcoder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <vector>

#include "AudioPath.h"
#include "Decoder.h"
#include "FrameConverter.h"
#include "FrameRateScan.h"
#include "InputFile.h"
#include "Mp4Muxer.h"
#include "PacketPump.h"
#include "PicturePlan.h"
#include "VideoFilter.h"
#include "X265Encoder.h"
#include "provenance/ProvenanceWriter.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace va::codec {

using namespace detail;

struct Transcoder::Impl {
  TranscodeOptions options;
  std::string inputPath;
  std::string outputPath;
  std::unique_ptr<InputFile> in;
  StreamInfo info;
  FrameRateScan scan;
  PicturePlan plan;
  std::unique_ptr<Decoder> decoder;
  std::unique_ptr<VideoFilter> filter;  // made at the first frame, from its real format; only when plan.chain says
  std::unique_ptr<FrameConverter> converter;
  std::unique_ptr<X265Encoder> encoder;
  std::unique_ptr<Mp4Muxer> mux;                  // before the audio paths, which write into it
  std::vector<std::unique_ptr<AudioPath>> audio;  // one per kept source audio track
  std::vector<int> audioOfStream;                 // source stream index -> audio path index, or -1
  PacketPtr packet = NewPacket();
  PacketPtr encoded = NewPacket();
  std::unique_ptr<WatermarkEmbedder> marker;
  std::unique_ptr<ProvenanceWriter> provenance;
  // With provenance, each access unit is held back one step so the last one can carry the final signed message.
  std::vector<uint8_t> heldUnit;
  PacketPtr held = NewPacket();  // timing and flags of heldUnit
  bool holding = false;
  FramePtr work = NewFrame();  // a writable copy of the encoder's input, when it is masked or marked
  std::vector<TranscodeOptions::CropRect> encoderMasks;  // options.masks in encoder picture coordinates
  FramePtr frame = NewFrame();
  FramePtr filtered = NewFrame();
  FramePtr previous = NewFrame();  // the last filtered frame, held so a repeat of it can be recognised

  AVRational sourceTb{1, 1};  // the source video stream's time base
  AVRational encodeTb{1, 1};  // the time base given to x265 and the muxer (the source's unless too coarse)
  int64_t offset = 0;         // source video start, in sourceTb: becomes time 0
  int64_t frameDuration = 1;  // nominal, in encodeTb
  int64_t firstPts = AV_NOPTS_VALUE;
  int64_t lastPts = AV_NOPTS_VALUE;
  int64_t lastDts = AV_NOPTS_VALUE;  // of the last access unit written
  int64_t videoPackets = 0;
  int64_t retimed = 0;  // pictures without a usable (increasing) timestamp
  int videoOut = 0;
  int64_t framesEncoded = 0;  // pictures given to x265
  // The filter's input side, in sourceTb after the offset.
  int64_t filterPeriod = 1;  // nominal frame period
  int64_t lastPushed = AV_NOPTS_VALUE;
  int64_t lastPushedDuration = 0;
  int64_t framesFiltered = 0;
  int64_t interlacedFrames = 0;

  double psnrSum = 0;
  double ssimSum = 0;
  double minPsnr = std::numeric_limits<double>::infinity();
  int64_t qualityFrames = 0;

  bool finished = false;
  bool failed = false;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  TranscodeResult result;

  void Open();
  void OpenEncoder(X265Config cfg);
  void OpenAudio();
  void TakeDecoded(AVFrame* decoded);
  void OpenFilter(const AVFrame* first);
  void PullFiltered();
  void EncodeFrame(const AVFrame* source, int64_t pts);
  void WriteVideo(const EncodedPictureInfo& pic);
  void WriteHeld();
  const AVFrame* MaskAndMark(const AVFrame* picture);
  void MapMasks(int decodedWidth, int decodedHeight);
  void DrainDecoder();
  void Finish();
  std::string VideoNote() const;
};

namespace {

// ISO/IEC 23091-2 code points are FFmpeg's enum values; "reserved" and out-of-range ones become unspecified.
int CodePoint(int v) {
  return v > 0 && v < 256 && v != 3 ? v : 2;
}

// Within HEVC level 5.1 (H.265 table A.8): MaxLumaPs 8 912 896, MaxLumaSr 534 773 760, sides <= sqrt(8 MaxLumaPs).
bool FitsLevel51(int width, int height, AVRational fps) {
  const double luma = static_cast<double>(width) * height;
  return luma <= 8912896 && width <= 8444 && height <= 8444 && luma * av_q2d(fps) <= 534773760;
}

constexpr int kLevel51 = 153;

}  // namespace

void Transcoder::Impl::Open() {
  if (options.bitDepth != 8 && options.bitDepth != 10)
    throw CodecError("bit depth must be 8 (HEVC Main) or 10 (HEVC Main 10), not " + std::to_string(options.bitDepth));
  in = OpenInputFile(inputPath);
  scan = ScanFrameRate(*in);
  info = DescribeInput(*in, scan);
  const AVStream* st = in->video();
  decoder = std::make_unique<Decoder>(st, inputPath, 0, options.strictDecode);
  const AVCodecContext* dec = decoder->context();
  plan = PlanPictures(options, dec->width, dec->height, info.interlaced, NominalFrameRate(st), scan);

  const AVRational fps = plan.rate;
  sourceTb = st->time_base;
  // x265 and the MP4 need distinct integer timestamps per picture; a time base coarser than the frame
  // period (rare: some raw streams) is replaced by the frame period itself, as is any time base when frames are
  // put on a constant rate grid.
  encodeTb = !plan.constantRate && av_rescale_q(1, av_inv_q(fps), sourceTb) >= 1 ? sourceTb : av_inv_q(fps);
  frameDuration = std::max<int64_t>(1, av_rescale_q(1, av_inv_q(fps), encodeTb));
  filterPeriod = std::max<int64_t>(1, av_rescale_q(1, av_inv_q(fps), sourceTb));
  if (st->start_time != AV_NOPTS_VALUE)
    offset = st->start_time;
  else if (in->fmt->start_time != AV_NOPTS_VALUE)
    offset = av_rescale_q(in->fmt->start_time, AV_TIME_BASE_Q, sourceTb);

  X265Config cfg;
  cfg.width = plan.width;
  cfg.height = plan.height;
  cfg.fpsNum = fps.num;
  cfg.fpsDen = fps.den;
  AVRational sar = st->sample_aspect_ratio.num ? st->sample_aspect_ratio : st->codecpar->sample_aspect_ratio;
  if (sar.num > 0 && sar.den > 0)
    av_reduce(&sar.num, &sar.den, sar.num, sar.den, 65535);
  else
    sar = AVRational{0, 1};
  cfg.sarNum = sar.num;
  cfg.sarDen = sar.den;
  cfg.bitDepth = options.bitDepth;
  cfg.preset = options.preset;
  cfg.crf = options.crf;
  cfg.threads = options.threads;
  cfg.measureQuality = options.measureQuality;
  cfg.keyintMax = options.keyintMax;
  cfg.extraParams = options.x265Params;
  cfg.pictureHash = static_cast<bool>(options.provenance.sign);
  bool fullRange = dec->color_range == AVCOL_RANGE_JPEG;
  FrameConverter::Normalize(dec->pix_fmt, &fullRange);
  const bool rgb = dec->pix_fmt != AV_PIX_FMT_NONE && (av_pix_fmt_desc_get(dec->pix_fmt)->flags & AV_PIX_FMT_FLAG_RGB);
  cfg.colorPrimaries = CodePoint(dec->color_primaries);
  cfg.transfer = CodePoint(dec->color_trc);
  // RGB sources are converted with swscale's default (BT.601) matrix, so say so in the VUI.
  cfg.matrix = rgb ? AVCOL_SPC_SMPTE170M : CodePoint(dec->colorspace);
  cfg.fullRange = fullRange && !rgb;
  OpenEncoder(cfg);
  converter = std::make_unique<FrameConverter>(cfg.width, cfg.height, cfg.bitDepth, cfg.fullRange);
  MapMasks(dec->width, dec->height);
  if (options.watermark.enabled)
    marker = std::make_unique<WatermarkEmbedder>(options.watermark.key, options.watermark.archiveId,
                                                 options.watermark.params);
  if (options.provenance.sign) {
    ProvenanceOptions p = options.provenance;
    if (p.record.encoder.empty()) p.record.encoder = encoder->Settings();
    provenance = std::make_unique<ProvenanceWriter>(std::move(p));
  }

  mux = std::make_unique<Mp4Muxer>(outputPath);
  VideoTrackParams v;
  v.width = cfg.width;
  v.height = cfg.height;
  v.timeBase = encodeTb;
  v.frameRate = fps;
  v.sar = sar;
  v.primaries = static_cast<AVColorPrimaries>(cfg.colorPrimaries);
  v.transfer = static_cast<AVColorTransferCharacteristic>(cfg.transfer);
  v.matrix = static_cast<AVColorSpace>(cfg.matrix);
  v.range = cfg.fullRange ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
  v.profile = options.bitDepth == 8 ? FF_PROFILE_HEVC_MAIN : FF_PROFILE_HEVC_MAIN_10;
  v.annexBHeaders = encoder->Headers();
  videoOut = mux->AddHevcVideo(v);
  OpenAudio();
  mux->Start();

  result.width = cfg.width;
  result.height = cfg.height;
  result.sourceWidth = dec->width;
  result.sourceHeight = dec->height;
  result.fpsNum = fps.num;
  result.fpsDen = fps.den;
  result.bitDepth = options.bitDepth;
  result.encoderSettings = encoder->Settings();
  std::error_code ec;
  const auto size = std::filesystem::file_size(inputPath, ec);
  result.inputBytes = ec ? 0 : static_cast<int64_t>(size);
}

void Transcoder::Impl::OpenEncoder(X265Config cfg) {
  encoder = std::make_unique<X265Encoder>(cfg);
  // DICOM's HEVC transfer syntaxes stop at level 5.1 (4096x2160 at 60 fps). x265 picks the lowest level its
  // settings allow; many reference frames (x265Params) can push a 4K picture past 5.1, so ask for 5.1 and let
  // x265 trim the references to fit (it then also holds the level's VBV limits), unless the caller chose a level.
  if (encoder->Level() > kLevel51 && FitsLevel51(cfg.width, cfg.height, AVRational{cfg.fpsNum, cfg.fpsDen}) &&
      cfg.extraParams.find("level-idc") == std::string::npos) {
    cfg.extraParams += (cfg.extraParams.empty() ? "" : ":") + std::string("level-idc=5.1");
    encoder.reset();
    encoder = std::make_unique<X265Encoder>(cfg);
  }
}

void Transcoder::Impl::OpenAudio() {
  AVFormatContext* fmt = in->fmt.get();
  audioOfStream.assign(fmt->nb_streams, -1);
  const int64_t startOffset = av_rescale_q(offset, sourceTb, AV_TIME_BASE_Q);
  std::vector<std::string> notes;
  int sourceTracks = 0;
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVStream* st = fmt->streams[i];
    if (st->codecpar->codec_type != AVMEDIA_TYPE_AUDIO) continue;
    ++sourceTracks;
    if (!options.keepAudio) continue;
    try {
      audio.push_back(std::make_unique<AudioPath>(st, inputPath, *mux, startOffset, options.strictDecode));
      audioOfStream[i] = static_cast<int>(audio.size() - 1);
      notes.push_back(audio.back()->Note());
    } catch (const CodecError& e) {
      // An unreadable audio track must not stop the archive of the pictures, but it is never dropped silently.
      notes.push_back(std::string("skipped ") + avcodec_get_name(st->codecpar->codec_id) + " (" + e.what() + ")");
    }
  }
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    if (audioOfStream[i] < 0 && static_cast<int>(i) != in->videoIndex) fmt->streams[i]->discard = AVDISCARD_ALL;
  result.audioTracks = static_cast<int>(audio.size());
  if (sourceTracks == 0) {
    result.audioNote = "none in source";
  } else if (!options.keepAudio) {
    result.audioNote = "dropped by option";
  } else if (notes.size() == 1) {
    result.audioNote = notes[0];
  } else {
    for (size_t i = 0; i < notes.size(); ++i)
      result.audioNote += (i ? "; " : "") + std::string("track ") + std::to_string(i + 1) + ": " + notes[i];
  }
}

void Transcoder::Impl::TakeDecoded(AVFrame* decoded) {
  int64_t pts = decoded->best_effort_timestamp;
  if (pts != AV_NOPTS_VALUE) pts -= offset;
  if (plan.chain.empty()) {
    EncodeFrame(decoded, pts == AV_NOPTS_VALUE ? pts : av_rescale_q(pts, sourceTb, encodeTb));
    return;
  }
  if (!filter) OpenFilter(decoded);
  // Filters need increasing timestamps too.
  if (pts == AV_NOPTS_VALUE || (lastPushed != AV_NOPTS_VALUE && pts <= lastPushed)) {
    pts = lastPushed == AV_NOPTS_VALUE ? 0 : lastPushed + filterPeriod;
    ++retimed;
  }
  lastPushed = pts;
  lastPushedDuration = decoded->pkt_duration > 0 ? decoded->pkt_duration : filterPeriod;
  if (decoded->interlaced_frame) ++interlacedFrames;
  decoded->pts = pts;
  filter->Push(decoded);
  PullFiltered();
}

void Transcoder::Impl::OpenFilter(const AVFrame* first) {
  VideoFilterInput v;
  v.width = first->width;
  v.height = first->height;
  v.format = static_cast<AVPixelFormat>(first->format);
  v.timeBase = sourceTb;
  v.sar = first->sample_aspect_ratio;
  v.frameRate = NominalFrameRate(in->video());
  filter = std::make_unique<VideoFilter>(plan.chain, v, options.threads);
}

void Transcoder::Impl::PullFiltered() {
  while (filter->Pull(filtered.get())) {
    ++framesFiltered;
    // The fps filter fills a gap by sending the frame it holds again: the same picture buffer. `previous` keeps its
    // reference, so the memory cannot have been reused for another picture.
    if (previous->data[0] && filtered->data[0] == previous->data[0]) ++result.framesDuplicated;
    EncodeFrame(filtered.get(), av_rescale_q(filtered->pts, filter->outputTimeBase(), encodeTb));
    av_frame_unref(previous.get());
    av_frame_move_ref(previous.get(), filtered.get());
  }
}

void Transcoder::Impl::EncodeFrame(const AVFrame* source, int64_t pts) {
  // x265 derives decode timestamps from the input order, so input timestamps must strictly increase.
  if (pts == AV_NOPTS_VALUE || (lastPts != AV_NOPTS_VALUE && pts <= lastPts)) {
    pts = lastPts == AV_NOPTS_VALUE ? 0 : lastPts + frameDuration;
    ++retimed;
  }
  if (firstPts == AV_NOPTS_VALUE) firstPts = pts;
  lastPts = pts;
  const AVFrame* picture = MaskAndMark(converter->Convert(source));
  ++framesEncoded;
  EncodedPictureInfo pic;
  if (encoder->Encode(picture, pts, encoded.get(), &pic)) WriteVideo(pic);
}

void Transcoder::Impl::MapMasks(int decodedWidth, int decodedHeight) {
  // Masks are given on the decoded picture; the encoder sees its crop, scaled to plan.width x plan.height.
  const auto& c = options.crop;
  const int cx = c.width > 0 ? c.x : 0, cy = c.width > 0 ? c.y : 0;
  const int cw = c.width > 0 ? c.width : decodedWidth, ch = c.width > 0 ? c.height : decodedHeight;
  if (cw <= 0 || ch <= 0) return;
  const double sx = static_cast<double>(plan.width) / cw, sy = static_cast<double>(plan.height) / ch;
  for (const auto& m : options.masks) {
    if (m.width <= 0 || m.height <= 0) throw CodecError("a mask region needs a positive width and height");
    // Rounded outwards, so scaling never leaves a sliver of the region unmasked.
    const int x0 = std::max(0, static_cast<int>(std::floor((m.x - cx) * sx)));
    const int y0 = std::max(0, static_cast<int>(std::floor((m.y - cy) * sy)));
    const int x1 = std::min(plan.width, static_cast<int>(std::ceil((m.x + m.width - cx) * sx)));
    const int y1 = std::min(plan.height, static_cast<int>(std::ceil((m.y + m.height - cy) * sy)));
    if (x1 > x0 && y1 > y0) encoderMasks.push_back({x0, y0, x1 - x0, y1 - y0});
  }
}

namespace {

// Sets a rectangle of one plane (8-bit or little-endian 16-bit samples) to one value.
void FillRect(uint8_t* data, int linesize, int bytesPerSample, int x0, int y0, int x1, int y1, int value) {
  for (int y = y0; y < y1; ++y) {
    uint8_t* row = data + static_cast<ptrdiff_t>(y) * linesize;
    if (bytesPerSample == 1) {
      std::fill(row + x0, row + x1, static_cast<uint8_t>(value));
    } else {
      auto* r16 = reinterpret_cast<uint16_t*>(row);
      std::fill(r16 + x0, r16 + x1, static_cast<uint16_t>(value));
    }
  }
}

}  // namespace

const AVFrame* Transcoder::Impl::MaskAndMark(const AVFrame* picture) {
  if (encoderMasks.empty() && !marker) return picture;
  // The converter may hand back the decoder's own frame: work on a writable reference (a copy when shared).
  av_frame_unref(work.get());
  if (av_frame_ref(work.get(), picture) < 0 || av_frame_make_writable(work.get()) < 0)
    throw CodecError("out of memory copying a frame to mask or mark it");
  const int bytes = options.bitDepth > 8 ? 2 : 1;
  const int shift = options.bitDepth - 8;
  if (!encoderMasks.empty()) {
    const int black = converter->fullRange() ? 0 : 16 << shift;
    for (const auto& m : encoderMasks) {
      FillRect(work->data[0], work->linesize[0], bytes, m.x, m.y, m.x + m.width, m.y + m.height, black);
      // 4:2:0 chroma: the half-resolution rectangle that covers the luma one.
      for (int p = 1; p < 3; ++p)
        FillRect(work->data[p], work->linesize[p], bytes, m.x / 2, m.y / 2, (m.x + m.width + 1) / 2,
                 (m.y + m.height + 1) / 2, 128 << shift);
    }
    ++result.framesMasked;
  }
  if (marker) {
    LumaPlane luma;
    luma.data = work->data[0];
    luma.linesize = work->linesize[0];
    luma.width = work->width;
    luma.height = work->height;
    luma.bitDepth = options.bitDepth;
    marker->Embed(luma);
  }
  return work.get();
}

void Transcoder::Impl::WriteHeld() {
  if (!holding) return;
  PacketPtr out = NewPacket();
  if (av_new_packet(out.get(), static_cast<int>(heldUnit.size())) < 0) throw CodecError("out of memory");
  std::copy(heldUnit.begin(), heldUnit.end(), out->data);
  out->pts = held->pts;
  out->dts = held->dts;
  out->flags = held->flags;
  out->duration = frameDuration;
  mux->Write(out.get(), videoOut, encodeTb);
  holding = false;
}

void Transcoder::Impl::WriteVideo(const EncodedPictureInfo& pic) {
  encoded->duration = frameDuration;
  // x265 derives decode timestamps from the reorder delay it sees in its first frames; on an input of a frame or two,
  // when its lookahead runs before the second frame arrives (a loaded machine), it can return a decode timestamp
  // after the presentation timestamp, which the MP4 muxer refuses. A decode time is never after the presentation.
  if (encoded->dts != AV_NOPTS_VALUE && encoded->pts != AV_NOPTS_VALUE && encoded->dts > encoded->pts)
    encoded->dts = lastDts == AV_NOPTS_VALUE ? encoded->pts : std::min(encoded->pts, lastDts + 1);
  if (encoded->dts != AV_NOPTS_VALUE) lastDts = encoded->dts;
  if (provenance) {
    WriteHeld();
    heldUnit = provenance->Process(encoded->data, static_cast<size_t>(encoded->size), pic.key);
    held->pts = encoded->pts;
    held->dts = encoded->dts;
    held->flags = encoded->flags;
    holding = true;
  } else {
    mux->Write(encoded.get(), videoOut, encodeTb);
  }
  ++result.framesOut;
  if (options.measureQuality) {
    psnrSum += pic.psnrY;
    ssimSum += pic.ssim;
    minPsnr = std::min(minPsnr, pic.psnrY);
    ++qualityFrames;
  }
}

void Transcoder::Impl::DrainDecoder() {
  while (decoder->Receive(frame.get())) {
    TakeDecoded(frame.get());
    av_frame_unref(frame.get());
  }
}

void Transcoder::Impl::Finish() {
  decoder->Send(nullptr);
  DrainDecoder();
  if (filter) {
    // The end of the last frame, so a constant-rate grid is filled to the source's end, not to its last start.
    filter->Close(lastPushed + lastPushedDuration);
    PullFiltered();
    av_frame_unref(previous.get());
  }
  CheckNotTruncated(*in, videoPackets);
  result.framesIn = decoder->frames();
  if (result.framesIn == 0) throw CodecError("no decodable video frame in " + inputPath);
  if (filter) result.framesDropped = result.framesIn + result.framesDuplicated - framesFiltered;
  EncodedPictureInfo pic;
  while (encoder->Encode(nullptr, 0, encoded.get(), &pic)) WriteVideo(pic);
  if (result.framesOut != framesEncoded)
    throw CodecError("x265 returned " + std::to_string(result.framesOut) + " pictures for " +
                     std::to_string(framesEncoded) + " given");
  if (provenance && holding) {
    provenance->AppendFinal(heldUnit);
    WriteHeld();
    result.provenanceMessages = provenance->messages();
  }
  for (auto& a : audio) a->Finish();
  mux->Finish();

  result.durationSec = static_cast<double>(lastPts - firstPts + frameDuration) * av_q2d(encodeTb);
  if (qualityFrames > 0) {
    result.psnrY = psnrSum / static_cast<double>(qualityFrames);
    result.minPsnrY = minPsnr;
    result.ssim = ssimSum / static_cast<double>(qualityFrames);
    result.ssimDb = result.ssim < 1 ? -10 * std::log10(1 - result.ssim) : 100;
    result.psnrGlobal = encoder->GlobalPsnr();
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(outputPath, ec);
  result.outputBytes = ec ? 0 : static_cast<int64_t>(size);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  result.encodeFps = seconds > 0 ? static_cast<double>(result.framesOut) / seconds : 0;
  result.deinterlaced = interlacedFrames > 0 && plan.deinterlace;
  result.videoNote = VideoNote();
  finished = true;
}

std::string Transcoder::Impl::VideoNote() const {
  std::string note = converter->Notes();
  auto add = [&note](const std::string& s) { note += (note.empty() ? "" : "; ") + s; };
  for (const std::string& n : plan.notes) add(n);
  if (plan.deinterlace)
    add(interlacedFrames > 0
            ? "deinterlaced " + std::to_string(interlacedFrames) + " interlaced frames (bwdif, one frame per frame)"
            : std::string("source declared interlaced, but no frame was: nothing deinterlaced"));
  else if (info.interlaced)
    add("interlaced source encoded as frames");
  if (plan.constantRate) {
    add("variable frame rate (" + scan.evidence + ") placed on a constant " + std::to_string(plan.rate.num) +
        (plan.rate.den == 1 ? "" : "/" + std::to_string(plan.rate.den)) +
        " fps grid: " + std::to_string(result.framesDuplicated) + " frames repeated, " +
        std::to_string(result.framesDropped) + " dropped");
  }
  if (retimed > 0)
    add(std::to_string(retimed) +
        " pictures had no increasing timestamp and were placed one frame period after the previous");
  return note;
}

Transcoder::Transcoder(const std::string& inputPath, const std::string& outputMp4Path, const TranscodeOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->inputPath = inputPath;
  impl_->outputPath = outputMp4Path;
  try {
    impl_->Open();
  } catch (...) {
    const bool created = impl_->mux != nullptr;
    impl_.reset();
    if (created) std::remove(outputMp4Path.c_str());
    throw;
  }
}

Transcoder::~Transcoder() {
  if (!impl_) return;
  // An unfinished MP4 (no moov) is useless and could be mistaken for a result: remove it.
  const bool partial = !impl_->finished && impl_->mux;
  const std::string path = impl_->outputPath;
  impl_.reset();
  if (partial) std::remove(path.c_str());
}

const StreamInfo& Transcoder::input() const {
  return impl_->info;
}

bool Transcoder::Step(int maxFrames) {
  Impl& d = *impl_;
  if (d.finished) return false;
  if (d.failed) throw CodecError("the transcode of " + d.inputPath + " has already failed");
  try {
    const bool more = PumpPackets(
        *d.in, d.packet.get(), *d.decoder, maxFrames, d.inputPath, d.videoPackets, [&] { d.DrainDecoder(); },
        [&](AVPacket* p) {
          const int index = p->stream_index;
          if (index < static_cast<int>(d.audioOfStream.size()) && d.audioOfStream[index] >= 0)
            d.audio[d.audioOfStream[index]]->Push(p);
        });
    if (!more) {
      d.Finish();
      return false;
    }
    return true;
  } catch (...) {
    d.failed = true;
    throw;
  }
}

double Transcoder::Progress() const {
  const Impl& d = *impl_;
  if (d.finished) return 1;
  if (d.lastPts == AV_NOPTS_VALUE || d.info.durationSec <= 0) return 0;
  const double t = static_cast<double>(d.lastPts + d.frameDuration) * av_q2d(d.encodeTb);
  return std::clamp(t / d.info.durationSec, 0.0, 1.0);
}

const TranscodeResult& Transcoder::Result() const {
  if (!impl_->finished) throw CodecError("the transcode of " + impl_->inputPath + " is not finished");
  return impl_->result;
}

TranscodeResult Transcode(const std::string& inputPath, const std::string& outputMp4Path,
                          const TranscodeOptions& options) {
  Transcoder t(inputPath, outputMp4Path, options);
  while (t.Step(64)) {
  }
  return t.Result();
}

}  // namespace va::codec
