#!/usr/bin/env bash
# Recorder upload throughput and Orthanc's memory during a large upload.
#
# Ours: one tus PATCH (sent as PUT, see README) of a SIZE_MB file with curl straight to Orthanc with this plugin,
# and the same through the nginx tus gateway. Anchor: a plain HTTP upload of the same bytes over the same loopback,
# received by nginx and written to a file on the same disk (client_body_in_file_only). Each case runs REPEAT times,
# alternating order; the best time is kept. Also samples Orthanc's RSS every 50 ms during our direct upload and
# prints the peak above the RSS it had at idle just before (goal: under 200 MB for a 2 GB upload).
#
# Everything runs inside a private network namespace (unshare --net), so nothing listens outside.
# Environment (defaults in brackets): SIZE_MB [2048]  REPEAT [2]  WORK [/tmp/va-bench-upload]
#                                     VA_BUILD_DIR [build] (the optimised build of scripts/build.sh)
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

ours() {  # $1 = base URL; prints seconds
  local location t0 t1
  location=$(create "$1")
  [[ -n "$location" ]] || { echo "creation failed" >&2; tail -20 "$WORK/orthanc.log" >&2; exit 1; }
  t0=$(now)
  curl -sf -o /dev/null -T "$input" -X "$2" -H 'Tus-Resumable: 1.0.0' \
    -H 'Content-Type: application/offset+octet-stream' -H 'Upload-Offset: 0' "$1$location"
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}
anchor() {
  local t0 t1
  t0=$(now)
  curl -sf -o /dev/null -T "$input" -X POST -H 'Content-Type: application/octet-stream' http://127.0.0.1:8080/plain
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}
best() { printf '%s\n' "$@" | sort -g | head -1; }

idle_kb=$(rss_kb)
peak_kb=$idle_kb
direct=() gateway=() plain=()
for i in $(seq "$REPEAT"); do
  if ((i % 2)); then plain+=("$(anchor)"); fi
  # Sample RSS while our direct upload runs.
  (while kill -0 "$orthanc_pid" 2>/dev/null; do rss_kb; sleep 0.05; done) >"$WORK/rss.txt" &
  sampler=$!
  direct+=("$(ours http://127.0.0.1:8042 PUT)")
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  run_peak=$(sort -n "$WORK/rss.txt" | tail -1)
  ((run_peak > peak_kb)) && peak_kb=$run_peak
  gateway+=("$(ours http://127.0.0.1:8080 PATCH)")
  if ! ((i % 2)); then plain+=("$(anchor)"); fi
done

d=$(best "${direct[@]}") g=$(best "${gateway[@]}") p=$(best "${plain[@]}")
mbps() { echo "scale=1; $bytes / 1048576 / $1" | bc -l; }
echo
echo "input: $bytes bytes; best of $REPEAT runs each"
printf 'plain HTTP upload to nginx (anchor): %6.2f s  %7s MB/s\n' "$p" "$(mbps "$p")"
printf 'tus PATCH straight to Orthanc:       %6.2f s  %7s MB/s  ratio %.2f\n' "$d" "$(mbps "$d")" \
  "$(echo "$p / $d" | bc -l)"
printf 'tus PATCH through the nginx gateway: %6.2f s  %7s MB/s  ratio %.2f\n' "$g" "$(mbps "$g")" \
  "$(echo "$p / $g" | bc -l)"
printf 'Orthanc RSS: idle %d MB, peak during the direct upload %d MB, above idle %d MB (goal < 200)\n' \
  $((idle_kb >> 10)) $((peak_kb >> 10)) $(((peak_kb - idle_kb) >> 10))
