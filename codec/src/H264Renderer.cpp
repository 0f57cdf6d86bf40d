// The H.264 rendition pipeline: demux -> decode -> (deinterlace) -> constant rate grid -> convert -> libx264 -> MP4,
// with the first audio track alongside.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <vector>

#include "AudioPath.h"
#include "Decoder.h"
#include "FrameConverter.h"
#include "FrameRateScan.h"
#include "H264Encoder.h"
#include "InputFile.h"
#include "Mp4Muxer.h"
#include "PacketPump.h"
#include "PicturePlan.h"
#include "VideoFilter.h"
#include "va/codec/H264Rendition.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace va::codec {

using namespace detail;

namespace {

// DICOM "MPEG-4 AVC/H.264 High Profile / Level 4.2" (1.2.840.10008.1.2.4.104): at most 1920x1080 and 60 fps, which
// also keeps every picture within level 4.2's MaxFS (8704 macroblocks) and MaxMBPS (522 240 at 1920x1088x60).
constexpr int kMaxWidth = 1920;
constexpr int kMaxHeight = 1080;
constexpr double kMaxFps = 60;
constexpr double kMaxKeyframeIntervalSec = 60;

std::string Rate(AVRational r) {
  return r.den == 1 ? std::to_string(r.num) : std::to_string(r.num) + "/" + std::to_string(r.den);
}

void CheckOptions(const H264Options& o) {
  if (o.maxWidth < 2 || o.maxWidth > kMaxWidth || o.maxHeight < 2 || o.maxHeight > kMaxHeight)
    throw CodecError(
        "maxWidth x maxHeight must lie within 2x2 .. 1920x1080 (the limit of DICOM's H.264 High Profile "
        "Level 4.2 transfer syntax), not " +
        std::to_string(o.maxWidth) + "x" + std::to_string(o.maxHeight));
  if (!(o.keyframeIntervalSec > 0 && o.keyframeIntervalSec <= kMaxKeyframeIntervalSec))
    throw CodecError("keyframeIntervalSec must be above 0 and at most 60 s, not " +
                     std::to_string(o.keyframeIntervalSec));
  if (o.threads < 0) throw CodecError("threads must be 0 (automatic) or positive, not " + std::to_string(o.threads));
}

bool Valid(AVRational r) {
  return r.num > 0 && r.den > 0;
}

// The rate of the constant grid. Frames are placed by their timestamps, so the grid must follow the source's real
// cadence: the container's base rate (clean: 25/1, 30000/1001) when it agrees with the average, else the average
// (the base rate of interlaced H.264 can be the field rate), else the frame rate scan's grid for variable sources.
AVRational SourceRate(const AVStream* st, const FrameRateScan& scan) {
  if (scan.variable) return scan.gridRate;
  const AVRational r = st->r_frame_rate;
  const AVRational avg = st->avg_frame_rate;
  if (Valid(r) && (!Valid(avg) || std::fabs(av_q2d(r) / av_q2d(avg) - 1) < 0.01)) return r;
  return NominalFrameRate(st);
}

// ISO/IEC 23091-2 code points are FFmpeg's enum values; "reserved" and out-of-range ones become unspecified.
int CodePoint(int v) {
  return v > 0 && v < 256 && v != 3 ? v : 2;
}

}  // namespace

struct H264Renderer::Impl {
  H264Options options;
  std::shared_ptr<ByteSource> source;  // null when reading a path
  std::string inputPath;
  std::string name;  // for messages
  std::string outputPath;
  std::string tmpPath;
  std::unique_ptr<InputFile> in;
  StreamInfo info;
  FrameRateScan scan;
  PicturePlan plan;
  AVRational rate{25, 1};  // output rate
  int rateDivisor = 1;     // source rate / output rate
  std::string chain;       // the video filter chain; always ends with the constant-rate grid
  std::unique_ptr<Decoder> decoder;
  std::unique_ptr<VideoFilter> filter;  // made at the first frame, from its real format
  std::unique_ptr<FrameConverter> converter;
  std::unique_ptr<H264Encoder> encoder;
  std::unique_ptr<Mp4Muxer> mux;     // before the audio path, which writes into it
  std::unique_ptr<AudioPath> audio;  // the kept source audio track, if any
  int audioStream = -1;              // its source stream index
  int videoOut = -1;
  PacketPtr packet = NewPacket();
  PacketPtr encoded = NewPacket();
  FramePtr frame = NewFrame();
  FramePtr filtered = NewFrame();
  FramePtr previous = NewFrame();  // the last filtered frame, held so a repeat of it can be recognised

