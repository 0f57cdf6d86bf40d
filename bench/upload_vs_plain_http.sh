#!/usr/bin/env bash
# Recorder upload throughput and Orthanc's memory during a large upload.
#
# Ours, three ways: one tus PATCH (sent as PUT, see README) of a SIZE_MB file with curl straight to Orthanc with
# Transfer-Encoding: chunked; the same PATCH through the nginx tus gateway; and the off-the-shelf tus-js-client through
# the gateway with 64 MiB chunks (Content-Length requests, which Orthanc holds whole in memory one at a time).
# Anchor: a plain HTTP upload of the same bytes over the same loopback, received by nginx and written to a file on
# the same disk (client_body_in_file_only). Each case runs REPEAT times, alternating order; the best time is kept.
# Orthanc's RSS is sampled every 50 ms during each of our uploads; the peak above the RSS it had at idle before the
# first upload is printed (goal: under 200 MB for a 2 GB upload).
#
# Everything runs inside a private network namespace (unshare --net), so nothing listens outside.
# Environment (defaults in brackets): SIZE_MB [2048]  REPEAT [2]  WORK [/tmp/va-bench-upload]
#                                     VA_BUILD_DIR [build] (the optimised build of scripts/build.sh)
#                                     BENCH_JSON [""] also write the figures as JSON there (bench/benchjson.py)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
SIZE_MB="${SIZE_MB:-2048}"
REPEAT="${REPEAT:-2}"
WORK="${WORK:-/tmp/va-bench-upload}"
BUILD="${VA_BUILD_DIR:-$repo/build}"
plugin="$BUILD/orthanc-plugin/libOrthancVideoArchive.so"
[[ -f "$plugin" ]] || { echo "plugin not built: bash scripts/build.sh" >&2; exit 1; }

if [[ "${1:-}" != "--inside" ]]; then
  exec unshare --net bash "$0" --inside
fi
ip link set lo up

rm -rf "$WORK/orthanc" "$WORK/nginx"
mkdir -p "$WORK/orthanc" "$WORK/nginx/plain"
input="$WORK/input-${SIZE_MB}MB.bin"
if [[ ! -f "$input" ]]; then
  echo "making a ${SIZE_MB} MB input..."
  head -c "$((SIZE_MB << 20))" /dev/urandom >"$input.tmp" && mv "$input.tmp" "$input"
fi
bytes=$(stat -c %s "$input")

