#!/usr/bin/env bash
# Preset x CRF sweep of our va-transcode on the real clips: size (and ratio to the source video stream), PSNR-Y,
# SSIM (both measured by x265 in the same pass against the decoded source) and encode fps. Prints markdown tables:
# one row per clip/preset/CRF, then the mean over the clips, then the settings that meet the quality gate on
# every clip.
#
# Environment (defaults in brackets):
#   PRESETS ["ultrafast veryfast fast medium"]   CRFS ["18 22 26 28"]
#   CLIPS   [neurosurgery 720p, laparoscopy 720p, robotic 1264x1010 from ../shared/testdata/clips]
#   GATE_PSNR [40]  GATE_SSIM [0.97]            the quality gate used for the last table
#   VA_TRANSCODE [build/tools/va-transcode]   WORK [/tmp/va-sweep]
#   BENCH_JSON [""]   also write the figures and every row as JSON there (bench/benchjson.py; bench/run-all.sh)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
clips_dir="$repo/../shared/testdata/clips"
PRESETS="${PRESETS:-ultrafast veryfast fast medium}"
CRFS="${CRFS:-18 22 26 28}"
CLIPS="${CLIPS:-$clips_dir/weasis_neurosurgery_h264_720p.mp4 $clips_dir/rvimlab_laparoscopy_h264_720p.mp4 $clips_dir/endovis2017_d1_h264_1264x1010_2fps.mp4}"
GATE_PSNR="${GATE_PSNR:-40}"
GATE_SSIM="${GATE_SSIM:-0.97}"
WORK="${WORK:-/tmp/va-sweep}"
if [[ -z "${VA_TRANSCODE:-}" ]]; then
  # The optimised build of scripts/build.sh; never a sanitizer or fuzzer build, which would skew the figures.
  VA_TRANSCODE="$repo/build/tools/va-transcode"
fi
[[ -x "${VA_TRANSCODE:-}" ]] || { echo "va-transcode not found: build it or set VA_TRANSCODE" >&2; exit 1; }
command -v ffprobe >/dev/null || { echo "ffprobe not found" >&2; exit 1; }
mkdir -p "$WORK"
results="$WORK/results.jsonl"
: >"$results"

for clip in $CLIPS; do
  # The ratio compares video with video: the source's audio is not part of what x265 has to beat.
  src_video_bytes="$(ffprobe -v error -select_streams v:0 -show_entries packet=size -of csv=p=0 "$clip" |
                     awk '{s += $1} END {print s}')"
  for preset in $PRESETS; do
    for crf in $CRFS; do
      out="$WORK/$(basename "${clip%.*}")_${preset}_crf${crf}.mp4"
      echo "$(basename "$clip") $preset crf $crf ..." >&2
      "$VA_TRANSCODE" "$clip" "$out" --preset "$preset" --crf "$crf" --no-audio >"$out.json" 2>"$out.log" ||
        { echo "FAILED: $clip $preset $crf" >&2; tail -n 5 "$out.log" >&2; exit 1; }
      python3 - "$out.json" "$clip" "$preset" "$crf" "$src_video_bytes" >>"$results" <<'EOF'
import json, os, sys
r = json.load(open(sys.argv[1]))
r.update(clip=os.path.basename(sys.argv[2]), preset=sys.argv[3], crf=float(sys.argv[4]),
         srcVideoBytes=int(sys.argv[5]))
print(json.dumps(r))
EOF
      rm -f "$out"
    done
  done
done

python3 - "$results" "$GATE_PSNR" "$GATE_SSIM" "$(nproc)" <<'EOF'
import json, sys
from collections import defaultdict
rows = [json.loads(l) for l in open(sys.argv[1])]
gate_psnr, gate_ssim, cores = float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
order = {p: i for i, p in enumerate(["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"])}
key = lambda r: (r["clip"], order.get(r["preset"], 99), r["crf"])

def kbps(r):
    return 8 * r["outputBytes"] / r["durationSec"] / 1000

print(f"## va-transcode preset x CRF sweep ({cores} cores; video only; quality measured by x265 against the decoded source)\n")
print("| clip | preset | CRF | output bytes | kbit/s | size / source video | PSNR-Y dB | min PSNR-Y | SSIM | encode fps |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in sorted(rows, key=key):
    print(f"| {r['clip']} | {r['preset']} | {r['crf']:g} | {r['outputBytes']} | {kbps(r):.0f} | "
          f"{r['outputBytes'] / r['srcVideoBytes']:.3f} | {r['psnrY']:.2f} | {r['minPsnrY']:.2f} | "
          f"{r['ssim']:.4f} | {r['encodeFps']:.1f} |")

groups = defaultdict(list)
for r in rows:
    groups[(r["preset"], r["crf"])].append(r)
print(f"\n### Mean over {len({r['clip'] for r in rows})} clips\n")
print("| preset | CRF | size / source video | PSNR-Y dB | worst clip PSNR-Y | SSIM | worst clip SSIM | encode fps |")
print("|---|---|---|---|---|---|---|---|")
mean = lambda v: sum(v) / len(v)
for (preset, crf), g in sorted(groups.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])):
    print(f"| {preset} | {crf:g} | {mean([r['outputBytes'] / r['srcVideoBytes'] for r in g]):.3f} | "
          f"{mean([r['psnrY'] for r in g]):.2f} | {min(r['psnrY'] for r in g):.2f} | "
          f"{mean([r['ssim'] for r in g]):.4f} | {min(r['ssim'] for r in g):.4f} | "
          f"{mean([r['encodeFps'] for r in g]):.1f} |")

