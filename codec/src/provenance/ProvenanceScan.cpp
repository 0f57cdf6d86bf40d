// Reads a stream back: recomputes the hash chain from the picture hash SEIs, checks every provenance message
// against it and, when asked, decodes every picture and compares its MD5 with the hash its access unit carries.
#include <algorithm>
#include <map>
#include <optional>

#include "../Decoder.h"
#include "../FfmpegHandles.h"
#include "../InputFile.h"
#include "Digest.h"
#include "Nal.h"
#include "ProvenanceSei.h"
#include "va/codec/Provenance.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace va::codec {

namespace {

using detail::NalRef;
using detail::PictureMd5;
using detail::ProvenanceChain;

std::string At(int64_t picture) {
  return "picture " + std::to_string(picture) + ": ";
}

bool StartsWithStartCode(const uint8_t* p, int size) {
  return (size >= 3 && p[0] == 0 && p[1] == 0 && p[2] == 1) ||
         (size >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 1);
}

// NAL length size from hvcC (configurationVersion 1; lengthSizeMinusOne in byte 21), 0 for Annex-B, -1 unknown.
int LengthSizeFromExtradata(const AVCodecParameters* par) {
  if (par->extradata_size >= 23 && par->extradata[0] == 1) return (par->extradata[21] & 3) + 1;
  if (StartsWithStartCode(par->extradata, par->extradata_size)) return 0;
  return -1;
}

// HEVC D.3.19: MD5 over each plane's samples row by row; 1 byte per sample at 8 bits, 2 (little-endian) above.
PictureMd5 FrameMd5(const AVFrame* f) {
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(f->format));
  if (!desc || desc->nb_components < 3 || (desc->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL)) ||
      (desc->comp[0].depth > 8 && (desc->flags & AV_PIX_FMT_FLAG_BE)))
    throw CodecError(std::string("cannot hash decoded pictures of pixel format ") + (desc ? desc->name : "unknown"));
  const int bytes = desc->comp[0].depth > 8 ? 2 : 1;
  PictureMd5 out{};
  detail::Md5 md5;
  for (int c = 0; c < 3; ++c) {
    const int w = c == 0 ? f->width : AV_CEIL_RSHIFT(f->width, desc->log2_chroma_w);
    const int h = c == 0 ? f->height : AV_CEIL_RSHIFT(f->height, desc->log2_chroma_h);
    const int plane = desc->comp[c].plane;
    for (int y = 0; y < h; ++y)
      md5.Update(f->data[plane] + static_cast<ptrdiff_t>(y) * f->linesize[plane], static_cast<size_t>(w) * bytes);
    const auto d = md5.Final();
    std::copy(d.begin(), d.end(), out.begin() + 16 * c);
  }
  return out;
}

struct Scanner {
  ProvenanceScan scan;
  std::vector<std::optional<PictureMd5>> hashes;  // per picture, for the decode comparison
  std::vector<bool> decoded;
  int64_t finalAt = -1;
  int64_t finalPicturesBefore = -1;

  void Problem(int64_t picture, const std::string& what) { scan.problems.push_back(At(picture) + what); }

  void AccessUnit(const uint8_t* data, size_t size, int lengthSize) {
    const int64_t i = scan.pictures++;
    std::vector<NalRef> nals;
    try {
      nals = lengthSize > 0 ? detail::SplitLengthPrefixed(data, size, lengthSize) : detail::SplitAnnexB(data, size);
    } catch (const CodecError& e) {
      Problem(i, e.what());
    }
    bool irap = false;
    std::optional<PictureMd5> hash;
    std::vector<ProvenanceMessage> messages;
    for (const NalRef& n : nals) {
      if (n.size < 2) continue;
      const int type = detail::NalType(data + n.begin);
      irap = irap || detail::IsIrap(type);
      if (type != detail::kNalPrefixSei && type != detail::kNalSuffixSei) continue;
      try {
        detail::SeiNalContents sei = detail::ReadSeiNal(data + n.begin, n.size);
        for (const std::string& e : sei.errors) Problem(i, e);
        if (sei.pictureHash) {
          if (hash) Problem(i, "more than one picture hash SEI");
          hash = sei.pictureHash;
        }
        for (ProvenanceMessage& m : sei.messages) messages.push_back(std::move(m));
      } catch (const CodecError& e) {
        Problem(i, std::string("malformed SEI NAL unit: ") + e.what());
      }
    }
    const ProvenanceChain before = scan.chain;
    hashes.push_back(hash);
    decoded.push_back(false);
    if (hash) {
      ++scan.picturesWithHash;
      scan.chain = detail::ExtendChain(scan.chain, *hash);
    } else {
      Problem(i, "no MD5 picture hash SEI");
    }
    bool keyframeMessage = false;
    for (ProvenanceMessage& m : messages) {
      const size_t k = scan.messages.size();
      const std::string name =
          std::string(m.kind == ProvenanceKind::Final ? "Final" : "Keyframe") + " message " + std::to_string(k);
      // A Keyframe message covers the pictures before its access unit, a Final one covers this one too.
      bool match = false;
      if (m.picturesBefore == i)
        match = m.chain == before;
      else if (m.picturesBefore == i + 1)
        match = m.chain == scan.chain;
      if (!match)
        Problem(i, name + " claims a chain over " + std::to_string(m.picturesBefore) +
                       " pictures that differs from the one recomputed from the picture hashes");
      if (m.kind == ProvenanceKind::Keyframe) {
        keyframeMessage = true;
        if (!irap) Problem(i, name + " is not on a keyframe");
        if (m.picturesBefore != i)
          Problem(i, name + " says " + std::to_string(m.picturesBefore) + " pictures come before it");
      } else {
        if (finalAt >= 0) Problem(i, "second Final message (" + name + ")");
        finalAt = i;
        finalPicturesBefore = m.picturesBefore;
      }
      scan.messages.push_back(std::move(m));
      scan.messageAt.push_back(i);
      scan.chainMatches.push_back(match);
    }
    if (irap && !keyframeMessage) Problem(i, "keyframe without a provenance message");
  }

