"""Delivery benchmark: seeking into a 2-hour recording, streamed read throughput, memory with concurrent streams.

The recording: MINUTES (120) of 1280x720 video at MBPS (6) Mbit/s H.264, stored as SEGMENT (20)-minute instances of
one series (as recorder uploads are). Run by bench/delivery.sh inside a private network namespace.

Printed, each against an anchor measured in the same run:
- time to first byte of a seek (a Range request at a random offset: what a <video> element does), ours against
  nginx serving the same MP4 file from disk; and of an HLS seek (the segment at a random time, remuxed on request);
- streamed read throughput (a whole instance read as consecutive 8 MiB ranges, as players do) against a raw read of
  the same bytes from the file (dd, 8 MiB reads) and against nginx serving that file the same way;
- Orthanc's peak RSS while STREAMS (20) clients read different instances concurrently, above its idle RSS.
With BENCH_JSON set, the figures are also written there for bench/report.py (bench/benchjson.py).
"""
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from orthanc_server import OrthancServer  # noqa: E402
import benchjson  # noqa: E402

MINUTES = int(os.environ.get("MINUTES", "120"))
SEGMENT = int(os.environ.get("SEGMENT", "20"))
MBPS = float(os.environ.get("MBPS", "6"))
STREAMS = int(os.environ.get("STREAMS", "20"))
SEEKS = int(os.environ.get("SEEKS", "50"))
WORK = os.environ.get("WORK", "/tmp/va-bench-delivery")
TOOLS = os.path.join(os.environ.get("VA_BUILD_DIR", os.path.join(HERE, "..", "build")), "tools")
PIECE = 8 << 20


def run(cmd):
    subprocess.run(cmd, check=True)


def make_recording():
    os.makedirs(WORK, exist_ok=True)
    clip = os.path.join(WORK, f"segment-{SEGMENT}min-{MBPS}M.mp4")
    if not os.path.exists(clip):
        print(f"encoding a {SEGMENT}-minute 720p clip at {MBPS} Mbit/s (once)...", flush=True)
        run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
             f"testsrc2=size=1280x720:rate=25:duration={SEGMENT * 60}", "-c:v", "libx264", "-preset", "ultrafast",
             "-b:v", f"{MBPS}M", "-maxrate", f"{MBPS}M", "-bufsize", f"{2 * MBPS}M", "-g", "50",
             "-pix_fmt", "yuv420p", "-movflags", "+faststart", clip + ".tmp.mp4"])
        os.rename(clip + ".tmp.mp4", clip)
    files = []
    for i in range(MINUTES // SEGMENT):
        dcm = os.path.join(WORK, f"part{i + 1}-{SEGMENT}min-{MBPS}M.dcm")
        if not os.path.exists(dcm):
            run([os.path.join(TOOLS, "va-dicomize"), clip, dcm, "--study-uid", "1.2.826.0.1.3680043.8.498.88001",
                 "--series-uid", "1.2.826.0.1.3680043.8.498.88001.1", "--sop-uid",
                 f"1.2.826.0.1.3680043.8.498.88001.1.{i + 1}", "--instance-number", str(i + 1)])
        files.append(dcm)
    return clip, files


def rss_kb(pid, field="VmRSS"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def ttfb(url, first):
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-r", f"{first}-{first + 65535}", "-w",
                          "%{http_code} %{time_starttransfer}", url], capture_output=True, text=True, check=True)
    code, t = out.stdout.split()
    assert code == "206", (url, code)
    return float(t)


def read_all(url, size):
    """Consecutive 8 MiB ranges over one keep-alive connection, as a player reads: returns seconds."""
    start = time.perf_counter()
    ranges = [f"{o}-{min(o + PIECE, size) - 1}" for o in range(0, size, PIECE)]
    # One curl, one URL per range (--next gives each its own -r): curl reuses the connection.
    cmd = ["curl", "-s", "--fail"]
    for k, r in enumerate(ranges):
        cmd += (["--next"] if k else []) + ["-s", "--fail", "-r", r, "-o", "/dev/null", url]
    subprocess.run(cmd, check=True)
    return time.perf_counter() - start


