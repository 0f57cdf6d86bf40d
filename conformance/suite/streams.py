"""One real encoded stream per DICOM video transfer syntax, made with ffmpeg from the real clips, wrapped into a
DICOM instance by the project's wrapper (va-dicomize, which refuses a stream that does not fit its syntax)."""
import os
import subprocess
from dataclasses import dataclass

from orthanc_server import TESTDATA, TOOLS

CLIPS = os.path.join(TESTDATA, "clips")
NEURO_H264 = os.path.join(CLIPS, "weasis_neurosurgery_h264_720p.mp4")
NEURO_MPEG2 = os.path.join(CLIPS, "weasis_neurosurgery_mpeg2_ps_480p.mpg")
LAPARO_H264 = os.path.join(CLIPS, "rvimlab_laparoscopy_h264_720p.mp4")
ROBOT_H264 = os.path.join(CLIPS, "endovis2017_d1_h264_1264x1010_2fps.mp4")

SECONDS = "2"
HD = "scale=1920:1080:flags=bicubic"
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p"]
X265 = ["-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1"]


@dataclass
class Stream:
    ts: str            # the transfer syntax the instance is written in
    name: str          # what it is, for the results table
    source: str        # the real clip it is made from
    storescu_flag: str  # storescu's option proposing exactly this syntax
    ffmpeg: list       # ffmpeg arguments after the input (None: the clip is used as it is)
    wrap: list         # extra va-dicomize arguments


STREAMS = [
    Stream("1.2.840.10008.1.2.4.100", "MPEG-2 MP@ML, 720x480 program stream (the clip as recorded)", NEURO_MPEG2,
           "-xm", None, []),
    Stream("1.2.840.10008.1.2.4.101", "MPEG-2 MP@HL, 1920x1080 25p", LAPARO_H264, "-xh",
           ["-vf", HD, "-r", "25", "-c:v", "mpeg2video", "-b:v", "20M", "-maxrate", "40M", "-bufsize", "9781248",
            "-g", "12", "-bf", "2", "-an", "-f", "mpeg"], []),
    Stream("1.2.840.10008.1.2.4.102", "H.264 High Profile / Level 4.1, 1280x720 (the clip as recorded)", NEURO_H264,
           "-xn", None, []),
    Stream("1.2.840.10008.1.2.4.103", "H.264 BD-compatible High Profile / Level 4.1, 1920x1080 24p", LAPARO_H264,
           "-xl", ["-vf", HD, "-r", "24", *X264, "-level:v", "4.1", "-x264-params",
                   "bluray-compat=1:vbv-maxrate=40000:vbv-bufsize=30000:keyint=24:slices=4:open-gop=0",
                   "-an"], ["--ts", "1.2.840.10008.1.2.4.103"]),
    Stream("1.2.840.10008.1.2.4.104", "H.264 High Profile / Level 4.2 for 2D video, 1920x1080 50p", LAPARO_H264,
           "-x2", ["-vf", HD, "-r", "50", *X264, "-level:v", "4.2", "-an"], ["--ts", "1.2.840.10008.1.2.4.104"]),
    Stream("1.2.840.10008.1.2.4.105", "H.264 High Profile / Level 4.2 for 3D video, side-by-side frame packing",
           LAPARO_H264, "-x3",
           ["-filter_complex", "[0:v]scale=960:1080[l];[0:v]scale=960:1080,hflip[r];[l][r]hstack", "-r", "25",
            *X264, "-level:v", "4.2", "-x264-params", "frame-packing=3", "-an"],
           ["--ts", "1.2.840.10008.1.2.4.105"]),
    Stream("1.2.840.10008.1.2.4.107", "HEVC Main / Level 5.1, 1920x1080 25p", LAPARO_H264, "-x4",
           ["-vf", HD, "-r", "25", *X265, "-pix_fmt", "yuv420p", "-x265-params", "log-level=error", "-an"], []),
    Stream("1.2.840.10008.1.2.4.108", "HEVC Main 10 / Level 5.1, 1920x1080 25p 10-bit", ROBOT_H264, "-x5",
           ["-vf", HD, "-r", "25", *X265, "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=error", "-an"], []),
]

# H.264 Stereo High (1.2.840.10008.1.2.4.106) carries MVC; no encoder in Debian writes MVC, so no real stream of
# that syntax can be made here (the suite checks the association and the refusal of a mislabelled stream instead).
STEREO_HIGH = "1.2.840.10008.1.2.4.106"


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}): {result.stderr[-2000:]}")
    return result.stdout


def make_instance(stream, workdir, index, study_uid, patient_id):
    """Encodes (if needed) and wraps one stream; returns the DICOM file's path."""
    encoded = stream.source
    if stream.ffmpeg is not None:
        ext = ".mpg" if "mpeg" in stream.ffmpeg else ".mp4"
        encoded = os.path.join(workdir, f"stream{index}{ext}")
        run(["ffmpeg", "-v", "error", "-y", "-t", SECONDS, "-i", stream.source, *stream.ffmpeg, encoded])
    out = os.path.join(workdir, f"ts{index}.dcm")
    run([os.path.join(TOOLS, "va-dicomize"), encoded, out, *stream.wrap, "--study-uid", study_uid,
          "--series-uid", f"{study_uid}.{index + 1}", "--sop-uid", f"{study_uid}.{index + 1}.1",
          "--patient-id", patient_id, "--patient-name", "CONFORMANCE^SUITE", "--instance-number", "1",
          "--study-description", "Conformance suite"])
    return out
