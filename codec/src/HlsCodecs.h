// RFC 6381 codec strings for the CODECS attribute of an HLS playlist, read from a stream's parameters: the
// decoder configuration record of MP4 ('avcC', 'hvcC', the AAC AudioSpecificConfig) or the in-band sequence
// parameter set of an Annex B stream, else FFmpeg's profile and level.
#pragma once

#include <string>

extern "C" {
#include <libavcodec/codec_par.h>
}

namespace va::codec::detail {

// "avc1.640028", "hvc1.1.6.L93.B0"; empty when the codec is neither H.264 nor HEVC or nothing is known.
std::string VideoCodecString(const AVCodecParameters* par);
// "mp4a.40.2", "mp4a.40.34" (MP3), "ac-3", "ec-3"; empty for other codecs.
std::string AudioCodecString(const AVCodecParameters* par);

}  // namespace va::codec::detail
