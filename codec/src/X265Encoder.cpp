#include "X265Encoder.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "va/codec/CodecError.h"

namespace va::codec::detail {

namespace {

std::string Fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void Parse(const x265_api* api, x265_param* p, const std::string& key, const std::string& value) {
  const int ret = api->param_parse(p, key.c_str(), value.empty() ? nullptr : value.c_str());
  if (ret == X265_PARAM_BAD_NAME) throw CodecError("unknown x265 parameter '" + key + "'");
  if (ret != 0) throw CodecError("invalid value '" + value + "' for x265 parameter '" + key + "'");
}

// "k=v:k=v:flag" as the x265 command line's --x265-params takes it.
void ParseList(const x265_api* api, x265_param* p, const std::string& list) {
  size_t start = 0;
  while (start < list.size()) {
    size_t end = list.find(':', start);
    if (end == std::string::npos) end = list.size();
    const std::string item = list.substr(start, end - start);
    if (!item.empty()) {
      const size_t eq = item.find('=');
      Parse(api, p, item.substr(0, eq), eq == std::string::npos ? "" : item.substr(eq + 1));
    }
    start = end + 1;
  }
}

}  // namespace

int HevcLevelFromHeaders(const std::vector<uint8_t>& d) {
  // SPS RBSP: 2-byte NAL header, 1 byte (vps id, max sub-layers, nesting), then profile_tier_level: 1 byte profile,
  // 4 bytes compatibility flags, 6 bytes constraint flags, general_level_idc. Emulation prevention bytes
  // (00 00 03) can occur inside the flags, so they are removed while reading.
  constexpr size_t kLevelAt = 14;
  for (size_t i = 0; i + 3 < d.size(); ++i) {
    if (!(d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1)) continue;
    const size_t nal = i + 3;
    if (((d[nal] >> 1) & 0x3f) != 33) continue;  // not an SPS
    std::vector<uint8_t> rbsp;
    int zeros = 0;
    for (size_t j = nal; j < d.size() && rbsp.size() <= kLevelAt; ++j) {
      if (zeros >= 2 && d[j] == 3) {
        zeros = 0;
        continue;
      }
      zeros = d[j] == 0 ? zeros + 1 : 0;
      rbsp.push_back(d[j]);
    }
    return rbsp.size() > kLevelAt ? rbsp[kLevelAt] : 0;
  }
  return 0;
}

X265Encoder::X265Encoder(const X265Config& c)
    : api_(x265_api_get(c.bitDepth)),
      config_(c),
      param_(nullptr, X265ParamDeleter{api_}),
      encoder_(nullptr, X265EncoderDeleter{api_}),
      picIn_(nullptr, X265PictureDeleter{api_}),
      picOut_(nullptr, X265PictureDeleter{api_}) {
  if (!api_) throw CodecError("the linked x265 library has no " + std::to_string(c.bitDepth) + "-bit encoder");
  if (c.width % 2 || c.height % 2) throw CodecError("x265 4:2:0 needs even dimensions");
  param_.reset(api_->param_alloc());
  if (!param_) throw CodecError("out of memory");
  x265_param* p = param_.get();
  // No tune: x265 rejects an empty tune string, so pass null.
  if (api_->param_default_preset(p, c.preset.c_str(), nullptr) < 0)
    throw CodecError("unknown x265 preset '" + c.preset + "'");
  Parse(api_, p, "crf", Fmt(c.crf));
  if (c.threads > 0) {
    // A pool of exactly N worker threads; x265 sizes frame threads from the pool.
    pools_ = std::to_string(c.threads);
    p->numaPools = pools_.c_str();
    if (c.threads == 1) {
      Parse(api_, p, "frame-threads", "1");
      Parse(api_, p, "lookahead-threads", "0");
    }
  }
  p->sourceWidth = c.width;
  p->sourceHeight = c.height;
  p->fpsNum = static_cast<uint32_t>(c.fpsNum);
  p->fpsDenom = static_cast<uint32_t>(c.fpsDen);
  p->internalCsp = X265_CSP_I420;
  p->sourceBitDepth = c.bitDepth;
  // Parameter sets go into the MP4 sample entry (hvcC), not in-band: what 'hvc1' requires.
  p->bRepeatHeaders = 0;
  p->bAnnexB = 1;
  p->bEnablePsnr = c.measureQuality;
  p->bEnableSsim = c.measureQuality;
  // x265 3.5 silently turns PSNR/SSIM off below log level "info" (Encoder::configure: "don't measure these
  // metrics if they will not be reported"), so measuring costs a few info lines on stderr per encode.
  p->logLevel = c.measureQuality ? X265_LOG_INFO : X265_LOG_WARNING;
  if (c.sarNum > 0 && c.sarDen > 0 && c.sarNum != c.sarDen) {
    p->vui.aspectRatioIdc = X265_EXTENDED_SAR;
    p->vui.sarWidth = c.sarNum;
    p->vui.sarHeight = c.sarDen;
  }
  const bool describeColour = c.colorPrimaries != 2 || c.transfer != 2 || c.matrix != 2;
  if (describeColour || c.fullRange) {
    p->vui.bEnableVideoSignalTypePresentFlag = 1;
    p->vui.videoFormat = 5;  // unspecified
    p->vui.bEnableVideoFullRangeFlag = c.fullRange;
    p->vui.bEnableColorDescriptionPresentFlag = describeColour;
    p->vui.colorPrimaries = c.colorPrimaries;
    p->vui.transferCharacteristics = c.transfer;
    p->vui.matrixCoeffs = c.matrix;
  }
  if (c.keyintMax > 0) {
    // Closed GOPs: every keyframe is an IDR with no leading pictures, so a segmenter can cut at any of them.
    p->keyframeMax = c.keyintMax;
    p->keyframeMin = std::min(p->keyframeMin, c.keyintMax);
    p->bOpenGOP = 0;
  }
  if (c.pictureHash) p->decodedPictureHashSEI = 1;  // 1 = MD5 (H.265 D.3.19)
  ParseList(api_, p, c.extraParams);
  const char* profile = c.bitDepth == 8 ? "main" : c.bitDepth == 10 ? "main10" : "main12";
  if (api_->param_apply_profile(p, profile) < 0)
    throw CodecError(std::string("x265 cannot apply profile ") + profile + " to these parameters");

  encoder_.reset(api_->encoder_open(p));
  if (!encoder_) throw CodecError("x265 refused the encoder parameters (see its log)");
  picIn_.reset(api_->picture_alloc());
  picOut_.reset(api_->picture_alloc());
  if (!picIn_ || !picOut_) throw CodecError("out of memory");
  api_->picture_init(p, picIn_.get());
  api_->picture_init(p, picOut_.get());

  x265_nal* nals = nullptr;
  uint32_t count = 0;
  if (api_->encoder_headers(encoder_.get(), &nals, &count) < 0) throw CodecError("x265 could not write headers");
  for (uint32_t i = 0; i < count; ++i)
    headers_.insert(headers_.end(), nals[i].payload, nals[i].payload + nals[i].sizeBytes);
  level_ = HevcLevelFromHeaders(headers_);

  // The parameters the encoder actually runs with (frame threads etc. are resolved at open).
  std::unique_ptr<x265_param, X265ParamDeleter> actual(api_->param_alloc(), X265ParamDeleter{api_});
  if (actual) {
    api_->encoder_parameters(encoder_.get(), actual.get());
    // x265 3.5's parameter copy strdup()s the pools string and param_free never frees it; release that copy
    // (and only a copy: were the pointer ours, it would be pools_).
    if (actual->numaPools && actual->numaPools != pools_.c_str() && actual->numaPools != p->numaPools) {
      std::free(const_cast<char*>(actual->numaPools));
      actual->numaPools = nullptr;
    }
  }
  const x265_param* a = actual ? actual.get() : p;
  settings_ = std::string("x265 ") + api_->version_str + " preset=" + c.preset + " crf=" + Fmt(c.crf) +
              " profile=" + profile + " bit-depth=" + std::to_string(c.bitDepth) +
              " pools=" + (c.threads > 0 ? std::to_string(c.threads) : std::string("auto")) +
              " frame-threads=" + std::to_string(a->frameNumThreads) + " bframes=" + std::to_string(a->bframes) +
              " ref=" + std::to_string(a->maxNumReferences) + " rc-lookahead=" + std::to_string(a->lookaheadDepth) +
              " keyint=" + std::to_string(a->keyframeMax) + (a->bOpenGOP ? " open-gop" : " closed-gop") +
              (a->bEnablePsnr ? " psnr" : "") + (a->bEnableSsim ? " ssim" : "") +
              (a->decodedPictureHashSEI == 1 ? " picture-hash=md5" : "");
  if (!c.extraParams.empty()) settings_ += " x265-params=" + c.extraParams;
}

bool X265Encoder::Encode(const AVFrame* frame, int64_t pts, AVPacket* packet, EncodedPictureInfo* info) {
  x265_picture* in = nullptr;
  if (frame) {
    in = picIn_.get();
    for (int i = 0; i < 3; ++i) {
      in->planes[i] = frame->data[i];
      in->stride[i] = frame->linesize[i];
    }
    in->bitDepth = config_.bitDepth;
    in->colorSpace = X265_CSP_I420;
    in->sliceType = X265_TYPE_AUTO;
    in->pts = pts;
  }
  x265_nal* nals = nullptr;
  uint32_t count = 0;
  // x265 copies the input picture, so the caller may reuse the frame as soon as this returns.
  const int ret = api_->encoder_encode(encoder_.get(), &nals, &count, in, picOut_.get());
  if (ret < 0) throw CodecError("x265 encode failed");
  if (ret == 0 || count == 0) return false;

  size_t size = 0;
  for (uint32_t i = 0; i < count; ++i) size += nals[i].sizeBytes;
  av_packet_unref(packet);
  if (av_new_packet(packet, static_cast<int>(size)) < 0) throw CodecError("out of memory");
  uint8_t* dst = packet->data;
  bool irap = false;
  for (uint32_t i = 0; i < count; ++i) {
    std::memcpy(dst, nals[i].payload, nals[i].sizeBytes);
    dst += nals[i].sizeBytes;
    // NAL unit types 16..23 are IRAP pictures (BLA, IDR, CRA): random access points.
    if (nals[i].type >= 16 && nals[i].type <= 23) irap = true;
  }
  const x265_picture* out = picOut_.get();
  packet->pts = out->pts;
  packet->dts = out->dts;
  if (irap || out->sliceType == X265_TYPE_IDR) packet->flags |= AV_PKT_FLAG_KEY;
  if (info) {
    info->key = (packet->flags & AV_PKT_FLAG_KEY) != 0;
    info->psnrY = out->frameData.psnrY;
    info->ssim = out->frameData.ssim;
  }
  return true;
}

double X265Encoder::GlobalPsnr() const {
  x265_stats stats{};
  api_->encoder_get_stats(encoder_.get(), &stats, sizeof stats);
  return stats.globalPsnr;
}

double X265Encoder::GlobalSsim() const {
  x265_stats stats{};
  api_->encoder_get_stats(encoder_.get(), &stats, sizeof stats);
  return stats.globalSsim;
}

}  // namespace va::codec::detail