ok = [(k, g) for k, g in groups.items()
      if all(r["psnrY"] >= gate_psnr and r["ssim"] >= gate_ssim for r in g)]
print(f"\n### Settings with PSNR-Y >= {gate_psnr:g} dB and SSIM >= {gate_ssim:g} on every clip, smallest first\n")
if not ok:
    print("(none)")
else:
    print("| preset | CRF | size / source video | encode fps |")
    print("|---|---|---|---|")
    for (preset, crf), g in sorted(ok, key=lambda kg: mean([r['outputBytes'] / r['srcVideoBytes'] for r in kg[1]])):
        print(f"| {preset} | {crf:g} | {mean([r['outputBytes'] / r['srcVideoBytes'] for r in g]):.3f} | "
              f"{mean([r['encodeFps'] for r in g]):.1f} |")
EOF

[[ -n "${BENCH_JSON:-}" ]] || exit 0
# The same as JSON for bench/report.py: one figure per preset x CRF (all clips' output bytes against all clips'
# source video bytes), every row for the size-vs-PSNR plot, and the quality gate.
python3 - "$here" "$results" "$BENCH_JSON" "$PRESETS" "$CRFS" "$CLIPS" "$GATE_PSNR" "$GATE_SSIM" <<'EOF'
import json, os, sys
sys.path.insert(0, sys.argv[1])
import benchjson
results, out, presets, crfs, clips, gate_psnr, gate_ssim = sys.argv[2:]
rows = [json.loads(line) for line in open(results)]
figures = []
for preset in presets.split():
    for crf in crfs.split():
        group = [r for r in rows if r["preset"] == preset and r["crf"] == float(crf)]
        mean = lambda key: sum(r[key] for r in group) / len(group)  # noqa: E731
        figures.append(benchjson.figure(
            f"size, preset {preset}, CRF {crf} ({len(group)} clip{'s' if len(group) > 1 else ''})",
            sum(r["outputBytes"] for r in group) / 1e6, sum(r["srcVideoBytes"] for r in group) / 1e6, "MB", False,
            ours_label="va-transcode output", anchor_label="source H.264 video stream", in_overview=False,
            preset=preset, crf=crf,
            psnr_y_mean=round(mean("psnrY"), 2), psnr_y_worst=round(min(r["psnrY"] for r in group), 2),
            ssim_mean=round(mean("ssim"), 4), ssim_worst=round(min(r["ssim"] for r in group), 4),
            fps_mean=round(mean("encodeFps"), 1),
            gate_met=all(r["psnrY"] >= float(gate_psnr) and r["ssim"] >= float(gate_ssim) for r in group)))
data_rows = [{"clip": r["clip"], "preset": r["preset"], "crf": r["crf"], "output_bytes": r["outputBytes"],
              "source_video_bytes": r["srcVideoBytes"], "size_ratio": r["outputBytes"] / r["srcVideoBytes"],
              "psnr_y": r["psnrY"], "min_psnr_y": r["minPsnrY"], "ssim": r["ssim"], "encode_fps": r["encodeFps"]}
             for r in rows]
table = benchjson.table(
    "Every clip, preset and CRF", ["clip", "preset", "CRF", "size / source video", "PSNR-Y dB", "min PSNR-Y",
                                   "SSIM", "encode fps"],
    [[d["clip"], d["preset"], f"{d['crf']:g}", f"{d['size_ratio']:.3f}", f"{d['psnr_y']:.2f}",
      f"{d['min_psnr_y']:.2f}", f"{d['ssim']:.4f}", f"{d['encode_fps']:.1f}"] for d in data_rows])
gate = benchjson.table(
    f"Quality gate (PSNR-Y >= {gate_psnr} dB and SSIM >= {gate_ssim} on every clip)",
    ["preset", "CRF", "size / source (all clips)", "mean PSNR-Y", "worst PSNR-Y", "worst SSIM", "gate"],
    [[f["preset"], f["crf"], f"{f['ratio']:.3f}",
      f"{f['psnr_y_mean']:.2f}", f"{f['psnr_y_worst']:.2f}", f"{f['ssim_worst']:.4f}",
      "met" if f["gate_met"] else "not met"] for f in figures])
repo = os.path.dirname(sys.argv[1])
parameters = {"PRESETS": presets, "CRFS": crfs, "CLIPS": " ".join(os.path.relpath(c, repo) for c in clips.split()),
              "GATE_PSNR": gate_psnr, "GATE_SSIM": gate_ssim}
note = ("Video only; PSNR-Y and SSIM measured by x265 in the same pass against the decoded source; size against "
        "the source's own H.264 video stream. "
        "fps is noisy on a shared machine.")
benchjson.save(out, benchjson.document(
    "sweep", "x265 preset x CRF on the real clips", "bench/preset_crf_sweep.sh", parameters, figures,
    tables=[gate, table], notes=[note], data={"rows": data_rows}))
print(f"figures written to {out}", file=sys.stderr)
EOF
