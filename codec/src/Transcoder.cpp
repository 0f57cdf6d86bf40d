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
  FramePtr frame = NewFrame();
  FramePtr filtered = NewFrame();
  FramePtr previous = NewFrame();  // the last filtered frame, held so a repeat of it can be recognised

  AVRational sourceTb{1, 1};  // the source video stream's time base
  AVRational encodeTb{1, 1};  // the time base given to x265 and the muxer (the source's unless too coarse)
  int64_t offset = 0;         // source video start, in sourceTb: becomes time 0
  int64_t frameDuration = 1;  // nominal, in encodeTb
  int64_t firstPts = AV_NOPTS_VALUE;
  int64_t lastPts = AV_NOPTS_VALUE;
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
  const AVFrame* picture = converter->Convert(source);
  ++framesEncoded;
  EncodedPictureInfo pic;
  if (encoder->Encode(picture, pts, encoded.get(), &pic)) WriteVideo(pic);
}

void Transcoder::Impl::WriteVideo(const EncodedPictureInfo& pic) {
  encoded->duration = frameDuration;
  mux->Write(encoded.get(), videoOut, encodeTb);
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