  AVRational sourceTb{1, 1};
  int64_t offset = 0;        // source video start, in sourceTb: becomes time 0
  int64_t filterPeriod = 1;  // nominal source frame period in sourceTb
  int64_t lastPushed = AV_NOPTS_VALUE;
  int64_t lastPushedDuration = 0;
  int64_t framesFiltered = 0;
  int64_t framesSent = 0;  // pictures given to the encoder = their grid index
  int64_t interlacedFrames = 0;
  int64_t retimed = 0;
  int64_t videoPackets = 0;
  bool fullRangeSource = false;

  bool finished = false;
  bool failed = false;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  H264Result result;

  void Open();
  // Open, removing whatever it left behind when it fails (the constructors' common end).
  void OpenOrDiscard() {
    try {
      Open();
    } catch (...) {
      Discard();
      throw;
    }
  }
  void OpenAudio();
  void TakeDecoded(AVFrame* decoded);
  void PullFiltered();
  void DrainDecoder();
  void DrainEncoder();
  void Finish();
  void Discard();
  std::string VideoNote() const;
};

void H264Renderer::Impl::Open() {
  CheckOptions(options);
  in = source ? OpenInputSource(source) : OpenInputFile(inputPath);
  name = in->name;
  scan = ScanFrameRate(*in);
  info = DescribeInput(*in, scan);
  const AVStream* st = in->video();
  decoder = std::make_unique<Decoder>(st, name, 0, options.strictDecode);
  const AVCodecContext* dec = decoder->context();

  // Deinterlace and size come from the archive's picture plan; the rate grid is ours (always present, see below).
  TranscodeOptions pictures;
  pictures.maxWidth = options.maxWidth;
  pictures.maxHeight = options.maxHeight;
  pictures.deinterlace = true;
  plan = PlanPictures(pictures, dec->width, dec->height, info.interlaced, NominalFrameRate(st), FrameRateScan{});

  // Every frame is placed on a constant-rate grid starting at 0 by the fps filter: one frame in, one out for a
  // constant-rate source; gaps filled and doubles dropped for a variable one. Timestamps then equal frame numbers,
  // so keyframes every N frames fall exactly every N periods, and audio keeps its place against the pictures.
  const AVRational sourceRate = SourceRate(st, scan);
  rateDivisor = std::max(1, static_cast<int>(std::ceil(av_q2d(sourceRate) / kMaxFps - 1e-9)));
  rate = av_div_q(sourceRate, AVRational{rateDivisor, 1});
  chain = plan.chain + (plan.chain.empty() ? "" : ",") + "fps=fps=" + Rate(rate) + ":start_time=0";

  sourceTb = st->time_base;
  filterPeriod = std::max<int64_t>(1, av_rescale_q(1, av_inv_q(sourceRate), sourceTb));
  if (st->start_time != AV_NOPTS_VALUE)
    offset = st->start_time;
  else if (in->fmt->start_time != AV_NOPTS_VALUE)
    offset = av_rescale_q(in->fmt->start_time, AV_TIME_BASE_Q, sourceTb);

  H264EncoderConfig cfg;
  cfg.width = plan.width;
  cfg.height = plan.height;
  cfg.rate = rate;
  AVRational sar = st->sample_aspect_ratio.num ? st->sample_aspect_ratio : st->codecpar->sample_aspect_ratio;
  if (sar.num > 0 && sar.den > 0)
    av_reduce(&sar.num, &sar.den, sar.num, sar.den, 65535);
  else
    sar = AVRational{0, 1};
  cfg.sar = sar;
  FrameConverter::Normalize(dec->pix_fmt, &fullRangeSource);
  fullRangeSource = fullRangeSource || dec->color_range == AVCOL_RANGE_JPEG;
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(dec->pix_fmt);
  const bool rgb = desc && (desc->flags & AV_PIX_FMT_FLAG_RGB);
  cfg.primaries = static_cast<AVColorPrimaries>(CodePoint(dec->color_primaries));
  cfg.transfer = static_cast<AVColorTransferCharacteristic>(CodePoint(dec->color_trc));
  // RGB sources are converted with swscale's default (BT.601) matrix, so say so in the VUI.
  cfg.matrix = rgb ? AVCOL_SPC_SMPTE170M : static_cast<AVColorSpace>(CodePoint(dec->colorspace));
  cfg.preset = options.preset;
  cfg.crf = options.crf;
  cfg.threads = options.threads;
  cfg.keyint = std::max(1, static_cast<int>(std::lround(options.keyframeIntervalSec * av_q2d(rate))));
  encoder = std::make_unique<H264Encoder>(cfg);
  // Browsers and DICOM viewers expect limited ("TV") range 8-bit 4:2:0: everything else is converted to it.
  converter = std::make_unique<FrameConverter>(cfg.width, cfg.height, 8, false);

  tmpPath = outputPath + ".tmp";
  mux = std::make_unique<Mp4Muxer>(tmpPath);
  CodecParametersPtr par(avcodec_parameters_alloc());
  if (!par) throw CodecError("out of memory");
  Check(avcodec_parameters_from_context(par.get(), encoder->context()), "H.264 track parameters");
  videoOut = mux->AddStream(par.get(), encoder->timeBase(), nullptr);
  OpenAudio();
  mux->Start();

  result.width = cfg.width;
  result.height = cfg.height;
  result.sourceWidth = dec->width;
  result.sourceHeight = dec->height;
  result.fpsNum = rate.num;
  result.fpsDen = rate.den;
  result.keyframeInterval = cfg.keyint;
  result.keyframeIntervalSec = cfg.keyint / av_q2d(rate);
  result.encoderSettings = encoder->Settings();
  if (source) {
    result.inputBytes = static_cast<int64_t>(source->Size());
  } else {
    std::error_code ec;
    const auto size = std::filesystem::file_size(inputPath, ec);
    result.inputBytes = ec ? 0 : static_cast<int64_t>(size);
  }
}

