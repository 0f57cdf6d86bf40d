#!/usr/bin/env bash
# A single-node Ceph for tests: one monitor, one OSD on memstore, no manager, no authentication, and radosgw (S3)
# on 127.0.0.1. Everything (configuration, data, sockets, pid files, logs) lives in DIR; /etc/ceph and /var/lib/ceph
# are never touched, so several clusters can run side by side (each picks free ports).
#   ceph.sh start DIR   starts it and prints, on stdout and nowhere else, the lines
#                       VA_S3_ENDPOINT=http://127.0.0.1:PORT VA_S3_ACCESS_KEY=.. VA_S3_SECRET_KEY=.. VA_S3_REGION=..
#   ceph.sh stop DIR    stops every daemon started in DIR and waits until they are gone
#   ceph.sh stop-rgw DIR / start-rgw DIR   stops / restarts radosgw alone: the S3 service goes down and comes back
#                       on the same port while the data stays in the OSD (memstore loses it if the OSD stops)
# Works as root inside a private network namespace with only loopback up (tests/integration/netns-run.sh).
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|stop-rgw|start-rgw DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
action=$1
dir=$2
conf=$dir/ceph.conf
log=$dir/log

# A TCP port nobody listens on (a bash /dev/tcp connection to it fails).
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "ceph.sh: no free TCP port found" >&2
  return 1
}

# Stops one daemon by its pid file: SIGTERM, two seconds of grace (a clean shutdown is worth nothing to a memstore
# cluster thrown away afterwards; radosgw alone would take five), then SIGKILL; returns once it is gone.
stop_daemon() {
  local file=$1 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file" 2>/dev/null || true)
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 20); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}

