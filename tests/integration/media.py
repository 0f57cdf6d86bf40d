"""Test inputs built from the real clips, and inspection of what the server made, with real tools."""
import json
import os
import re
import struct
import subprocess

import pydicom

from orthanc_server import TESTDATA, TOOLS

CLIPS = os.path.join(TESTDATA, "clips")
DICOM_VIDEO = os.path.join(TESTDATA, "dicom-video")
NEURO_H264 = os.path.join(CLIPS, "weasis_neurosurgery_h264_720p.mp4")
NEURO_MPEG2 = os.path.join(CLIPS, "weasis_neurosurgery_mpeg2_ps_480p.mpg")
LAPARO_H264 = os.path.join(CLIPS, "rvimlab_laparoscopy_h264_720p.mp4")
ROBOT_MASK = os.path.join(CLIPS, "endovis2017_d1_segmask_h264_1264x1010_2fps.mp4")


def run(cmd, **kw):
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        raise AssertionError(f"{cmd} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def dicomize(src, out, *extra):
    """Wraps an encoded clip into a DICOM video instance with our own dicom/ wrapper (no re-encode)."""
    run([os.path.join(TOOLS, "va-dicomize"), src, out, *extra])
    return out


def make_hevc_clip(out, seconds=2):
    """An HEVC Main MP4 made by ffmpeg from the laparoscopy clip: the 'already HEVC' input."""
    run(["ffmpeg", "-v", "error", "-y", "-i", LAPARO_H264, "-t", str(seconds), "-c:v", "libx265", "-preset",
         "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1", "-an", "-movflags", "+faststart", out])
    return out


def dcmdump(path):
    """Attribute values as dcmdump prints them, keyed by tag 'gggg,eeee' (top level and sequences flattened)."""
    out = run(["dcmdump", "-q", "-Un", "+L", "-M", path])
    values = {}
    for line in out.splitlines():
        m = re.match(r"\s*\(([0-9a-f]{4},[0-9a-f]{4})\)\s+(\w\w)\s+(.*?)\s+#", line)
        if not m:
            continue
        tag, value = m.group(1), m.group(3)
        if value.startswith("["):
            value = value[1:value.rfind("]")]
        values.setdefault(tag, value)
    return values


def encapsulated_items(pixel_data):
    """The items of an encapsulated Pixel Data value: [Basic Offset Table, fragment, ...] (PS3.5 A.4)."""
    items, offset = [], 0
    while offset + 8 <= len(pixel_data):
        group, element, length = struct.unpack("<HHI", pixel_data[offset:offset + 8])
        if (group, element) == (0xFFFE, 0xE0DD):
            break
        if (group, element) != (0xFFFE, 0xE000):
            raise AssertionError(f"unexpected tag ({group:04x},{element:04x}) at {offset} in Pixel Data")
        items.append(pixel_data[offset + 8:offset + 8 + length])
        offset += 8 + length
    return items


def extract_bitstream(dicom_path, out):
    """Concatenates the encapsulated Pixel Data fragments with pydicom (an independent reader)."""
    ds = pydicom.dcmread(dicom_path)
    with open(out, "wb") as f:
        for fragment in encapsulated_items(ds.PixelData)[1:]:
            f.write(fragment)
    return out


def ffprobe(path):
    out = run(["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json", path])
    return json.loads(out)


def video_stream(probe):
    return next(s for s in probe["streams"] if s["codec_type"] == "video")


def mp4_top_level_boxes(path):
    boxes = []
    with open(path, "rb") as f:
        data = f.read()
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8:offset + 16])[0]
        boxes.append(kind.decode("latin1"))
        if size < 8:
            break
        offset += size
    return boxes
