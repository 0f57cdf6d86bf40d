#!/usr/bin/env bash
# Archival transcode speed and memory: our va-transcode (FFmpeg decode -> x265 API -> MP4) against the anchor
# `ffmpeg -c:v libx265` on the same recorder-like 1080p input, same preset/CRF, same (default) threading.
#
# Prints, for a short and a long input: fps of each and the ratio ours/ffmpeg, peak RSS of each, and the ratio
# of our peak RSS long/short (about 1.0 means memory is bounded by the encoder's lookahead, not the length).
#
# Environment (defaults in brackets):
#   SHORT_SEC [60]  LONG_SEC [600]     input lengths in seconds
#   PRESET [fast]   CRF [22]           x265 preset/CRF for the short run
#   LONG_PRESET [ultrafast]            preset for the long run: a 10-minute 1080p medium encode takes far too long
#                                      on 2 cores, and the RSS comparison does not need a slow preset
#   REPEAT [1]                         runs per case, alternating which side goes first; the best wall time
#                                      and the highest peak RSS are kept (a shared machine makes single runs noisy)
#   OURS_ARGS [""]                     extra va-transcode flags (e.g. --no-quality to skip in-pass PSNR/SSIM)
#   VA_TRANSCODE                       path of va-transcode [build/tools/va-transcode]
#   CLIP                               source clip [../shared/testdata/clips/rvimlab_laparoscopy_h264_720p.mp4]
#   WORK [/tmp/va-bench]               where inputs (cached) and outputs go
#   BENCH_JSON [""]                    also write the figures as JSON there (bench/benchjson.py; bench/run-all.sh)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
SHORT_SEC="${SHORT_SEC:-60}"
LONG_SEC="${LONG_SEC:-600}"
PRESET="${PRESET:-fast}"
CRF="${CRF:-22}"
LONG_PRESET="${LONG_PRESET:-ultrafast}"
OURS_ARGS="${OURS_ARGS:-}"
REPEAT="${REPEAT:-1}"
CLIP="${CLIP:-$repo/../shared/testdata/clips/rvimlab_laparoscopy_h264_720p.mp4}"
WORK="${WORK:-/tmp/va-bench}"
if [[ -z "${VA_TRANSCODE:-}" ]]; then
  # The optimised build of scripts/build.sh; never a sanitizer or fuzzer build, which would skew the figures.
  VA_TRANSCODE="$repo/build/tools/va-transcode"
fi
[[ -x "${VA_TRANSCODE:-}" ]] || { echo "va-transcode not found: build it or set VA_TRANSCODE" >&2; exit 1; }
[[ -f "$CLIP" ]] || { echo "clip not found: $CLIP" >&2; exit 1; }
command -v ffmpeg >/dev/null || { echo "ffmpeg not found" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time (GNU time) not found: apt-get install time" >&2; exit 1; }
mkdir -p "$WORK"

# A recorder-like input: the 720p laparoscopy clip scaled to 1080p, looped to length, H.264 at ~6 Mbit/s.
make_input() {
  local sec="$1" out="$WORK/input_1080p_${1}s.mp4"
  if [[ ! -s "$out" ]]; then
    echo "building ${sec}s 1080p H.264 input ..." >&2
    ffmpeg -nostdin -v error -y -stream_loop -1 -i "$CLIP" -t "$sec" \
      -vf scale=1920:1080:flags=bicubic -c:v libx264 -preset veryfast -b:v 6M -maxrate 6M -bufsize 12M \
      -pix_fmt yuv420p -g 50 -c:a aac -b:a 128k -movflags +faststart "$out.tmp.mp4"
    mv "$out.tmp.mp4" "$out"
  fi
  echo "$out"
}

frames_of() {
  ffprobe -v error -select_streams v:0 -show_entries stream=nb_frames -of csv=p=0 "$1"
}

# Runs a command under GNU time; prints "wall_seconds peak_rss_kib".
measure() {
  local log="$1"; shift
  /usr/bin/time -v -o "$log.time" "$@" >"$log.out" 2>"$log.err" || {
    echo "FAILED: $*" >&2; tail -n 20 "$log.err" >&2; exit 1; }
  python3 - "$log.time" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1).split(":")
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
print(f"{secs:.3f} {rss}")
EOF
}

