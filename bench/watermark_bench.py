#!/usr/bin/env python3
"""Watermark benchmark: what the keyed archive-ID mark costs and how well it survives, per clip.

Per clip (first FRAMES frames): the mark's own PSNR (marked raw vs source raw), PSNR and SSIM of the marked archival
encode (x265 CRF 22 preset fast) against the unmarked one, the raw bit error rate of the coded bits (per carrier and
frame, before any error correction) and per coded bit after summing, for each attack, whether the exact ID came back;
embed fps against a plain `ffmpeg -f rawvideo` pass-through of the same frames, detect fps against a plain ffmpeg
decode of the same file, and the peak RSS of both (/usr/bin/time -v).
Environment: VA_BUILD_DIR [build]  VA_TESTDATA [/work/shared/testdata]  FRAMES [250]  STRENGTH [built-in]
             CLIPS [the three of the robustness test, comma-separated]  WORK [/tmp/va-bench-watermark]
"""
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import test_watermark_robustness as wm  # noqa: E402

sys.path.insert(0, HERE)
import benchjson  # noqa: E402

FRAMES = int(os.environ.get("FRAMES", "250"))
STRENGTH = float(os.environ["STRENGTH"]) if os.environ.get("STRENGTH") else None
CLIPS = os.environ["CLIPS"].split(",") if os.environ.get("CLIPS") else wm.CLIPS
WORK = os.environ.get("WORK", "/tmp/va-bench-watermark")