# Orthanc with the plugin (ingest of the random bytes fails fast: that is not what is measured).
bash "$repo/scripts/make-config.sh" "$WORK/orthanc" "$plugin" "$WORK/orthanc.json" 8042 4242 VIDEOARCHIVE
Orthanc "$WORK/orthanc.json" >"$WORK/orthanc.log" 2>&1 &
orthanc_pid=$!
# nginx: the tus gateway, plus /plain, a plain upload stored to a file by nginx (the anchor).
bash "$repo/scripts/make-nginx-config.sh" "$WORK/nginx" 127.0.0.1:8080 127.0.0.1:8042 "$WORK/nginx.conf"
python3 - "$WORK/nginx.conf" "$WORK/nginx/plain" <<'EOF'
import sys
path, store = sys.argv[1], sys.argv[2]
conf = open(path).read()
anchor = f"""
    location = /plain {{
      client_body_in_file_only clean;     # the whole body goes to a file on disk, as an upload server would
      client_body_temp_path {store};
      proxy_request_buffering on;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_method GET;
      proxy_pass http://127.0.0.1:8042/system;
    }}
"""
open(path, "w").write(conf.replace("    location / {", anchor + "\n    location / {", 1))
EOF
nginx -c "$WORK/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
cleanup() { kill "$nginx_pid" "$orthanc_pid" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:8042/system >/dev/null && break; sleep 0.2; done

b64() { printf '%s' "$1" | base64 -w0; }
metadata="patientId $(b64 BENCH),patientName $(b64 'BENCH^UPLOAD'),organisation $(b64 Bench),manufacturer $(b64 Bench)"
metadata+=",model $(b64 curl),recordingStart $(b64 2026-11-27T00:00:00Z),videoKind $(b64 endoscopic)"
create() {
  curl -sf -D - -o /dev/null -X POST -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $bytes" \
    -H "Upload-Metadata: $metadata" "$1/video-archive/uploads" | tr -d '\r' |
    awk -F': ' 'tolower($1)=="location"{print $2}'
}
now() { date +%s.%N; }

rss_kb() { awk '/VmRSS/{print $2}' "/proc/$orthanc_pid/status"; }

# Runs one of our uploads ($1 = base URL, $2 = method), sampling Orthanc's RSS; prints "seconds peak_kb".
ours() {
  local location t0 t1 sampler
  location=$(create "$1")
  [[ -n "$location" ]] || { echo "creation failed" >&2; tail -20 "$WORK/orthanc.log" >&2; exit 1; }
  (while kill -0 "$orthanc_pid" 2>/dev/null; do rss_kb; sleep 0.05; done) >"$WORK/rss.txt" &
  sampler=$!
  t0=$(now)
  curl -sf -o /dev/null -T "$input" -X "$2" -H 'Transfer-Encoding: chunked' -H 'Tus-Resumable: 1.0.0' \
    -H 'Content-Type: application/offset+octet-stream' -H 'Upload-Offset: 0' "$1$location"
  t1=$(now)
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  echo "$(echo "$t1 - $t0" | bc -l) $(sort -n "$WORK/rss.txt" | tail -1)"
}
tus_client() {
  local t0 t1 sampler
  (while kill -0 "$orthanc_pid" 2>/dev/null; do rss_kb; sleep 0.05; done) >"$WORK/rss.txt" &
  sampler=$!
  t0=$(now)
  node "$repo/tests/integration/js/tus-upload.cjs" http://127.0.0.1:8080/video-archive/uploads "$input" \
    '{"patientId":"BENCH","patientName":"BENCH^UPLOAD","organisation":"Bench","manufacturer":"Bench","model":"tus-js-client","recordingStart":"2026-11-27T00:00:00Z","videoKind":"endoscopic"}' \
    --chunk $((64 << 20)) | tail -1 | grep -q '"done"' || { echo "tus-js-client failed" >&2; exit 1; }
  t1=$(now)
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  echo "$(echo "$t1 - $t0" | bc -l) $(sort -n "$WORK/rss.txt" | tail -1)"
}
anchor() {
  local t0 t1
  t0=$(now)
  curl -sf -o /dev/null -T "$input" -X POST -H 'Content-Type: application/octet-stream' http://127.0.0.1:8080/plain
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}
best() { printf '%s\n' "$@" | sort -g | head -1; }
peak() { printf '%s\n' "$@" | sort -n | tail -1; }

idle_kb=$(rss_kb)
direct=() gateway=() client=() plain=() peaks_d=() peaks_g=() peaks_c=()
for i in $(seq "$REPEAT"); do
  if ((i % 2)); then plain+=("$(anchor)"); fi
  read -r t p <<<"$(ours http://127.0.0.1:8042 PUT)"; direct+=("$t"); peaks_d+=("$p")
  read -r t p <<<"$(ours http://127.0.0.1:8080 PATCH)"; gateway+=("$t"); peaks_g+=("$p")
  read -r t p <<<"$(tus_client)"; client+=("$t"); peaks_c+=("$p")
  if ! ((i % 2)); then plain+=("$(anchor)"); fi
done

d=$(best "${direct[@]}") g=$(best "${gateway[@]}") c=$(best "${client[@]}") p=$(best "${plain[@]}")
mbps() { echo "scale=1; $bytes / 1048576 / $1" | bc -l; }
above() { echo $((($1 - idle_kb) >> 10)); }
echo
echo "input: $bytes bytes; best of $REPEAT runs each; Orthanc idle RSS $((idle_kb >> 10)) MB"
printf 'plain HTTP upload to nginx (anchor):        %6.2f s  %7s MB/s\n' "$p" "$(mbps "$p")"
printf 'tus PATCH (chunked) straight to Orthanc:    %6.2f s  %7s MB/s  ratio %.2f  peak RSS +%d MB\n' "$d" \
  "$(mbps "$d")" "$(echo "$p / $d" | bc -l)" "$(above "$(peak "${peaks_d[@]}")")"
printf 'tus PATCH (chunked) through the gateway:    %6.2f s  %7s MB/s  ratio %.2f  peak RSS +%d MB\n' "$g" \
  "$(mbps "$g")" "$(echo "$p / $g" | bc -l)" "$(above "$(peak "${peaks_g[@]}")")"
printf 'tus-js-client, 64 MiB chunks, via gateway:  %6.2f s  %7s MB/s  ratio %.2f  peak RSS +%d MB\n' "$c" \
  "$(mbps "$c")" "$(echo "$p / $c" | bc -l)" "$(above "$(peak "${peaks_c[@]}")")"
echo "(ratio = anchor time / our time: 1.0 means as fast as a plain upload to disk; goal for RSS: +200 MB at most)"

# The same figures as JSON for bench/report.py (ratios and goals computed by bench/benchjson.py).
write_json() {
  local items="$WORK/bench-items.jsonl" mb_s anchor_mb_s peak_kb label t name
  bj() { python3 "$here/benchjson.py" add "$items" "$@"; }
  num() { awk "BEGIN { printf \"%.6f\", $1 }"; }  # a JSON number (bc prints .5 for 0.5)
  : >"$items"
  anchor_mb_s=$(num "$bytes / 1000000 / $p")
  for label in direct gateway client; do
    case $label in
      direct) t=$d peak_kb=$(peak "${peaks_d[@]}") name="tus PATCH (chunked) straight to Orthanc" ;;
      gateway) t=$g peak_kb=$(peak "${peaks_g[@]}") name="tus PATCH (chunked) through the nginx tus gateway" ;;
      client) t=$c peak_kb=$(peak "${peaks_c[@]}") name="tus-js-client (Node), 64 MiB chunks, through the gateway" ;;
    esac
    mb_s=$(num "$bytes / 1000000 / $t")
    bj figure "name=upload throughput, $name" "ours:=$mb_s" "anchor:=$anchor_mb_s" unit=MB/s \
      "higher_is_better:=true" "anchor_label=plain HTTP upload to nginx, body written to a file"
    bj figure "name=Orthanc peak RSS above idle, $name" "ours:=$(num "($peak_kb - $idle_kb) * 1024 / 1000000")" \
      "anchor:=null" unit=MB "higher_is_better:=false" "goal=<= 200 MB" goal_of=ours
    bj memory "name=Orthanc during the upload, $name" "peak_rss_mib:=$(num "$peak_kb / 1024")" \
      "note=idle $((idle_kb >> 10)) MiB"
  done
  bj note "text=$bytes bytes of random data over loopback inside a private network namespace; best of $REPEAT runs per case; Orthanc's RSS sampled every 50 ms."
  python3 "$here/benchjson.py" write "$items" "$BENCH_JSON" bench=upload \
    "title=Recorder upload throughput and Orthanc's memory" script=bench/upload_vs_plain_http.sh \
    "param.SIZE_MB=$SIZE_MB" "param.REPEAT=$REPEAT"
  echo "figures written to $BENCH_JSON" >&2
}
if [[ -n "${BENCH_JSON:-}" ]]; then write_json; fi