# radosgw first, then the OSDs, the monitor last (each needs the next one to shut down quickly).
stop_daemons() {
  local file
  stop_daemon "$dir/run/client.rgw.a.pid"
  for file in "$dir"/run/osd.*.pid; do stop_daemon "$file"; done
  for file in "$dir"/run/*.pid; do stop_daemon "$file"; done
}

# Reports a failed start with the tail of the relevant log, stops what was started and exits.
fail() {
  local message=$1 logfile=${2:-}
  echo "ceph.sh: $message (cluster folder $dir)" >&2
  if [ -n "$logfile" ] && [ -f "$logfile" ]; then
    echo "---- last lines of $logfile ----" >&2
    tail -n 40 "$logfile" >&2
    echo "----" >&2
  fi
  stop_daemons
  exit 1
}

# Waits until the pid file names a live process (the daemons fork to the background and then write it).
wait_pid_file() {
  local file=$1 what=$2 logfile=$3
  for _ in $(seq 1 200); do
    if [ -s "$file" ] && kill -0 "$(cat "$file")" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  fail "$what did not start" "$logfile"
}

wait_listening() {
  local port=$1 what=$2 logfile=$3 pidfile=$4 seconds=$5
  local deadline=$((SECONDS + seconds))
  while [ $SECONDS -lt $deadline ]; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    if [ -s "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then fail "$what exited" "$logfile"; fi
    sleep 0.05
  done
  fail "$what does not listen on 127.0.0.1:$port after $seconds s" "$logfile"
}

# Start-up milestones, to see where the seconds go.
stamp() { echo "$(date +%s.%N) $*" >>"$log/timing.log"; }

start() {
  for tool in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph curl; do
    command -v "$tool" >/dev/null || {
      echo "ceph.sh: $tool is not installed (apt-get install ceph-mon ceph-osd radosgw ceph-common curl)" >&2
      exit 1
    }
  done
  if [ -e "$dir/run" ]; then
    echo "ceph.sh: $dir already holds a cluster; stop it and remove the folder first" >&2
    exit 1
  fi
  mkdir -p "$dir/run" "$log" "$dir/mon" "$dir/osd" "$dir/rgw"
  dir=$(cd "$dir" && pwd)
  conf=$dir/ceph.conf
  log=$dir/log

  stamp begin
  local mon_port rgw_port fsid osd_uuid
  mon_port=$(free_port)
  rgw_port=$(free_port)
  while [ "$rgw_port" = "$mon_port" ]; do rgw_port=$(free_port); done
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)

  cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
mon initial members = a
public network = 127.0.0.0/8
ms bind msgr1 = false
auth cluster required = none
auth service required = none
auth client required = none
ms cluster mode = crc secure
ms service mode = crc secure
ms client mode = crc secure
ms mon cluster mode = crc secure
ms mon service mode = crc secure
ms mon client mode = crc secure
run dir = $dir/run
admin socket = $dir/run/\$cluster-\$name.asok
pid file = $dir/run/\$name.pid
log file = $log/\$name.log
log to stderr = false
err to stderr = false
log to syslog = false
crash dir = $dir/crash
keyring = /dev/null
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon warn on pool no redundancy = false
mon allow pool delete = true
mon allow pool size one = true

[mon]
mon data = $dir/mon/\$cluster-\$id
paxos propose interval = 0.05
mon data avail crit = 0
mon data avail warn = 0

[osd]
osd data = $dir/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = 2147483648
osd crush update on start = true
osd mon shutdown timeout = 1

[client.rgw.a]
rgw data = $dir/rgw
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
EOF

  # Monitor.
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >"$log/monmaptool.log" 2>&1 ||
    fail "monmaptool failed" "$log/monmaptool.log"
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" >"$log/mon-mkfs.log" 2>&1 ||
    fail "ceph-mon --mkfs failed" "$log/mon-mkfs.log"
  stamp mon-mkfs
  ceph-mon -c "$conf" -i a >"$log/mon-start.log" 2>&1 || fail "ceph-mon did not start" "$log/mon.a.log"
  wait_pid_file "$dir/run/mon.a.pid" ceph-mon "$log/mon.a.log"
  wait_listening "$mon_port" ceph-mon "$log/mon.a.log" "$dir/run/mon.a.pid" 30
  stamp mon-listening

  # OSD: registered with the monitor, then its memstore made and started.
  local osd_id
  osd_id=$(timeout 60 ceph -c "$conf" --connect-timeout 30 osd new "$osd_uuid" 2>"$log/osd-new.log") ||
    fail "ceph osd new failed" "$log/osd-new.log"
  [[ "$osd_id" =~ ^[0-9]+$ ]] || fail "ceph osd new answered '$osd_id'" "$log/osd-new.log"
  mkdir -p "$dir/osd/ceph-$osd_id"
  stamp osd-new
  ceph-osd -c "$conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >"$log/osd-mkfs.log" 2>&1 ||
    fail "ceph-osd --mkfs failed" "$log/osd-mkfs.log"
  ceph-osd -c "$conf" -i "$osd_id" >"$log/osd-start.log" 2>&1 || fail "ceph-osd did not start" "$log/osd.$osd_id.log"
  wait_pid_file "$dir/run/osd.$osd_id.pid" ceph-osd "$log/osd.$osd_id.log"

  stamp osd-started
  # radosgw; it creates its pools and waits for the OSD by itself.
  radosgw -c "$conf" -n client.rgw.a >"$log/rgw-start.log" 2>&1 || fail "radosgw did not start" "$log/client.rgw.a.log"
  wait_pid_file "$dir/run/client.rgw.a.pid" radosgw "$log/client.rgw.a.log"

  # The S3 user (fixed keys: the cluster is private to this folder and this network namespace).
  local access_key secret_key
  access_key=$(cat /proc/sys/kernel/random/uuid)
  access_key=VATEST${access_key//-/}
  access_key=${access_key:0:20}
  access_key=${access_key^^}
  secret_key=$(cat /proc/sys/kernel/random/uuid /proc/sys/kernel/random/uuid)
  secret_key=${secret_key//[-$'\n']/}
  secret_key=${secret_key:0:40}
  timeout 120 radosgw-admin -c "$conf" -n client.rgw.a user create --uid=va-test --display-name="va tests" \
    --access-key="$access_key" --secret-key="$secret_key" >"$log/user-create.log" 2>&1 ||
    fail "radosgw-admin user create failed" "$log/user-create.log"

  stamp user-created
  wait_listening "$rgw_port" radosgw "$log/client.rgw.a.log" "$dir/run/client.rgw.a.pid" 120
  # Listening is not answering yet: wait for a first S3 answer (403 to an anonymous request is fine).
  local deadline=$((SECONDS + 120)) status
  while :; do
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$rgw_port/" || true)
    case "$status" in 2?? | 4??) break ;; esac
    [ $SECONDS -lt $deadline ] || fail "radosgw does not answer HTTP (last status '$status')" "$log/client.rgw.a.log"
    kill -0 "$(cat "$dir/run/client.rgw.a.pid")" 2>/dev/null || fail "radosgw exited" "$log/client.rgw.a.log"
    sleep 0.05
  done

  stamp rgw-answers
  echo "VA_S3_ENDPOINT=http://127.0.0.1:$rgw_port"
  echo "VA_S3_ACCESS_KEY=$access_key"
  echo "VA_S3_SECRET_KEY=$secret_key"
  echo "VA_S3_REGION=us-east-1"
}

# The S3 front end again, on the port it had (kept in ceph.conf); waits until it answers.
start_rgw() {
  local port
  port=$(sed -n 's/.*endpoint=127.0.0.1:\([0-9]*\).*/\1/p' "$conf" | head -n 1)
  radosgw -c "$conf" -n client.rgw.a >>"$log/rgw-start.log" 2>&1 || fail "radosgw did not start" "$log/client.rgw.a.log"
  wait_pid_file "$dir/run/client.rgw.a.pid" radosgw "$log/client.rgw.a.log"
  local deadline=$((SECONDS + 120)) status
  while :; do
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/" || true)
    case "$status" in 2?? | 4??) break ;; esac
    [ $SECONDS -lt $deadline ] || fail "radosgw does not answer HTTP again (last status '$status')" "$log/client.rgw.a.log"
    sleep 0.05
  done
}

case "$action" in
  start) start ;;
  stop) stop_daemons ;;
  stop-rgw) stop_daemon "$dir/run/client.rgw.a.pid" ;;
  start-rgw) start_rgw ;;
  *) usage ;;
esac
