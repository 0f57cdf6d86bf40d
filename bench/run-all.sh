#!/usr/bin/env bash
# Every benchmark in one command: runs the scripts of bench/ one after the other, each writing its figures as JSON
# (BENCH_JSON, bench/benchjson.py), then writes the results file with bench/report.py (the machine, the commands,
# every figure as a ratio against its anchor, peak memory, PNG plots in plots/ beside it).
#
#   bash bench/run-all.sh                      the full profile, writes bench/RESULTS.md and bench/plots/
#   PROFILE=quick bash bench/run-all.sh        about 15 minutes on 2 cores, same figures on smaller inputs
#
# Environment (defaults in brackets):
#   PROFILE [full]   full: each script's own defaults (bench/README.md); quick: smaller inputs, same figures;
#                    smoke: seconds, to test the machinery (its figures mean nothing)
#   RESULTS_MD [bench/RESULTS.md; for smoke $BENCH_OUT/RESULTS.md]   the results file written at the end
#   BENCH_OUT [/tmp/va-bench-results/$PROFILE]   this run's JSON files and logs
#   BENCHES ["transcode sweep upload delivery storage security watermark"]   a subset, run in this order
#   WORK_ROOT [""]   if set, every script's inputs (cached between runs) and scratch folders go under it; if not,
#                    each script's own default under /tmp
# Needs root (private network namespaces, dropping the page cache), a build (built with scripts/build.sh if
# missing) and matplotlib for the plots (installed with apt-get if missing). Exits non-zero if a benchmark failed;
# the results file is written anyway, the failure stated in it.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
cd "$repo"
PROFILE="${PROFILE:-full}"
BENCH_OUT="${BENCH_OUT:-/tmp/va-bench-results/$PROFILE}"
ALL_BENCHES="transcode sweep upload delivery storage security watermark"
BENCHES="${BENCHES:-$ALL_BENCHES}"
WORK_ROOT="${WORK_ROOT:-}"
if [[ -z "${RESULTS_MD:-}" ]]; then
  # Smoke figures never land in bench/RESULTS.md unless asked for with RESULTS_MD.
  if [[ "$PROFILE" == smoke ]]; then RESULTS_MD="$BENCH_OUT/RESULTS.md"; else RESULTS_MD="$here/RESULTS.md"; fi
fi
case "$PROFILE" in
  full | quick | smoke) ;;
  *) echo "run-all.sh: PROFILE must be full, quick or smoke" >&2; exit 2 ;;
esac
for bench in $BENCHES; do
  [[ " $ALL_BENCHES " == *" $bench "* ]] || { echo "run-all.sh: unknown benchmark $bench" >&2; exit 2; }
done
[[ "$(id -u)" == 0 ]] || { echo "run-all.sh: needs root (network namespaces, dropping the page cache)" >&2; exit 1; }

clips="../shared/testdata/clips"

# The environment of benchmark $1 in $PROFILE, into the array PARAMS (empty: the script's defaults).
profile_params() {
  PARAMS=()
  case "$PROFILE:$1" in
    full:*) ;;
    quick:transcode) PARAMS=(SHORT_SEC=20 LONG_SEC=60) ;;
    quick:sweep)
      PARAMS=("PRESETS=veryfast fast" "CRFS=22 26"
              "CLIPS=$clips/weasis_neurosurgery_h264_720p.mp4 $clips/rvimlab_laparoscopy_h264_720p.mp4") ;;
    quick:upload) PARAMS=(SIZE_MB=1024 REPEAT=1) ;;
    quick:delivery) PARAMS=(MINUTES=30 SEGMENT=10) ;;
    quick:storage) PARAMS=(SIZE_MIB=256 OBJECTS=4 OBJECT_MIB=32 READS=30 REPEAT=2) ;;
    quick:security) PARAMS=(STUDIES=100 REQUESTS=300 ROUNDS=4) ;;
    quick:watermark) PARAMS=(FRAMES=250) ;;
    smoke:transcode) PARAMS=(SHORT_SEC=2 LONG_SEC=4 PRESET=ultrafast LONG_PRESET=ultrafast) ;;
    smoke:sweep) PARAMS=("PRESETS=ultrafast veryfast" "CRFS=22 28" "CLIPS=$clips/weasis_neurosurgery_h264_720p.mp4") ;;
    smoke:upload) PARAMS=(SIZE_MB=32 REPEAT=1) ;;
    smoke:delivery) PARAMS=(MINUTES=2 SEGMENT=1 MBPS=2 STREAMS=2 SEEKS=5) ;;
    smoke:storage) PARAMS=(SIZE_MIB=16 OBJECTS=2 OBJECT_MIB=4 READS=5 REPEAT=1) ;;
    smoke:security) PARAMS=(STUDIES=10 REQUESTS=50 ROUNDS=1) ;;
    smoke:watermark) PARAMS=(FRAMES=20 CLIPS=weasis_neurosurgery_h264_720p.mp4) ;;
  esac
  if [[ -n "$WORK_ROOT" ]]; then
    case "$1" in
      transcode) PARAMS+=("WORK=$WORK_ROOT/va-bench") ;;
      sweep) PARAMS+=("WORK=$WORK_ROOT/va-sweep") ;;
      upload) PARAMS+=("WORK=$WORK_ROOT/va-bench-upload") ;;
      delivery) PARAMS+=("WORK=$WORK_ROOT/va-bench-delivery") ;;
      storage) PARAMS+=("WORK=$WORK_ROOT") ;;
      watermark) PARAMS+=("WORK=$WORK_ROOT/va-bench-watermark") ;;
    esac
  fi
}

