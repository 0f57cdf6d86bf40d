#!/usr/bin/env bash
# Storage benchmark (bench/storage_bench.cpp; issue 5, point 12): the object store against plain anchors measured in
# the same run on the same machine, every figure a ratio, each with the peak RSS (ru_maxrss) of its own process.
#   1. write: ObjectStore::Create (encrypt, hash, folder tier, SQLite catalog) of an incompressible file held in
#      memory vs writing the same bytes from memory to a file in the same folder (1 MiB writes, fsync, rename,
#      fsync of the folder). Goal >= 0.8.
#   2. read: ObjectStore::ReadAt of the whole object in 8 MiB pieces (decrypt, authenticate) vs pread of the plain
#      file in 8 MiB pieces; cold (page cache dropped) and warm (the pass right after).
#   3. migration: ObjectStore::Migrate of OBJECTS x OBJECT_MIB from the folder tier to an S3 tier on Ceph (policy:
#      everything to S3 only; copy, re-read to verify, free the folder copy) vs S3Client::Put of the same stored
#      bytes read from the same folder (no verify).
#   4. time to first byte of a RANGE_KIB read at random offsets of an object only in S3: ObjectStore::ReadAt vs
#      S3Client::GetRange of the same stored range (and of the whole chunks the range touches).
# Starts a single-node Ceph (memstore OSD, radosgw on 127.0.0.1; tests/services/ceph.sh) inside a private network
# namespace, and stops it; drops the page cache (needs root); leaves nothing running and removes its folder.
# Prints its table as markdown; with BENCH_JSON set, also writes the figures there as JSON (bench/benchjson.py), from
# which bench/report.py writes bench/RESULTS.md (bench/run-all.sh does both).
#
# Environment (defaults in brackets):
#   SIZE_MIB [512]      size of the file of figures 1 and 2 (random bytes)
#   OBJECTS [8] OBJECT_MIB [64]   objects migrated in figure 3 (slices of the same file)
#   READS [50] RANGE_KIB [64]     ranged reads of figure 4
#   REPEAT [3]          rounds of each figure (order of ours and the anchor alternated where possible); the best
#                       throughput / lowest median of each side is kept, the highest peak RSS
#   WORK [/tmp]         parent of the scratch folder: it must be on the disk being measured
#   VA_BUILD_DIR [build]   where storage_bench was built (bash scripts/build.sh)
#   BENCH_JSON [""]     where to write the figures as JSON
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
if [ "${VA_IN_NETNS:-}" != 1 ]; then exec "$repo/tests/integration/netns-run.sh" bash "$here/storage.sh" "$@"; fi