void H264Renderer::Impl::OpenAudio() {
  AVFormatContext* fmt = in->fmt.get();
  int sourceTracks = 0;
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    if (fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) ++sourceTracks;
  if (sourceTracks == 0) {
    result.audioNote = "none in source";
  } else if (!options.keepAudio) {
    result.audioNote = "dropped by option";
  } else {
    // One track: browsers play only the first, and DICOM video instances carry at most one.
    const int best = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, in->videoIndex, nullptr, 0);
    const AVStream* st = fmt->streams[best >= 0 ? best : 0];
    try {
      const int64_t startOffset = av_rescale_q(offset, sourceTb, AV_TIME_BASE_Q);
      audio = std::make_unique<AudioPath>(st, name, *mux, startOffset, options.strictDecode);
      audioStream = st->index;
      result.audioNote = audio->Note();
    } catch (const CodecError& e) {
      // An unreadable audio track must not stop the pictures, but it is never dropped silently.
      result.audioNote = std::string("skipped ") + avcodec_get_name(st->codecpar->codec_id) + " (" + e.what() + ")";
    }
    if (sourceTracks > 1)
      result.audioNote += " (track " + std::to_string(st->index) + "; " + std::to_string(sourceTracks - 1) +
                          " other audio track" + (sourceTracks > 2 ? "s" : "") + " left out)";
  }
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    if (static_cast<int>(i) != audioStream && static_cast<int>(i) != in->videoIndex)
      fmt->streams[i]->discard = AVDISCARD_ALL;
  result.audioTracks = audio ? 1 : 0;
}