def main():
    clip, files = make_recording()
    size_clip = os.path.getsize(clip)
    server = OrthancServer({"AutoArchive": False}, name="bench-delivery").start()
    nginx = None
    try:
        ids = []
        for f in files:
            ids.append(server.post("/instances", open(f, "rb").read())["ID"])
        series = server.get(f"/instances/{ids[0]}/series")["ID"]
        base = "http://127.0.0.1:8042"
        # The anchor server: nginx serving the same MP4 file (Range, sendfile) on the same loopback.
        conf = os.path.join(WORK, "nginx.conf")
        with open(conf, "w") as c:
            c.write(f"""daemon off; worker_processes 1; pid {WORK}/nginx.pid; error_log {WORK}/nginx.err;
events {{}} http {{ access_log off; sendfile on; server {{ listen 127.0.0.1:8099; root {WORK}; }} }}""")
        nginx = subprocess.Popen(["nginx", "-c", conf])
        time.sleep(0.5)
        anchor_url = f"http://127.0.0.1:8099/{os.path.basename(clip)}"
        ours = [f"{base}/video-archive/instances/{i}/video.mp4" for i in ids]
        size = int(server.request("GET", f"/video-archive/instances/{ids[0]}/video.mp4", raw=True,
                                  headers={"Range": "bytes=0-0"})[1]["Content-Range"].split("/")[1])
        idle = rss_kb(server.process.pid)

        # Warm both (page cache, our location cache), then seeks at random offsets, alternating.
        ttfb(ours[0], 0), ttfb(anchor_url, 0)
        rnd = random.Random(7)
        t_ours, t_anchor = [], []
        for _ in range(SEEKS):
            inst = rnd.randrange(len(ours))
            off = rnd.randrange(0, size - 65536)
            t_ours.append(ttfb(ours[inst], off))
            t_anchor.append(ttfb(anchor_url, min(off, size_clip - 65536)))
        # HLS: the playlist of the whole recording once, then segments at random times.
        t0 = time.perf_counter()
        playlist = server.get(f"/video-archive/series/{series}/hls.m3u8")
        t_playlist = time.perf_counter() - t0
        segs = [line for line in playlist.splitlines() if line and not line.startswith("#")]
        t_hls = []
        for _ in range(min(SEEKS, 20)):
            seg = rnd.choice(segs)
            out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_starttransfer}",
                                  f"{base}/video-archive/series/{series}/{seg}"], capture_output=True, text=True,
                                 check=True)
            code, t = out.stdout.split()
            assert code == "200", seg
            t_hls.append(float(t))

        # Throughput: one instance, ours vs nginx vs cat, best of 2.
        t_read_ours = min(read_all(ours[0], size) for _ in range(2))
        t_read_nginx = min(read_all(anchor_url, size_clip) for _ in range(2))
        # The raw read: the same file read into memory in 8 MiB pieces (dd; not cat, which coreutils may turn into
        # copy_file_range and never bring the bytes into user space).
        t_cat = []
        for _ in range(2):
            s = time.perf_counter()
            subprocess.run(["dd", f"if={files[0]}", "of=/dev/null", "bs=8M", "status=none"], check=True)
            t_cat.append(time.perf_counter() - s)
        mb = size / 1e6
        thr_ours, thr_nginx = mb / t_read_ours, (size_clip / 1e6) / t_read_nginx
        thr_cat = (os.path.getsize(files[0]) / 1e6) / min(t_cat)

        # Memory: STREAMS concurrent whole-instance readers over the instances.
        peak = [idle]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_kb(server.process.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        readers = [threading.Thread(target=read_all, args=(ours[k % len(ours)], size)) for k in range(STREAMS)]
        s = time.perf_counter()
        for r in readers:
            r.start()
        for r in readers:
            r.join()
        t_concurrent = time.perf_counter() - s
        stop.set()
        sampler.join()

        med = statistics.median
        p95 = lambda xs: sorted(xs)[int(0.95 * (len(xs) - 1))]  # noqa: E731
        result = {
            "recording": f"{MINUTES} min, {len(ids)} instances of {SEGMENT} min, 720p {MBPS} Mbit/s, "
                         f"{size / 1e6:.0f} MB each",
            "seek_ttfb_ms_ours_median": round(med(t_ours) * 1000, 2),
            "seek_ttfb_ms_ours_p95": round(p95(t_ours) * 1000, 2),
            "seek_ttfb_ms_nginx_median": round(med(t_anchor) * 1000, 2),
            "seek_ttfb_ratio_ours_over_nginx": round(med(t_ours) / med(t_anchor), 2),
            "hls_playlist_ms": round(t_playlist * 1000, 1),
            "hls_segment_ttfb_ms_median": round(med(t_hls) * 1000, 1),
            "hls_segment_ttfb_ms_p95": round(p95(t_hls) * 1000, 1),
            "throughput_MBps_ours": round(thr_ours, 1),
            "throughput_MBps_nginx": round(thr_nginx, 1),
            "throughput_MBps_raw_read": round(thr_cat, 1),
            "throughput_ratio_ours_over_raw_read": round(thr_ours / thr_cat, 3),
            "throughput_ratio_ours_over_nginx": round(thr_ours / thr_nginx, 3),
            "concurrent_streams": STREAMS,
            "concurrent_seconds": round(t_concurrent, 1),
            "concurrent_aggregate_MBps": round(STREAMS * mb / t_concurrent, 1),
            "orthanc_rss_idle_MB": round(idle / 1024, 1),
            "orthanc_rss_peak_above_idle_MB": round((peak[0] - idle) / 1024, 1),
        }
        print(json.dumps(result, indent=2))
        if os.environ.get("BENCH_JSON"):
            write_json(os.environ["BENCH_JSON"], result, t_ours, t_anchor, t_hls, idle, peak[0])
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait()
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)  # its storage holds a copy of the whole recording