declare -A FPS_OURS FPS_FF RSS_OURS RSS_FF
ROWS=() QUALITY=()
run_case() {
  local sec="$1" preset="$2" key="$1:$2" input frames
  input="$(make_input "$sec")"
  frames="$(frames_of "$input")"
  ROWS+=("$key")
  echo "== ${sec}s input: $frames frames 1920x1080, preset $preset, CRF $CRF" >&2
  # Ours drops audio too, so both sides do the same work: decode + HEVC encode + MP4 mux.
  local tag="${sec}s_${preset}" best_ours="" best_ff="" rss_ours=0 rss_ff=0 round wall rss
  run_ours() {
    # shellcheck disable=SC2086  # OURS_ARGS holds several flags on purpose
    read -r wall rss < <(measure "$WORK/ours_$tag" "$VA_TRANSCODE" "$input" "$WORK/ours_$tag.mp4" \
      --preset "$preset" --crf "$CRF" --no-audio $OURS_ARGS)
    best_ours="$(python3 -c "print(min(x for x in [$wall, ${best_ours:-1e18}]))")"
    if (( rss > rss_ours )); then rss_ours="$rss"; fi
  }
  run_ffmpeg() {
    read -r wall rss < <(measure "$WORK/ffmpeg_$tag" ffmpeg -nostdin -v error -y -i "$input" -an \
      -c:v libx265 -preset "$preset" -crf "$CRF" -x265-params log-level=error -movflags +faststart \
      "$WORK/ffmpeg_$tag.mp4")
    best_ff="$(python3 -c "print(min(x for x in [$wall, ${best_ff:-1e18}]))")"
    if (( rss > rss_ff )); then rss_ff="$rss"; fi
  }
  for ((round = 1; round <= REPEAT; round++)); do
    if (( round % 2 )); then run_ours; run_ffmpeg; else run_ffmpeg; run_ours; fi
  done
  FPS_OURS[$key]="$(python3 -c "print(f'{$frames / $best_ours:.2f}')")"
  RSS_OURS[$key]="$rss_ours"
  FPS_FF[$key]="$(python3 -c "print(f'{$frames / $best_ff:.2f}')")"
  RSS_FF[$key]="$rss_ff"
  local ours_frames ff_frames
  ours_frames="$(frames_of "$WORK/ours_$tag.mp4")"
  ff_frames="$(frames_of "$WORK/ffmpeg_$tag.mp4")"
  [[ "$ours_frames" == "$frames" && "$ff_frames" == "$frames" ]] ||
    echo "WARNING: frame counts differ: input $frames, ours $ours_frames, ffmpeg $ff_frames" >&2
  # One row of the quality table of the JSON output: input, preset, PSNR-Y, SSIM, our bytes, ffmpeg's bytes.
  QUALITY+=("$(python3 - "$WORK/ours_$tag.out" "$sec s" "$preset" "$(stat -c %s "$WORK/ffmpeg_$tag.mp4")" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
psnr, ssim = r.get("psnrY"), r.get("ssim")
print(json.dumps([sys.argv[2], sys.argv[3], psnr and round(psnr, 2), ssim and round(ssim, 4), r["outputBytes"],
                  int(sys.argv[4])]))
EOF
)")
  echo "   ours:   $(python3 -c "import json;r=json.load(open('$WORK/ours_$tag.out'));print(f\"PSNR-Y {r['psnrY']:.2f} dB, SSIM {r['ssim']:.4f}, {r['outputBytes']} bytes\")")" >&2
  echo "   ffmpeg: $(stat -c %s "$WORK/ffmpeg_$tag.mp4") bytes" >&2
}

run_case "$SHORT_SEC" "$PRESET"
# The memory comparison needs the same preset at both lengths.
[[ "$LONG_PRESET" != "$PRESET" ]] && run_case "$SHORT_SEC" "$LONG_PRESET"
run_case "$LONG_SEC" "$LONG_PRESET"

ratio() { python3 -c "print(f'{$1 / $2:.3f}')"; }
mib() { python3 -c "print(f'{$1 / 1024:.1f}')"; }
echo
echo "## va-transcode vs ffmpeg -c:v libx265 ($(nproc) cores, $(basename "$CLIP") scaled to 1080p, H.264 6 Mbit/s, best of $REPEAT)"
echo
echo "| input | preset | CRF | ours fps | ffmpeg fps | fps ours/ffmpeg | ours peak RSS MiB | ffmpeg peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|"
for key in "${ROWS[@]}"; do
  sec="${key%%:*}"; preset="${key#*:}"
  echo "| ${sec} s | $preset | $CRF | ${FPS_OURS[$key]} | ${FPS_FF[$key]} | $(ratio "${FPS_OURS[$key]}" "${FPS_FF[$key]}") | $(mib "${RSS_OURS[$key]}") | $(mib "${RSS_FF[$key]}") |"