def timed(cmd, stdin=None, stdout=subprocess.DEVNULL):
    """(seconds, peak RSS in MiB, stderr) of a command run under /usr/bin/time -v."""
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True)
    sec = time.perf_counter() - start
    if p.returncode not in (0, 1):
        raise RuntimeError(f"{cmd[0]} failed: {p.stderr[-1500:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return sec, int(rss.group(1)) / 1024 if rss else float("nan"), p.stderr


def frames_in(raw, size):
    return os.path.getsize(raw) // (size[0] * size[1] * 3 // 2)


FIGURES, MEMORIES, BER_ROWS, COST_ROWS = [], [], [], []


def bench_clip(name):
    clip = os.path.join(wm.TESTDATA, "clips", name)
    base = os.path.join(WORK, os.path.splitext(name)[0])
    src_raw, marked_raw = base + ".yuv", base + "-marked.yuv"
    marked, unmarked = base + "-marked.mp4", base + "-unmarked.mp4"
    w, h, rate = wm.extract_raw(clip, src_raw, FRAMES)
    size, raw = (w, h), ((w, h), rate)
    n = frames_in(src_raw, size)
    mark = [wm.TOOL, "embed-raw", "--width", str(w), "--height", str(h), "--key-hex", wm.KEY, "--id",
            str(wm.ARCHIVE_ID)] + (["--strength", str(STRENGTH)] if STRENGTH else [])
    with open(src_raw, "rb") as src, open(marked_raw, "wb") as dst:
        embed_sec, embed_rss, _ = timed(mark, stdin=src, stdout=dst)
    with open(src_raw, "rb") as src:
        pass_sec, pass_rss, _ = timed(["ffmpeg", "-nostdin", "-v", "error", *wm.raw_input(size, rate), "-i", "-", "-vf",
                                       "null", "-f", "rawvideo", "-"], stdin=src)
    wm.archival_encode(marked_raw, size, rate, marked)
    wm.archival_encode(src_raw, size, rate, unmarked)
    mark_psnr = wm.quality(marked_raw, src_raw, raw, raw)[0]
    enc_psnr, enc_ssim = wm.quality(marked, unmarked)
    unmarked_vs_src = wm.quality(unmarked, src_raw, None, raw)[0]
    strength = ["--strength", str(STRENGTH)] if STRENGTH else []
    detect = [wm.TOOL, "detect", "--key-hex", wm.KEY, "--expect-id", str(wm.ARCHIVE_ID), *strength, marked]
    det_sec, det_rss, _ = timed(detect)
    dec_sec, _, _ = timed(["ffmpeg", "-nostdin", "-v", "error", "-threads", "2", "-t", "10", "-i", marked, "-f", "null",
                           "-"])
    print(f"\n== {name}: {w}x{h}, {n} frames")
    print(f"  cost: mark PSNR-Y {mark_psnr:.2f} dB (marked vs source frames); marked vs unmarked encode PSNR-Y "
          f"{enc_psnr:.2f} dB, SSIM-Y {enc_ssim:.4f}; unmarked encode vs source {unmarked_vs_src:.2f} dB")
    print(f"  embed: {n / embed_sec:.1f} fps (peak RSS {embed_rss:.0f} MiB); ffmpeg raw pass-through "
          f"{n / pass_sec:.1f} fps; ratio {pass_sec / embed_sec:.2f}")
    det = wm.detect(marked, expect=wm.ARCHIVE_ID, strength=STRENGTH)
    print(f"  detect: {det['framesUsed'] / det_sec:.1f} fps (peak RSS {det_rss:.0f} MiB); ffmpeg decode "
          f"{det['framesUsed'] / dec_sec:.1f} fps; ratio {dec_sec / det_sec:.2f}")
    label = f"{os.path.splitext(name)[0]} ({w}x{h}, {n} frames)"
    FIGURES.append(benchjson.figure(f"{label}: embed fps / ffmpeg raw pass-through fps", n / embed_sec, n / pass_sec,
                                    "fps", True))
    FIGURES.append(benchjson.figure(f"{label}: detect fps / ffmpeg decode fps", det["framesUsed"] / det_sec,
                                    det["framesUsed"] / dec_sec, "fps", True))
    FIGURES.append(benchjson.figure(f"{label}: PSNR-Y of the marked frames against the source frames (the mark)",
                                    mark_psnr, None, "dB", True, goal=">= 45", goal_of="ours"))
    FIGURES.append(benchjson.figure(f"{label}: PSNR-Y of the marked encode against the unmarked encode (x265 CRF 22)",
                                    enc_psnr, unmarked_vs_src, "dB", True, goal=">= 45", goal_of="ours",
                                    anchor_is="the unmarked encode against the source"))
    MEMORIES.append(benchjson.memory(f"{label}: embed (va-watermark embed-raw)", embed_rss, pass_rss))
    MEMORIES.append(benchjson.memory(f"{label}: detect (va-watermark detect)", det_rss))
    COST_ROWS.append([label, f"{mark_psnr:.2f}", f"{enc_psnr:.2f}", f"{enc_ssim:.4f}", f"{unmarked_vs_src:.2f}"])
    print(f"  {'attack':<18}{'found':>6}{'id ok':>7}{'raw BER':>9}{'coded BER':>11}{'agree':>9}{'log2 FP':>9}")
    rows = [("archival x265 22", marked)]
    for attack_name, options in wm.ATTACKS.items():
        out = f"{base}-{attack_name}.mp4"
        wm.attack(marked, out, options)
        rows.append((attack_name, out))
    for attack_name, path in rows:
        r = wm.detect(path, expect=wm.ARCHIVE_ID, strength=STRENGTH)
        ok = r["found"] and int(r["archiveId"]) == wm.ARCHIVE_ID
        print(f"  {attack_name:<18}{str(r['found']):>6}{str(ok):>7}{r['rawBitErrorRate']:>9.3f}"
              f"{r['codedBitErrorRate']:>11.3f}{r['codedBitsAgreeing']:>5}/{r['codedBitsSeen']:<3}"
              f"{r['falsePositiveLog2']:>9.0f}")
        BER_ROWS.append([label, attack_name, str(ok), f"{r['rawBitErrorRate']:.3f}",
                         f"{r['codedBitErrorRate']:.3f}", f"{r['codedBitsAgreeing']}/{r['codedBitsSeen']}",
                         f"{r['falsePositiveLog2']:.0f}"])
    r = wm.detect(unmarked, strength=STRENGTH)
    print(f"  unmarked encode: found={r['found']} meanAbsSoft={r['meanAbsSoft']:.3f} ({r['reason']})")
    BER_ROWS.append([label, "unmarked encode (false positive?)", str(not r["found"]), "", "", "",
                     f"{r['falsePositiveLog2']:.0f}"])
    for f in (src_raw, marked_raw):
        os.remove(f)


def main():
    if not os.access(wm.TOOL, os.X_OK):
        sys.exit(f"no {wm.TOOL}: build va-watermark first (VA_BUILD_DIR)")
    os.makedirs(WORK, exist_ok=True)
    print(f"watermark benchmark: {FRAMES} frames max per clip, strength {STRENGTH or 'default'}")
    try:
        for name in CLIPS:
            bench_clip(name)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    if os.environ.get("BENCH_JSON"):
        params = {"FRAMES": FRAMES}
        if STRENGTH:
            params["STRENGTH"] = STRENGTH
        benchjson.save(os.environ["BENCH_JSON"], benchjson.document(
            "watermark", "Watermark: cost of the mark, robustness per attack, embed and detect speed",
            "bench/watermark.sh", params, FIGURES, MEMORIES,
            [benchjson.table("Cost of the mark (PSNR-Y dB, SSIM-Y)",
                             ["clip", "marked vs source frames", "marked vs unmarked encode", "SSIM-Y of the same",
                              "unmarked encode vs source"], COST_ROWS),
             benchjson.table("Robustness: raw bit error rate per attack (hard decisions per carrier and frame, "
                             "before summing and error correction), coded BER after summing, exact ID back",
                             ["clip", "attack", "exact ID (or no false find)", "raw BER", "coded BER",
                              "coded bits agreeing", "log2 false-positive bound"], BER_ROWS)],
            ["The issue's target 'PSNR of the marked against the unmarked encode >= 45 dB' is not met: x265 codes any "
             "changed input with different coding noise over the whole picture, so two encodes of inputs that differ "
             "by about one luma level already differ by 42.6-44.8 dB (measured by the watermark helper at strength "
             "3, docs/watermark.md). The mark's own change (marked frames against the source) is what is >= 45 dB.",
             "Attacks: x265 CRF 28 and x264 CRF 28 (preset veryfast), half resolution, half resolution + x264 CRF 28; "
             "detection reads at most 10 s."]))


if __name__ == "__main__":
    main()
