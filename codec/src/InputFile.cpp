#include "InputFile.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "FrameRateScan.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace va::codec::detail {

struct InputFile::MemoryReader {
  std::shared_ptr<ByteSource> source;
  uint64_t pos = 0;

  static int Read(void* opaque, uint8_t* buf, int bufSize) {
    auto* r = static_cast<MemoryReader*>(opaque);
    if (bufSize <= 0) return 0;
    size_t n = 0;
    try {
      n = r->source->ReadAt(r->pos, buf, static_cast<size_t>(bufSize));
    } catch (const CodecError&) {
      return AVERROR(EIO);  // FFmpeg reports it as an I/O error of this input
    }
    if (n == 0) return AVERROR_EOF;
    r->pos += n;
    return static_cast<int>(n);
  }

  static int64_t Seek(void* opaque, int64_t offset, int whence) {
    auto* r = static_cast<MemoryReader*>(opaque);
    const auto size = static_cast<int64_t>(r->source->Size());
    whence &= ~AVSEEK_FORCE;
    if (whence == AVSEEK_SIZE) return size;
    int64_t base = 0;
    if (whence == SEEK_CUR)
      base = static_cast<int64_t>(r->pos);
    else if (whence == SEEK_END)
      base = size;
    else if (whence != SEEK_SET)
      return AVERROR(EINVAL);
    // Overflow-safe: demuxers pass offsets read from the (possibly hostile) file.
    if ((offset > 0 && base > INT64_MAX - offset)) return AVERROR(EINVAL);
    const int64_t target = base + offset;
    if (target < 0 || target > size) return AVERROR(EINVAL);
    r->pos = static_cast<uint64_t>(target);
    return target;
  }
};

InputFile::~InputFile() = default;

namespace {

// Picks the best video stream that is real video, not cover art.
int FindVideoStream(AVFormatContext* fmt) {
  int best = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (best >= 0 && !(fmt->streams[best]->disposition & AV_DISPOSITION_ATTACHED_PIC)) return best;
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVStream* st = fmt->streams[i];
    if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && !(st->disposition & AV_DISPOSITION_ATTACHED_PIC) &&
        st->codecpar->codec_id != AV_CODEC_ID_NONE)
      return static_cast<int>(i);
  }
  return -1;
}

// Takes over a context allocated by the caller (custom I/O) or opens by url; FFmpeg frees ctx on failure.
void Open(InputFile& in, AVFormatContext* ctx, const char* url) {
  int ret = avformat_open_input(&ctx, url, nullptr, nullptr);
  if (ret < 0) throw CodecError("cannot open " + in.name + ": " + AvError(ret));
  in.fmt.reset(ctx);
  ret = avformat_find_stream_info(ctx, nullptr);
  if (ret < 0) throw CodecError("cannot read the streams of " + in.name + ": " + AvError(ret));
  in.videoIndex = FindVideoStream(ctx);
  if (in.videoIndex < 0) throw CodecError("no video stream in " + in.name);
  const AVCodecParameters* par = in.video()->codecpar;
  if (par->width <= 0 || par->height <= 0)
    throw CodecError("video stream of " + in.name + " has no frame size (" + avcodec_get_name(par->codec_id) + ")");
}

// The chroma subsampling as the usual "4:x:y" digits.
std::string ChromaFormat(const AVPixFmtDescriptor* desc) {
  if (desc->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL)) return "444";
  if (desc->nb_components < 3) return "400";  // grey, grey + alpha
  const int w = desc->log2_chroma_w, h = desc->log2_chroma_h;
  if (w == 1 && h == 1) return "420";
  if (w == 1 && h == 0) return "422";
  if (w == 0 && h == 0) return "444";
  if (w == 2 && h == 0) return "411";
  if (w == 0 && h == 1) return "440";
  return "410";
}

}  // namespace

std::unique_ptr<InputFile> OpenInputFile(const std::string& path) {
  auto in = std::make_unique<InputFile>();
  in->name = path;
  Open(*in, nullptr, path.c_str());
  return in;
}