SIZE_MIB="${SIZE_MIB:-512}"
OBJECTS="${OBJECTS:-8}"
OBJECT_MIB="${OBJECT_MIB:-64}"
READS="${READS:-50}"
RANGE_KIB="${RANGE_KIB:-64}"
REPEAT="${REPEAT:-3}"
WORK="${WORK:-/tmp}"
build="${VA_BUILD_DIR:-build}"
case "$build" in /*) ;; *) build="$repo/$build" ;; esac
bench="$build/bench/storage_bench"
[ -x "$bench" ] || { echo "storage.sh: $bench not found: build first (bash scripts/build.sh)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "storage.sh: needs root (drops the page cache, network namespace)" >&2; exit 1; }
if [ "${UPDATE_RESULTS:-0}" = 1 ]; then
  echo "storage.sh: UPDATE_RESULTS is gone: only bench/report.py writes bench/RESULTS.md; set BENCH_JSON=FILE," \
    "or run bash bench/run-all.sh" >&2
  exit 2
fi

scratch=$(mktemp -d "$WORK/va-bench-storage.XXXXXX")
ceph_started=0
cleanup() {
  if [ "$ceph_started" = 1 ]; then bash "$repo/tests/services/ceph.sh" stop "$scratch/ceph" || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

# run NAME MODE ARGS...: one storage_bench process; its key=value lines go to $scratch/NAME.out.
run() {
  local name=$1
  shift
  "$bench" "$@" >"$scratch/$name.out" 2>"$scratch/$name.err" || {
    echo "storage.sh: storage_bench $* failed:" >&2
    cat "$scratch/$name.err" >&2
    exit 1
  }
}
# get NAME KEY: a value printed by run NAME.
get() { sed -n "s/^$2=//p" "$scratch/$1.out" | head -n 1; }
# best OP VALUES...: the max (OP=max) or min (OP=min) of the values.
best() {
  local op=$1
  shift
  printf '%s\n' "$@" | awk -v op="$op" 'NR == 1 || (op == "max" && $1 > b) || (op == "min" && $1 < b) { b = $1 } END { print b }'
}
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
mib() { calc "%.0f" "$1 / 1024"; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== input: $SIZE_MIB MiB of random bytes" >&2
head -c $((SIZE_MIB << 20)) /dev/urandom >"$scratch/input"
run init-rw init --dir "$scratch/rw"

# 1. Write (cold page cache before each: sync + drop, then the timed part).
declare -a w_ours w_plain w_ours_rss w_plain_rss w_plain_write
for r in $(seq 1 "$REPEAT"); do
  echo "== write, round $r" >&2
  sides=(plain ours)
  [ $((r % 2)) = 0 ] && sides=(ours plain)
  for side in "${sides[@]}"; do
    if [ "$side" = plain ]; then
      run "wp$r" write-plain --dir "$scratch/rw" --input "$scratch/input" --name "p$r" --drop-caches 1
      w_plain+=("$(get "wp$r" mbps)")
      w_plain_rss+=("$(get "wp$r" maxrss_kib)")
      w_plain_write+=("$(get "wp$r" write_seconds)")
    else
      run "ws$r" write-store --dir "$scratch/rw" --input "$scratch/input" --id "o$r" --drop-caches 1
      w_ours+=("$(get "ws$r" mbps)")
      w_ours_rss+=("$(get "ws$r" maxrss_kib)")
    fi
  done
done
run stages write-stages --input "$scratch/input"

# 2. Read: pass 1 after dropping the page cache (cold), pass 2 right after (warm).
declare -a rc_ours rw_ours rc_plain rw_plain r_ours_rss r_plain_rss
for r in $(seq 1 "$REPEAT"); do
  echo "== read, round $r" >&2
  sides=(plain ours)
  [ $((r % 2)) = 0 ] && sides=(ours plain)
  for side in "${sides[@]}"; do
    if [ "$side" = plain ]; then
      run "rp$r" read-plain --dir "$scratch/rw" --name p1 --drop-caches 1 --passes 2
      rc_plain+=("$(get "rp$r" pass1_mbps)")
      rw_plain+=("$(get "rp$r" pass2_mbps)")
      r_plain_rss+=("$(get "rp$r" maxrss_kib)")
    else
      run "rs$r" read-store --dir "$scratch/rw" --id o1 --drop-caches 1 --passes 2
      rc_ours+=("$(get "rs$r" pass1_mbps)")
      rw_ours+=("$(get "rs$r" pass2_mbps)")
      r_ours_rss+=("$(get "rs$r" maxrss_kib)")
    fi
  done
done
rm -rf "$scratch/rw"

# 3. and 4. on Ceph. memstore keeps objects in the OSD's memory: room for every round (deleted objects are only
# reclaimed by radosgw's garbage collector hours later).
echo "== starting Ceph" >&2
ceph_started=1
CEPH_ARGS="--memstore_device_bytes=$(((REPEAT * OBJECTS * OBJECT_MIB * 3 + 1024) << 20))" \
  bash "$repo/tests/services/ceph.sh" start "$scratch/ceph" >"$scratch/ceph.env"
set -a
# shellcheck disable=SC1091
. "$scratch/ceph.env"
set +a
declare -a m_ours m_plain m_verify m_ours_rss m_plain_rss
for r in $(seq 1 "$REPEAT"); do
  echo "== migration, round $r" >&2
  dir="$scratch/mig$r"
  run "mi$r" init --dir "$dir" --bucket "bench-$r"
  run "mc$r" create-many --dir "$dir" --input "$scratch/input" --prefix m --count "$OBJECTS" --object-mib "$OBJECT_MIB"
  # The anchor first: the migration frees the folder copies it reads.
  run "ma$r" put-anchor --dir "$dir" --bucket "bench-$r" --prefix m --count "$OBJECTS" --drop-caches 1
  run "mm$r" migrate --dir "$dir" --bucket "bench-$r" --drop-caches 1
  m_plain+=("$(get "ma$r" mbps)")
  m_verify+=("$(get "ma$r" verify_mbps)")
  m_plain_rss+=("$(get "ma$r" maxrss_kib)")
  m_ours+=("$(get "mm$r" mbps)")
  m_ours_rss+=("$(get "mm$r" maxrss_kib)")
  if [ "$(get "mm$r" copied)" != "$OBJECTS" ] || [ "$(get "mm$r" freed)" != "$OBJECTS" ]; then
    echo "storage.sh: migration round $r copied $(get "mm$r" copied), freed $(get "mm$r" freed) of $OBJECTS" >&2
    exit 1
  fi
done

declare -a t_ours t_ours95 t_first t_plain t_plain95 t_chunks t_chunks95 t_ours_rss t_plain_rss
for r in $(seq 1 "$REPEAT"); do
  echo "== ranged reads from S3, round $r" >&2
  common=(--bucket "bench-$REPEAT" --id m0 --reads "$READS" --range-kib "$RANGE_KIB" --seed "$r")
  run "ta$r" ttfb-anchor "${common[@]}"
  run "to$r" ttfb-store --dir "$scratch/mig$REPEAT" "${common[@]}"
  t_plain+=("$(get "ta$r" median_ms)")
  t_plain95+=("$(get "ta$r" p95_ms)")
  t_chunks+=("$(get "ta$r" chunks_median_ms)")
  t_chunks95+=("$(get "ta$r" chunks_p95_ms)")
  t_plain_rss+=("$(get "ta$r" maxrss_kib)")
  t_ours+=("$(get "to$r" median_ms)")
  t_ours95+=("$(get "to$r" p95_ms)")
  t_first+=("$(get "to$r" first_ms)")
  t_ours_rss+=("$(get "to$r" maxrss_kib)")
done
bash "$repo/tests/services/ceph.sh" stop "$scratch/ceph"
ceph_started=0

# The table. Best of the rounds per side: highest MB/s, lowest median (its own round's p95 is not tracked: the p95
# shown is the lowest of the rounds too); highest peak RSS.
wo=$(best max "${w_ours[@]}")
wp=$(best max "${w_plain[@]}")
rco=$(best max "${rc_ours[@]}")
rcp=$(best max "${rc_plain[@]}")
rwo=$(best max "${rw_ours[@]}")
rwp=$(best max "${rw_plain[@]}")
mo=$(best max "${m_ours[@]}")
mp=$(best max "${m_plain[@]}")
mv=$(best max "${m_verify[@]}")
to=$(best min "${t_ours[@]}")
to95=$(best min "${t_ours95[@]}")
tf=$(best min "${t_first[@]}")
tp=$(best min "${t_plain[@]}")
tp95=$(best min "${t_plain95[@]}")
tc=$(best min "${t_chunks[@]}")
tc95=$(best min "${t_chunks95[@]}")
buffer_mib=$SIZE_MIB
sha=$(get stages sha256_seconds)
enc=$(get stages encrypt_seconds)
dec=$(get stages decrypt_seconds)
cpy=$(get stages copy_seconds)
bytes=$(get stages bytes)
plain_s=$(calc "%.3f" "$bytes / 1e6 / $wp")
ours_s=$(calc "%.3f" "$bytes / 1e6 / $wo")
cpu_s=$(calc "%.3f" "2 * $sha + $enc + $cpy")

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
ram=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
fs=$(df -T "$WORK" | awk 'NR == 2 { print $2 " on " $1 }')
command="SIZE_MIB=$SIZE_MIB OBJECTS=$OBJECTS OBJECT_MIB=$OBJECT_MIB READS=$READS RANGE_KIB=$RANGE_KIB REPEAT=$REPEAT bash bench/storage.sh"
section=$(
  cat <<EOF
## Storage: encryption, migration, ranged reads from S3 (issue 5, point 12)

Command: \`$command\`, $(date -u "+%Y-%m-%d %H:%M UTC"). Machine: $(nproc) vCPUs ($cpu_model), $ram RAM, scratch folder on $fs,
$(sed -n 's/^PRETTY_NAME="\(.*\)"$/\1/p' /etc/os-release); build \`$(basename "$build")\` ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")).
$SIZE_MIB MiB of random bytes; default 1 MiB envelope chunks, AES-256-GCM, SQLite catalog, a real key file. Each figure
is its own process (peak RSS = its ru_maxrss), best of $REPEAT rounds per side, ours and the anchor alternated.
"Cold": \`sync\` + \`echo 3 > /proc/sys/vm/drop_caches\` right before the timed part. Load average (1, 5, 15 min)
at the start $load_start, at the end $(cut -d' ' -f1-3 /proc/loadavg): on a shared machine the CPU-bound side (ours) suffers
more than the I/O-bound anchors.

| figure | ours | anchor (same run) | **ours / anchor** | peak RSS ours / anchor |
|---|---|---|---|---|
| 1. write $SIZE_MIB MiB from memory, durable (cold cache before) | $(calc "%.0f" "$wo") MB/s (Create: encrypt, 2 x SHA-256, folder tier, catalog) | $(calc "%.0f" "$wp") MB/s (write, fsync, rename, fsync folder) | **$(calc "%.2f" "$wo / $wp")** (goal >= 0.8) | $(mib "$(best max "${w_ours_rss[@]}")") / $(mib "$(best max "${w_plain_rss[@]}")") MiB (input buffer: $buffer_mib MiB) |
| 2a. read whole object, 8 MiB pieces, **cold** | $(calc "%.0f" "$rco") MB/s (ReadAt: decrypt + authenticate) | $(calc "%.0f" "$rcp") MB/s (pread of the plain file) | **$(calc "%.2f" "$rco / $rcp")** | $(mib "$(best max "${r_ours_rss[@]}")") / $(mib "$(best max "${r_plain_rss[@]}")") MiB |
| 2b. the same, **warm** (the pass right after) | $(calc "%.0f" "$rwo") MB/s | $(calc "%.0f" "$rwp") MB/s | **$(calc "%.2f" "$rwo / $rwp")** | (same processes) |
| 3. migration folder -> S3 (Ceph), $OBJECTS x $OBJECT_MIB MiB, source cold | $(calc "%.0f" "$mo") MB/s (Migrate: copy, re-read + hash to verify, free) | $(calc "%.0f" "$mp") MB/s (S3Client::Put of the same stored bytes, no verify) | **$(calc "%.2f" "$mo / $mp")** | $(mib "$(best max "${m_ours_rss[@]}")") / $(mib "$(best max "${m_plain_rss[@]}")") MiB |
| 4. $RANGE_KIB KiB at a random offset of an object only in S3, median (p95) of $READS | $(calc "%.1f" "$to") ms ($(calc "%.1f" "$to95") ms) (ReadAt; first read of the object $(calc "%.1f" "$tf") ms) | $(calc "%.1f" "$tp") ms ($(calc "%.1f" "$tp95") ms) (GetRange of the same $RANGE_KIB KiB stored) | **$(calc "%.2f" "$to / $tp")** (time: lower is better) | $(mib "$(best max "${t_ours_rss[@]}")") / $(mib "$(best max "${t_plain_rss[@]}")") MiB |
| 4b. the same reads vs fetching the whole chunks they touch | $(calc "%.1f" "$to") ms | $(calc "%.1f" "$tc") ms ($(calc "%.1f" "$tc95") ms) (GetRange of the touched 1 MiB chunks) | **$(calc "%.2f" "$to / $tc")** | |

S3 figures: Ceph is a single memstore OSD (objects in the OSD's memory) with radosgw on loopback, on the same
$(nproc) cores as the benchmark: they measure our client-side cost against the same client's plain calls, not a
production Ceph. Where the write time goes (each stage timed alone on one thread, from memory, no I/O, same bytes):
SHA-256 $(calc "%.3f" "$sha") s per pass (twice: plain and stored bytes), AES-256-GCM $(calc "%.3f" "$enc") s, copy into the write buffer $(calc "%.3f" "$cpy") s —
$cpu_s s of CPU in all, against the anchor's $plain_s s of writing (Create took $ours_s s; it hashes the plain bytes on a
second thread and encrypts + hashes the next chunk while the tier writes the current one). Reading: AES-256-GCM
decryption alone takes $(calc "%.3f" "$dec") s ($(calc "%.0f" "$bytes / 1e6 / $dec") MB/s on one core), the whole warm anchor $(calc "%.3f" "$bytes / 1e6 / $rwp") s;
ReadAt reads a range, then decrypts it, in series: 1 / (1 / cold anchor + 1 / warm ours) predicts $(calc "%.0f" "1 / (1 / $rcp + 1 / $rwo)") MB/s cold.
Migration uploads every byte, then reads it back and hashes it before the copy counts: the anchor's own read-back
with SHA-256 of the same objects ran at $(calc "%.0f" "$mv") MB/s, so upload + verify predicts $(calc "%.0f" "1 / (1 / $mp + 1 / $mv)") MB/s, ours / anchor
$(calc "%.2f" "(1 / (1 / $mp + 1 / $mv)) / $mp"). A $RANGE_KIB KiB read fetches and authenticates the whole 1 MiB chunk(s) it touches (row 4b).
EOF
)
echo
echo "$section"
[ -n "${BENCH_JSON:-}" ] || exit 0

# The same figures as JSON for bench/report.py (ratios and goals computed by bench/benchjson.py).
items="$scratch/bench-items.jsonl"
bj() { python3 "$here/benchjson.py" add "$items" "$@"; }
rss() { mib "$(best max "$@")"; }
: >"$items"
bj figure "name=1. write $SIZE_MIB MiB from memory, durable (cold cache before)" "ours:=$wo" "anchor:=$wp" unit=MB/s \
  "higher_is_better:=true" "goal=>= 0.8" "ours_label=ObjectStore::Create: encrypt, 2 x SHA-256, folder tier, catalog" \
  "anchor_label=write, fsync, rename, fsync folder"
bj figure "name=2a. read the whole object, 8 MiB pieces, cold" "ours:=$rco" "anchor:=$rcp" unit=MB/s \
  "higher_is_better:=true" "ours_label=ReadAt: decrypt + authenticate" "anchor_label=pread of the plain file"
bj figure "name=2b. the same, warm (the pass right after)" "ours:=$rwo" "anchor:=$rwp" unit=MB/s \
  "higher_is_better:=true"
bj figure "name=3. migration folder -> S3 (Ceph), $OBJECTS x $OBJECT_MIB MiB, source cold" "ours:=$mo" "anchor:=$mp" \
  unit=MB/s "higher_is_better:=true" "ours_label=Migrate: copy, re-read + hash to verify, free" \
  "anchor_label=S3Client::Put of the same stored bytes, no verify"
bj figure "name=4. $RANGE_KIB KiB at a random offset of an object only in S3, median of $READS" "ours:=$to" "anchor:=$tp" \
  unit=ms "higher_is_better:=false" "ours_p95:=$to95" "anchor_p95:=$tp95" "first_read_ms:=$tf" \
  "ours_label=ReadAt" "anchor_label=GetRange of the same $RANGE_KIB KiB stored"
bj figure "name=4b. the same reads vs fetching the whole chunks they touch" "ours:=$to" "anchor:=$tc" unit=ms \
  "higher_is_better:=false" "anchor_p95:=$tc95" "anchor_label=GetRange of the touched 1 MiB chunks"
bj memory "name=1. write (input buffer: $buffer_mib MiB)" "peak_rss_mib:=$(rss "${w_ours_rss[@]}")" \
  "anchor_peak_rss_mib:=$(rss "${w_plain_rss[@]}")"
bj memory "name=2. read" "peak_rss_mib:=$(rss "${r_ours_rss[@]}")" "anchor_peak_rss_mib:=$(rss "${r_plain_rss[@]}")"
bj memory "name=3. migration" "peak_rss_mib:=$(rss "${m_ours_rss[@]}")" "anchor_peak_rss_mib:=$(rss "${m_plain_rss[@]}")"
bj memory "name=4. ranged reads from S3" "peak_rss_mib:=$(rss "${t_ours_rss[@]}")" \
  "anchor_peak_rss_mib:=$(rss "${t_plain_rss[@]}")"
bj table "title=Where the write time goes (each stage alone on one thread, from memory, same bytes)" \
  'columns:=["stage", "seconds"]' "rows:=[[\"SHA-256, one pass (Create makes two)\", $sha], [\"AES-256-GCM encryption\", $enc], [\"copy into the write buffer\", $cpy], [\"CPU in all (2 x SHA-256 + encryption + copy)\", $cpu_s], [\"AES-256-GCM decryption\", $dec], [\"the anchor's write\", $plain_s], [\"Create\", $ours_s]]"
bj table "title=Predictions from the same run's numbers" 'columns:=["what", "predicted", "measured"]' \
  "rows:=[[\"cold read, read then decrypt in series: 1 / (1 / cold anchor + 1 / warm ours), MB/s\", $(calc "%.0f" "1 / (1 / $rcp + 1 / $rwo)"), $(calc "%.0f" "$rco")], [\"migration, upload + verify: 1 / (1 / Put + 1 / read-back with SHA-256), MB/s\", $(calc "%.0f" "1 / (1 / $mp + 1 / $mv)"), $(calc "%.0f" "$mo")]]"
bj note "text=$SIZE_MIB MiB of random bytes; 1 MiB envelope chunks, AES-256-GCM, SQLite catalog, a real key file. Each figure is its own process (peak RSS = its ru_maxrss), best of $REPEAT rounds per side, ours and the anchor alternated. Cold: sync + drop_caches right before the timed part. Scratch folder on $fs."
bj note "text=S3: a single memstore Ceph OSD with radosgw on loopback, on the same cores as the benchmark: our client-side cost against the same client's plain calls, not a production Ceph."
bj note "text=Load average (1, 5, 15 min) at the start $load_start, at the end $(cut -d' ' -f1-3 /proc/loadavg)."
python3 "$here/benchjson.py" write "$items" "$BENCH_JSON" bench=storage \
  "title=Storage: encryption, migration, ranged reads from S3" script=bench/storage.sh \
  "param.SIZE_MIB=$SIZE_MIB" "param.OBJECTS=$OBJECTS" "param.OBJECT_MIB=$OBJECT_MIB" "param.READS=$READS" \
  "param.RANGE_KIB=$RANGE_KIB" "param.REPEAT=$REPEAT"
echo "storage.sh: figures written to $BENCH_JSON" >&2
