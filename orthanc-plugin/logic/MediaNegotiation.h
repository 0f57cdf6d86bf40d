// Which version of a stored video to deliver (the original bitstream or the H.264 rendition browsers can play) and
// under which media type, from a query parameter and the Accept header (PS3.18 Table 8.7.3-5 media types,
// RFC 6381 codecs parameters, the DICOMweb transfer-syntax parameter).
#pragma once

#include <stdexcept>
#include <string>

namespace va::plugin {

enum class Rendition { Original, H264 };

struct MediaChoice {
  Rendition rendition = Rendition::Original;
  std::string contentType;  // "video/mp4", "video/mpeg", "video/H265", "video/mp2t"
};

// The client asked for something we cannot give: answer status() (400 bad parameter, 406 nothing acceptable).
class NegotiationError : public std::runtime_error {
 public:
  NegotiationError(int status, const std::string& reason) : std::runtime_error(reason), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// storedCodec: FFmpeg codec name of the stored video ("h264", "hevc", "mpeg2video"); storedContainer: "mp4" or
// "mpegts" or "mpeg" (program stream). renditionParam: "" or "auto" (negotiate), "original", "h264".
// Auto: an H.264 original is delivered as is; an HEVC or MPEG-2 original only when the Accept header names it
// explicitly (video/H265, video/mpeg, or video/mp4 with codecs hvc1/hev1 or an HEVC transfer-syntax); otherwise the
// H.264 rendition, because a browser's "*/*" does not mean it can decode HEVC (Chromium without hardware cannot).
MediaChoice ChooseMedia(const std::string& storedCodec, const std::string& storedContainer,
                        const std::string& renditionParam, const std::string& acceptHeader);

// The transfer-syntax parameter of the first acceptable media range that names one ("" when none does), e.g. of
// `multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.102` in a WADO-RS retrieve.
// NegotiationError 400 for an Accept header over 8192 bytes.
std::string RequestedTransferSyntax(const std::string& acceptHeader);

}  // namespace va::plugin