std::unique_ptr<InputFile> OpenInputSource(std::shared_ptr<ByteSource> source) {
  auto in = std::make_unique<InputFile>();
  in->name = source->Name();
  in->reader.reset(new InputFile::MemoryReader{std::move(source)});
  constexpr int kIoBufferSize = 64 * 1024;
  auto* buffer = static_cast<uint8_t*>(av_malloc(kIoBufferSize));
  if (!buffer) throw CodecError("out of memory");
  in->io.reset(avio_alloc_context(buffer, kIoBufferSize, 0, in->reader.get(), &InputFile::MemoryReader::Read, nullptr,
                                  &InputFile::MemoryReader::Seek));
  if (!in->io) {
    av_free(buffer);
    throw CodecError("out of memory");
  }
  AVFormatContext* ctx = avformat_alloc_context();
  if (!ctx) throw CodecError("out of memory");
  ctx->pb = in->io.get();
  Open(*in, ctx, nullptr);
  return in;
}

std::unique_ptr<InputFile> OpenInputMemory(const uint8_t* data, size_t size) {
  return OpenInputSource(WrapMemory(data, size));
}

std::unique_ptr<InputFile> Reopen(const InputFile& in) {
  if (in.reader) return OpenInputSource(in.reader->source);
  return OpenInputFile(in.name);
}

AVRational NominalFrameRate(const AVStream* st) {
  if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0) return st->avg_frame_rate;
  if (st->r_frame_rate.num > 0 && st->r_frame_rate.den > 0) return st->r_frame_rate;
  return AVRational{25, 1};
}

void CheckNotTruncated(const InputFile& in, int64_t videoPacketsRead) {
  const int64_t listed = in.video()->nb_frames;
  if (listed > 0 && videoPacketsRead < listed)
    throw CodecError(in.name + " is truncated: its index lists " + std::to_string(listed) + " video frames but only " +
                     std::to_string(videoPacketsRead) + " could be read");
}

StreamInfo DescribeInput(const InputFile& in) {
  return DescribeInput(in, ScanFrameRate(in));
}

StreamInfo DescribeInput(const InputFile& in, const FrameRateScan& scan) {
  const AVFormatContext* fmt = in.fmt.get();
  const AVStream* st = in.video();
  const AVCodecParameters* par = st->codecpar;
  StreamInfo info;
  info.container = fmt->iformat->name;
  info.codecName = avcodec_get_name(par->codec_id);
  if (const char* p = avcodec_profile_name(par->codec_id, par->profile)) info.profile = p;
  info.level = par->level > 0 ? par->level : 0;
  info.width = par->width;
  info.height = par->height;
  const AVRational fps = NominalFrameRate(st);
  info.fpsNum = fps.num;
  info.fpsDen = fps.den;
  if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
    info.durationSec = static_cast<double>(st->duration) * av_q2d(st->time_base);
  else if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0)
    info.durationSec = static_cast<double>(fmt->duration) / AV_TIME_BASE;
  if (st->nb_frames > 0)
    info.frameCount = st->nb_frames;
  else
    info.frameCount = std::llround(info.durationSec * av_q2d(fps));
  const auto pixFmt = static_cast<AVPixelFormat>(par->format);
  if (const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(pixFmt)) {
    info.pixelFormat = desc->name;
    info.bitDepth = desc->comp[0].depth;
    info.chromaFormat = ChromaFormat(desc);
  }
  info.interlaced = par->field_order != AV_FIELD_UNKNOWN && par->field_order != AV_FIELD_PROGRESSIVE;
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVCodecParameters* a = fmt->streams[i]->codecpar;
    if (a->codec_type != AVMEDIA_TYPE_AUDIO) continue;
    if (info.audioStreams++ == 0) info.audioCodec = avcodec_get_name(a->codec_id);
  }
  info.bitRate = par->bit_rate > 0 ? par->bit_rate : fmt->bit_rate;
  info.variableFrameRate = scan.variable;
  return info;
}

}  // namespace va::codec::detail