  void Compare(const AVFrame* f) {
    const int64_t ts = f->pts != AV_NOPTS_VALUE ? f->pts : f->best_effort_timestamp;
    if (ts < 0 || ts >= static_cast<int64_t>(hashes.size())) {
      scan.problems.push_back("decoded a picture that maps to no access unit (timestamp " + std::to_string(ts) + ")");
      return;
    }
    decoded[ts] = true;
    ++scan.picturesDecoded;
    if (!hashes[ts]) return;  // already reported as a picture without hash
    if (FrameMd5(f) != *hashes[ts]) {
      scan.hashMismatches.push_back(ts);
      Problem(ts, "decoded picture differs from its MD5 picture hash");
    }
  }

  void Finish() {
    if (scan.pictures == 0) {
      scan.problems.push_back("no pictures in the video stream");
      return;
    }
    const int64_t last = scan.pictures - 1;
    scan.finalPresent = scan.pictures > 0 && finalAt == last;
    if (finalAt < 0)
      Problem(last, "no Final provenance message");
    else if (finalAt != last)
      Problem(finalAt, "Final message is not on the last picture (" + std::to_string(last) + ")");
    if (finalAt >= 0 && finalPicturesBefore != scan.pictures)
      Problem(finalAt, "Final message covers " + std::to_string(finalPicturesBefore) + " pictures, the stream has " +
                           std::to_string(scan.pictures));
  }
};

}  // namespace

ProvenanceScan ScanProvenance(const std::string& path, bool decode) {
  std::unique_ptr<detail::InputFile> in = detail::OpenInputFile(path);
  AVStream* st = in->video();
  if (st->codecpar->codec_id != AV_CODEC_ID_HEVC)
    throw CodecError(path + " holds " + avcodec_get_name(st->codecpar->codec_id) +
                     ", provenance SEI is only written into HEVC");
  int lengthSize = LengthSizeFromExtradata(st->codecpar);

  std::optional<detail::Decoder> dec;
  if (decode) {
    // Not strict: a damaged picture must be reported by index, not end the scan. Uncropped, as the hash covers the
    // whole decoded picture (pic_width/height_in_luma_samples), not the conformance window.
    dec.emplace(st, path, 0, false);
    dec->context()->apply_cropping = 0;
  }
  Scanner s;
  detail::FramePtr frame = detail::NewFrame();
  auto drain = [&] {
    while (true) {
      try {
        if (!dec->Receive(frame.get())) break;
      } catch (const CodecError& e) {
        s.scan.problems.push_back(e.what());
        continue;
      }
      s.Compare(frame.get());
      av_frame_unref(frame.get());
    }
  };
  detail::PacketPtr pkt = detail::NewPacket();
  int64_t packets = 0;
  while (true) {
    const int ret = av_read_frame(in->fmt.get(), pkt.get());
    if (ret == AVERROR_EOF) break;
    detail::Check(ret, "cannot read " + path);
    if (pkt->stream_index != in->videoIndex) {
      av_packet_unref(pkt.get());
      continue;
    }
    ++packets;
    if (lengthSize < 0) lengthSize = StartsWithStartCode(pkt->data, pkt->size) ? 0 : 4;
    const int64_t index = s.scan.pictures;
    s.AccessUnit(pkt->data, static_cast<size_t>(pkt->size), lengthSize);
    if (dec) {
      // The decoding-order index travels as the timestamp: the decoder hands it back on the frame it produces.
      pkt->pts = index;
      pkt->dts = AV_NOPTS_VALUE;
      // Every picture is hashed, also those an MP4 edit list hides (FFmpeg would drop their frames).
      pkt->flags &= ~AV_PKT_FLAG_DISCARD;
      try {
        dec->Send(pkt.get());
      } catch (const CodecError& e) {
        s.Problem(index, e.what());
      }
      drain();
    }
    av_packet_unref(pkt.get());
  }
  if (dec) {
    dec->Send(nullptr);
    drain();
    for (int64_t i = 0; i < s.scan.pictures; ++i)
      if (!s.decoded[i] && s.hashes[i]) {
        s.scan.hashMismatches.push_back(i);
        s.Problem(i, "picture was not decoded");
      }
    std::sort(s.scan.hashMismatches.begin(), s.scan.hashMismatches.end());
  }
  try {
    detail::CheckNotTruncated(*in, packets);
  } catch (const CodecError& e) {
    s.scan.problems.push_back(e.what());
  }
  s.Finish();
  return std::move(s.scan);
}

}  // namespace va::codec
