"""Independent tools judging every object and video the server created: dciodvfy (dicom3tools), pydicom and
ffprobe. Each check returns (ok, detail)."""
import os
import subprocess

import pydicom
from pydicom.encaps import DicomBytesIO, generate_pixel_data_fragment, get_frame_offsets

import dciodvfy_explained

VIDEO_SYNTAXES = {f"1.2.840.10008.1.2.4.{n}" for n in range(100, 109)}


def transfer_syntax_of(path):
    return str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID)


def dciodvfy(path, workdir):
    """dciodvfy's messages, each explained or not; ok when every Error/Warning is explained."""
    ts = transfer_syntax_of(path)
    target, notes = path, []
    if ts in dciodvfy_explained.UNKNOWN_TO_DCIODVFY:
        data = open(path, "rb").read()
        new = dciodvfy_explained.UNKNOWN_TO_DCIODVFY[ts].encode()
        assert len(new) == len(ts)
        target = os.path.join(workdir, os.path.basename(path) + ".dciodvfy.dcm")
        with open(target, "wb") as f:
            f.write(data.replace(ts.encode(), new, 1))  # the first occurrence is the meta header's (0002,0010)
        notes.append(dciodvfy_explained.RELABEL_NOTE)
    result = subprocess.run(["dciodvfy", target], capture_output=True, text=True, timeout=120)
    messages = []
    for line in (result.stdout + result.stderr).splitlines():
        line = line.strip()
        if not line.startswith(("Error", "Warning")):
            continue  # the IOD name dciodvfy recognised
        messages.append((line, dciodvfy_explained.explain(line, ts)))
    unexplained = [m for m, why in messages if why is None]
    iod = next((l.strip() for l in (result.stdout + result.stderr).splitlines()
                if l.strip() and not l.startswith(("Error", "Warning"))), "?")
    errors = sum(1 for m, _ in messages if m.startswith("Error"))
    warnings = len(messages) - errors
    detail = f"IOD {iod}: {errors} error(s), {warnings} warning(s), {len(unexplained)} unexplained"
    if unexplained:
        detail += ": " + " | ".join(unexplained)
    return not unexplained, detail, messages, notes


def pydicom_read(path, bitstream_out):
    """pydicom reads the whole object and walks the encapsulated Pixel Data (PS3.5 A.4): Basic Offset Table,
    fragments, sequence delimiter; the concatenated fragments are written out for ffprobe."""
    ds = pydicom.dcmread(path)
    ts = str(ds.file_meta.TransferSyntaxUID)
    sop = str(ds.SOPClassUID)
    frames = int(ds.get("NumberOfFrames", 1))
    if ts not in VIDEO_SYNTAXES:
        return True, f"{ds.SOPClassUID.name}, {ts}, {frames} frame(s), native or image syntax", None
    if not ds["PixelData"].is_undefined_length:
        return False, "video Pixel Data is not encapsulated (undefined length)", None
    fp = DicomBytesIO(ds.PixelData)
    fp.is_little_endian = True
    has_bot, offsets = get_frame_offsets(fp)
    fragments = list(generate_pixel_data_fragment(fp))
    size = sum(len(f) for f in fragments)
    with open(bitstream_out, "wb") as f:
        for fragment in fragments:
            f.write(fragment)
    problems = []
    if has_bot and offsets not in ([], [0]):
        problems.append(f"Basic Offset Table has {len(offsets)} entries (video: empty or one)")
    if not fragments or size == 0:
        problems.append("no fragment")
    for attr in ("Rows", "Columns", "FrameTime", "NumberOfFrames", "BitsAllocated", "PhotometricInterpretation"):
        if attr not in ds:
            problems.append(f"{attr} missing")
    detail = (f"{pydicom.uid.UID(sop).name}, {pydicom.uid.UID(ts).name}, {ds.Columns}x{ds.Rows}, {frames} frames, "
              f"{len(fragments)} fragment(s), {size} bytes of bitstream")
    if problems:
        detail += "; " + "; ".join(problems)
    return not problems, detail, bitstream_out


def ffprobe_decode(path, expected_frames=None):
    """ffprobe decodes every frame with -err_detect explode (any bitstream error is fatal) and counts them."""
    cmd = ["ffprobe", "-v", "error", "-err_detect", "explode", "-count_frames", "-select_streams", "v:0",
           "-show_entries", "stream=codec_name,profile,width,height,pix_fmt,nb_read_frames", "-of", "csv=p=0", path]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    out = result.stdout.strip()
    if result.returncode != 0 or result.stderr.strip() or not out:
        return False, f"ffprobe exit {result.returncode}: {(result.stderr or out)[-400:]}"
    fields = out.splitlines()[-1].split(",")  # an HLS playlist lists its stream once per program
    frames = fields[-1]
    ok = frames.isdigit() and int(frames) > 0
    if ok and expected_frames is not None and int(frames) != int(expected_frames):
        return False, f"{out}: decoded {frames} frames, the header says {expected_frames}"
    return ok, f"{' '.join(fields[:-1])}, {frames} frames decoded without error"