script_of() {
  case "$1" in
    transcode) echo transcode_vs_ffmpeg.sh ;;
    sweep) echo preset_crf_sweep.sh ;;
    upload) echo upload_vs_plain_http.sh ;;
    delivery) echo delivery.sh ;;
    storage) echo storage.sh ;;
    security) echo security.sh ;;
    watermark) echo watermark.sh ;;
  esac
}

ensure_build() {
  if [[ -x build/tools/va-transcode && -x build/bench/storage_bench &&
        -f build/orthanc-plugin/libOrthancVideoArchive.so ]]; then
    return 0
  fi
  echo "run-all.sh: no build: bash scripts/build.sh" >&2
  bash scripts/build.sh
}

# The plots need matplotlib for /usr/bin/python3: Debian's package (the benchmarks are not part of CI, so the tests'
# install script does not carry it).
ensure_matplotlib() {
  if /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then return 0; fi
  echo "run-all.sh: installing python3-matplotlib for the plots" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends python3-matplotlib >"$BENCH_OUT/apt.log" 2>&1; then
    apt-get update >>"$BENCH_OUT/apt.log" 2>&1
    apt-get install -y --no-install-recommends python3-matplotlib >>"$BENCH_OUT/apt.log" 2>&1
  fi
}

# Runs benchmark $1; appends its status and duration to $BENCH_OUT/benches.jsonl. Returns its exit status.
run_bench() {
  local bench=$1 script start status
  script="$(script_of "$bench")"
  profile_params "$bench"
  echo "== $bench: ${PARAMS[*]} bash bench/$script (log: $BENCH_OUT/$bench.log)" >&2
  start=$(date +%s.%N)
  set +e
  env "${PARAMS[@]}" BENCH_JSON="$BENCH_OUT/$bench.json" bash "bench/$script" 2>&1 | tee "$BENCH_OUT/$bench.log" >&2
  status=${PIPESTATUS[0]}
  set -e
  python3 - "$bench" "bench/$script" "$status" "$start" "$(date +%s.%N)" "$BENCH_OUT/$bench.log" "${PARAMS[@]}" \
    >>"$BENCH_OUT/benches.jsonl" <<'EOF'
import json, shlex, sys
bench, script, status, start, end, log = sys.argv[1:7]
env = " ".join(shlex.quote(p) if " " in p else p for p in sys.argv[7:])
print(json.dumps({"bench": bench, "script": script, "status": int(status), "command": f"{env} bash {script}".strip(),
                  "seconds": round(float(end) - float(start), 1), "log": log}))
EOF
  [[ "$status" == 0 ]] || echo "run-all.sh: $bench failed (exit $status), see $BENCH_OUT/$bench.log" >&2
  return "$status"
}

write_run_json() {
  local command="PROFILE=$PROFILE"
  [[ "$BENCHES" != "$ALL_BENCHES" ]] && command+=" BENCHES='$BENCHES'"
  command+=" bash bench/run-all.sh"
  local commit
  commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  [[ -z "$(git status --porcelain 2>/dev/null)" ]] || commit+=" (with local changes)"
  python3 - "$BENCH_OUT" "$PROFILE" "$command" "$commit" "$run_start" "$load_start" <<'EOF'
import datetime, json, os, sys, time
out, profile, command, commit, start, load_start = sys.argv[1:]
iso = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
benches = [json.loads(line) for line in open(os.path.join(out, "benches.jsonl"))]
end = time.time()
run = {"profile": profile, "command": command, "commit": commit, "started": iso(float(start)), "finished": iso(end),
       "seconds": round(end - float(start)), "load_start": load_start,
       "load_end": " ".join(open("/proc/loadavg").read().split()[:3]), "benches": benches}
json.dump(run, open(os.path.join(out, "run.json"), "w"), indent=2)
EOF
}

mkdir -p "$BENCH_OUT"
for bench in $ALL_BENCHES; do rm -f "$BENCH_OUT/$bench.json" "$BENCH_OUT/$bench.log"; done
rm -f "$BENCH_OUT/run.json" "$BENCH_OUT/benches.jsonl"
touch "$BENCH_OUT/benches.jsonl"
ensure_build
ensure_matplotlib

run_start=$(date +%s.%N)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
failed=()
for bench in $BENCHES; do
  # Each benchmark starts with no dirty pages of the previous one still being written back: a bench that writes
  # (the audit trail, uploads) would otherwise be throttled by another's writeback.
  sync
  run_bench "$bench" || failed+=("$bench")
done
write_run_json
/usr/bin/python3 "$here/report.py" "$BENCH_OUT" "$RESULTS_MD"
echo "run-all.sh: profile $PROFILE done in $(($(date +%s) - ${run_start%.*})) s; results: $RESULTS_MD;" \
  "JSON and logs: $BENCH_OUT" >&2
if ((${#failed[@]})); then
  echo "run-all.sh: failed: ${failed[*]}" >&2
  exit 1
fi
