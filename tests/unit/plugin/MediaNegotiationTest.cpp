#include <gtest/gtest.h>

#include "MediaNegotiation.h"

using va::plugin::ChooseMedia;
using va::plugin::NegotiationError;
using va::plugin::Rendition;

namespace {
int StatusOf(const std::string& codec, const std::string& param, const std::string& accept) {
  try {
    ChooseMedia(codec, "mp4", param, accept);
  } catch (const NegotiationError& e) {
    return e.status();
  }
  return 0;
}
}  // namespace

TEST(MediaNegotiation, BrowserWildcardGetsH264ForHevcAndOriginalForH264) {
  EXPECT_EQ(ChooseMedia("hevc", "mp4", "", "*/*").rendition, Rendition::H264);
  EXPECT_EQ(ChooseMedia("hevc", "mp4", "", "").rendition, Rendition::H264);
  EXPECT_EQ(ChooseMedia("mpeg2video", "mpeg", "auto", "video/*").rendition, Rendition::H264);
  auto c = ChooseMedia("h264", "mp4", "", "*/*");
  EXPECT_EQ(c.rendition, Rendition::Original);
  EXPECT_EQ(c.contentType, "video/mp4");
}

TEST(MediaNegotiation, ExplicitHevcAcceptGetsOriginal) {
  auto c = ChooseMedia("hevc", "mp4", "", "video/mp4; codecs=\"hvc1.1.6.L153.B0, mp4a.40.2\", */*;q=0.1");
  EXPECT_EQ(c.rendition, Rendition::Original);
  c = ChooseMedia("hevc", "mp4", "", "video/H265");
  EXPECT_EQ(c.rendition, Rendition::Original);
  EXPECT_EQ(c.contentType, "video/H265");
  c = ChooseMedia("hevc", "mp4", "", "video/mp4; transfer-syntax=1.2.840.10008.1.2.4.107");
  EXPECT_EQ(c.rendition, Rendition::Original);
  c = ChooseMedia("mpeg2video", "mpeg", "", "video/mpeg");
  EXPECT_EQ(c.rendition, Rendition::Original);
  EXPECT_EQ(c.contentType, "video/mpeg");
}

TEST(MediaNegotiation, H264TransferSyntaxOrCodecAsksForRendition) {
  EXPECT_EQ(ChooseMedia("hevc", "mp4", "", "video/mp4; transfer-syntax=1.2.840.10008.1.2.4.102").rendition,
            Rendition::H264);
  EXPECT_EQ(ChooseMedia("hevc", "mp4", "", "video/mp4; codecs=avc1.640028").rendition, Rendition::H264);
}

TEST(MediaNegotiation, ParameterOverrides) {
  EXPECT_EQ(ChooseMedia("hevc", "mp4", "original", "*/*").rendition, Rendition::Original);
  EXPECT_EQ(ChooseMedia("hevc", "mp4", "h264", "*/*").rendition, Rendition::H264);
  EXPECT_EQ(ChooseMedia("h264", "mp4", "h264", "*/*").rendition, Rendition::Original);
  EXPECT_EQ(StatusOf("hevc", "vp9", "*/*"), 400);
}

TEST(MediaNegotiation, NothingAcceptableIs406) {
  EXPECT_EQ(StatusOf("hevc", "", "image/jpeg"), 406);
  EXPECT_EQ(StatusOf("hevc", "original", "video/mp4; codecs=avc1.640028"), 406);
  EXPECT_EQ(StatusOf("hevc", "", "video/mp4;q=0"), 406);
  EXPECT_EQ(StatusOf("h264", "", "video/H265"), 406);
  EXPECT_EQ(StatusOf("hevc", "", std::string(9000, 'a')), 400);
}

TEST(MediaNegotiation, RequestedTransferSyntaxOfAWadoRetrieve) {
  using va::plugin::RequestedTransferSyntax;
  EXPECT_EQ(
      RequestedTransferSyntax("multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.4.102"),
      "1.2.840.10008.1.2.4.102");
  EXPECT_EQ(RequestedTransferSyntax("multipart/related; type=\"application/dicom\"; transfer-syntax=*"), "*");
  EXPECT_EQ(RequestedTransferSyntax("multipart/related; type=\"application/dicom\""), "");
  EXPECT_EQ(RequestedTransferSyntax("multipart/related; transfer-syntax=1.2.3;q=0, */*"), "");
  EXPECT_THROW(RequestedTransferSyntax(std::string(9000, 'a')), NegotiationError);
}
