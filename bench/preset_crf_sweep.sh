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