void H264Renderer::Impl::TakeDecoded(AVFrame* decoded) {
  if (!filter) {
    VideoFilterInput v;
    v.width = decoded->width;
    v.height = decoded->height;
    v.format = static_cast<AVPixelFormat>(decoded->format);
    v.timeBase = sourceTb;
    v.sar = decoded->sample_aspect_ratio;
    v.frameRate = NominalFrameRate(in->video());
    filter = std::make_unique<VideoFilter>(chain, v, options.threads);
  }
  int64_t pts = decoded->best_effort_timestamp;
  if (pts != AV_NOPTS_VALUE) pts -= offset;
  // Filters need increasing timestamps.
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

void H264Renderer::Impl::PullFiltered() {
  while (filter->Pull(filtered.get())) {
    ++framesFiltered;
    // The fps filter fills a gap by sending the frame it holds again: the same picture buffer. `previous` keeps its
    // reference, so the memory cannot have been reused for another picture.
    if (previous->data[0] && filtered->data[0] == previous->data[0]) ++result.framesDuplicated;
    encoder->Send(converter->Convert(filtered.get()), framesSent++);
    DrainEncoder();
    av_frame_unref(previous.get());
    av_frame_move_ref(previous.get(), filtered.get());
  }
}

void H264Renderer::Impl::DrainEncoder() {
  while (encoder->Receive(encoded.get())) {
    mux->Write(encoded.get(), videoOut, encoder->timeBase());
    ++result.framesOut;
  }
}

void H264Renderer::Impl::DrainDecoder() {
  while (decoder->Receive(frame.get())) {
    TakeDecoded(frame.get());
    av_frame_unref(frame.get());
  }
}

void H264Renderer::Impl::Finish() {
  decoder->Send(nullptr);
  DrainDecoder();
  CheckNotTruncated(*in, videoPackets);
  result.framesIn = decoder->frames();
  if (result.framesIn == 0 || !filter) throw CodecError("no decodable video frame in " + name);
  // The end of the last frame, so the grid is filled to the source's end, not to its last start.
  filter->Close(lastPushed + lastPushedDuration);
  PullFiltered();
  av_frame_unref(previous.get());
  result.framesDropped = result.framesIn + result.framesDuplicated - framesFiltered;
  encoder->Send(nullptr, 0);
  DrainEncoder();
  if (result.framesOut != framesSent)
    throw CodecError("libx264 returned " + std::to_string(result.framesOut) + " pictures for " +
                     std::to_string(framesSent) + " given");
  if (audio) audio->Finish();
  mux->Finish();
  audio.reset();
  mux.reset();
  std::error_code ec;
  std::filesystem::rename(tmpPath, outputPath, ec);
  if (ec) {
    std::remove(tmpPath.c_str());
    throw CodecError("cannot move the finished rendition " + tmpPath + " to " + outputPath + ": " + ec.message());
  }

  result.durationSec = static_cast<double>(result.framesOut) / av_q2d(rate);
  const auto size = std::filesystem::file_size(outputPath, ec);
  result.outputBytes = ec ? 0 : static_cast<int64_t>(size);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  result.encodeFps = seconds > 0 ? static_cast<double>(result.framesOut) / seconds : 0;
  result.deinterlaced = interlacedFrames > 0 && plan.deinterlace;
  result.videoNote = VideoNote();
  finished = true;
}

// Removes the partial output: the muxer (and the audio path writing into it) first, so the file is closed.
void H264Renderer::Impl::Discard() {
  const bool created = mux != nullptr;
  audio.reset();
  mux.reset();
  if (created) std::remove(tmpPath.c_str());
}

std::string H264Renderer::Impl::VideoNote() const {
  std::string note = converter->Notes();
  auto add = [&note](const std::string& s) { note += (note.empty() ? "" : "; ") + s; };
  for (const std::string& n : plan.notes) add(n);
  if (fullRangeSource) add("full-range source converted to limited range");
  const int trc = decoder->context()->color_trc;
  if (trc == AVCOL_TRC_SMPTE2084 || trc == AVCOL_TRC_ARIB_STD_B67)
    add("HDR transfer characteristic kept in the VUI; pictures reduced to 8 bits without tone mapping");
  if (plan.deinterlace)
    add(interlacedFrames > 0
            ? "deinterlaced " + std::to_string(interlacedFrames) + " interlaced frames (bwdif, one frame per frame)"
            : std::string("source declared interlaced, but no frame was: nothing deinterlaced"));
  if (scan.variable)
    add("variable frame rate (" + scan.evidence + ") placed on a constant " + Rate(scan.gridRate) + " fps grid");
  if (rateDivisor > 1)
    add("frame rate reduced from " + Rate(av_mul_q(rate, AVRational{rateDivisor, 1})) + " to " + Rate(rate) +
        " fps (DICOM's H.264 Level 4.2 syntax allows at most 60)");
  if (result.framesDuplicated > 0 || result.framesDropped > 0)
    add("constant-rate grid: " + std::to_string(result.framesDuplicated) + " frames repeated, " +
        std::to_string(result.framesDropped) + " dropped");
  if (retimed > 0)
    add(std::to_string(retimed) +
        " pictures had no increasing timestamp and were placed one frame period after the previous");
  return note;
}

H264Renderer::H264Renderer(std::shared_ptr<ByteSource> input, const std::string& outputMp4Path,
                           const H264Options& options)
    : impl_(std::make_unique<Impl>()) {
  if (!input) throw CodecError("no input for the H.264 rendition of " + outputMp4Path);
  impl_->options = options;
  impl_->source = std::move(input);
  impl_->name = impl_->source->Name();
  impl_->outputPath = outputMp4Path;
  impl_->OpenOrDiscard();
}

H264Renderer::H264Renderer(const std::string& inputPath, const std::string& outputMp4Path, const H264Options& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->inputPath = inputPath;
  impl_->name = inputPath;
  impl_->outputPath = outputMp4Path;
  impl_->OpenOrDiscard();
}

H264Renderer::~H264Renderer() {
  // An unfinished MP4 (no moov) is useless and could be mistaken for a result.
  if (impl_ && !impl_->finished) impl_->Discard();
}

const StreamInfo& H264Renderer::input() const {
  return impl_->info;
}

bool H264Renderer::Step(int maxFrames) {
  Impl& d = *impl_;
  if (d.finished) return false;
  if (d.failed) throw CodecError("the H.264 rendition of " + d.name + " has already failed");
  try {
    const bool more = PumpPackets(
        *d.in, d.packet.get(), *d.decoder, maxFrames, d.name, d.videoPackets, [&] { d.DrainDecoder(); },
        [&](AVPacket* p) {
          if (p->stream_index == d.audioStream && d.audio) d.audio->Push(p);
        });
    if (!more) {
      d.Finish();
      return false;
    }
    return true;
  } catch (...) {
    d.failed = true;
    d.Discard();
    throw;
  }
}

double H264Renderer::Progress() const {
  const Impl& d = *impl_;
  if (d.finished) return 1;
  if (d.lastPushed == AV_NOPTS_VALUE || d.info.durationSec <= 0) return 0;
  const double t = static_cast<double>(d.lastPushed + d.lastPushedDuration) * av_q2d(d.sourceTb);
  // Short of 1 until the end is written: the encoder and the muxer's faststart pass still follow.
  return std::clamp(t / d.info.durationSec, 0.0, 0.99);
}

const H264Result& H264Renderer::Result() const {
  if (!impl_->finished) throw CodecError("the H.264 rendition of " + impl_->name + " is not finished");
  return impl_->result;
}

H264Result RenderH264(std::shared_ptr<ByteSource> input, const std::string& outputMp4Path, const H264Options& options) {
  H264Renderer r(std::move(input), outputMp4Path, options);
  while (r.Step(64)) {
  }
  return r.Result();
}

H264Result RenderH264(const std::string& inputPath, const std::string& outputMp4Path, const H264Options& options) {
  H264Renderer r(inputPath, outputMp4Path, options);
  while (r.Step(64)) {
  }
  return r.Result();
}

}  // namespace va::codec