done
short="$SHORT_SEC:$LONG_PRESET"; long="$LONG_SEC:$LONG_PRESET"
echo
echo "peak RSS, ${LONG_SEC} s / ${SHORT_SEC} s input (preset $LONG_PRESET): ours $(ratio "${RSS_OURS[$long]}" "${RSS_OURS[$short]}")," \
     "ffmpeg $(ratio "${RSS_FF[$long]}" "${RSS_FF[$short]}")  (about 1.0 = memory bounded by the lookahead, not the length)"
[[ "$LONG_PRESET" != "$PRESET" ]] &&
  echo "note: the ${LONG_SEC} s input runs at preset $LONG_PRESET only: a slow preset on a long 1080p input does not fit 2 cores."
[[ -z "$OURS_ARGS" ]] &&
  echo "note: ours also measures PSNR-Y/SSIM of every frame in the same pass (ffmpeg does not); OURS_ARGS=--no-quality skips it."

# The same figures as JSON for bench/report.py: ratios and goals are computed by bench/benchjson.py from the numbers
# measured above.
write_json() {
  local items="$WORK/bench-items.jsonl" key sec preset rows
  bj() { python3 "$here/benchjson.py" add "$items" "$@"; }
  : >"$items"
  for key in "${ROWS[@]}"; do
    sec="${key%%:*}"; preset="${key#*:}"
    bj figure "name=encode fps, ${sec} s input, preset $preset" "ours:=${FPS_OURS[$key]}" "anchor:=${FPS_FF[$key]}" \
      unit=fps "higher_is_better:=true" "goal=>= 1.0" "ours_label=va-transcode" "anchor_label=ffmpeg -c:v libx265"
    bj memory "name=va-transcode, ${sec} s input, preset $preset" "anchor_label=ffmpeg -c:v libx265" \
      "peak_rss_mib:=$(mib "${RSS_OURS[$key]}")" "anchor_peak_rss_mib:=$(mib "${RSS_FF[$key]}")"
  done
  rows="[$(IFS=,; echo "${QUALITY[*]}")]"
  bj figure "name=peak RSS, ${LONG_SEC} s input / ${SHORT_SEC} s input (preset $LONG_PRESET)" \
    "ours:=$(mib "${RSS_OURS[$long]}")" "anchor:=$(mib "${RSS_OURS[$short]}")" unit=MiB "higher_is_better:=false" \
    "goal=<= 1.1" "ours_label=va-transcode, long input" "anchor_label=va-transcode, short input" \
    "note=memory bounded by the lookahead, not the length; ffmpeg's own ratio $(ratio "${RSS_FF[$long]}" "${RSS_FF[$short]}")"
  bj table "title=Quality of our output (x265, same pass) and output sizes" \
    'columns:=["input", "preset", "PSNR-Y dB", "SSIM", "ours bytes", "ffmpeg bytes"]' "rows:=$rows"
  bj note "text=Input: $(basename "$CLIP") scaled to 1920x1080, looped, H.264 6 Mbit/s, 25 fps; both sides decode, encode HEVC with the same preset and CRF $CRF and x265's default threading, write an MP4; audio dropped. fps = frames / wall seconds, best of $REPEAT; peak RSS from GNU time."
  [[ -z "$OURS_ARGS" ]] && bj note "text=Ours also measures PSNR-Y and SSIM of every frame in the same pass; ffmpeg does not."
  python3 "$here/benchjson.py" write "$items" "$BENCH_JSON" bench=transcode \
    "title=Archival transcode: va-transcode vs ffmpeg -c:v libx265" script=bench/transcode_vs_ffmpeg.sh \
    "param.SHORT_SEC=$SHORT_SEC" "param.LONG_SEC=$LONG_SEC" "param.PRESET=$PRESET" "param.CRF=$CRF" \
    "param.LONG_PRESET=$LONG_PRESET" "param.REPEAT=$REPEAT" ${OURS_ARGS:+"param.OURS_ARGS=$OURS_ARGS"}
  echo "figures written to $BENCH_JSON" >&2
}
if [[ -n "${BENCH_JSON:-}" ]]; then write_json; fi
exit 0