def write_json(path, result, t_ours, t_anchor, t_hls, idle_kb, peak_kb):
    """The figures for bench/report.py: ratios and goals computed by benchjson from the numbers measured above."""
    med = statistics.median
    p95 = lambda xs: sorted(xs)[int(0.95 * (len(xs) - 1))]  # noqa: E731
    ms = lambda x: x * 1000  # noqa: E731
    f = benchjson.figure
    figures = [
        f("seek TTFB, Range request at a random offset, median", ms(med(t_ours)), ms(med(t_anchor)), "ms", False,
          "<= 100 ms", "ours", ours_p95=ms(p95(t_ours)), anchor_p95=ms(p95(t_anchor)),
          anchor_label="nginx serving the same MP4 file (Range, sendfile)"),
        f("HLS seek: segment at a random time, remuxed on request, median", ms(med(t_hls)), None, "ms", False,
          "<= 100 ms", "ours", ours_p95=ms(p95(t_hls)), note="no anchor: an absolute goal"),
        f("streamed read of one instance, 8 MiB ranges, vs a raw read", result["throughput_MBps_ours"],
          result["throughput_MBps_raw_read"], "MB/s", True, ">= 0.8",
          anchor_label="dd bs=8M of the same DICOM file (page cache warm)"),
        f("streamed read of one instance, 8 MiB ranges, vs nginx", result["throughput_MBps_ours"],
          result["throughput_MBps_nginx"], "MB/s", True, anchor_label="nginx serving the same MP4 file"),
        f(f"HLS playlist of the whole {MINUTES} min series, first request", result["hls_playlist_ms"], None, "ms",
          False, note="cached afterwards"),
        f(f"{STREAMS} concurrent whole-instance streams, aggregate", result["concurrent_aggregate_MBps"], None,
          "MB/s", True),
        f(f"Orthanc RSS above idle during {STREAMS} concurrent streams", (peak_kb - idle_kb) / 1024, None, "MiB",
          False, note=f"{(peak_kb - idle_kb) / 1024 / STREAMS:.1f} MiB per stream"),
    ]
    memories = [benchjson.memory(f"Orthanc during {STREAMS} concurrent streams", peak_kb / 1024,
                                 note=f"idle {idle_kb / 1024:.0f} MiB")]
    parameters = {"MINUTES": MINUTES, "SEGMENT": SEGMENT, "MBPS": f"{MBPS:g}", "STREAMS": STREAMS, "SEEKS": SEEKS}
    notes = [f"The recording: {result['recording']}, stored in Orthanc's default storage (local disk, page cache "
             "warm). Anchors on the same loopback inside a private network namespace."]
    benchjson.save(path, benchjson.document("delivery", "Delivery: seeking, streamed reads, concurrent streams",
                                            "bench/delivery.sh", parameters, figures, memories, notes=notes))
    print(f"figures written to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
