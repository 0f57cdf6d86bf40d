#!/usr/bin/env bash
# A throw-away PostgreSQL server for the services tests.
#   postgres.sh start DIR   initdb into DIR/data, start postgres on 127.0.0.1 (a free port) and on a unix socket in
#                           DIR, create the database "archive", and print exactly one line for the environment:
#                             VA_PG_CONNINFO=host=127.0.0.1 port=PORT dbname=archive user=archive
#                           Logs: DIR/initdb.log, DIR/postgres.log, DIR/createdb.log.
#   postgres.sh stop DIR    stop it (fast: rolls back open transactions) and wait; nothing to do if it is not running.
# PostgreSQL refuses to run as root: as root, the server runs as the "postgres" system user (created by Debian's
# postgresql package) and DIR is given to it. Works inside tests/integration/netns-run.sh (only lo up).
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
(($# == 2)) || usage
action=$1
dir=$2
db_user=archive

# The newest installed server (Debian: /usr/lib/postgresql/<major>/bin), unless PG_BIN says otherwise.
if [ -z "${PG_BIN:-}" ]; then
  PG_BIN=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
fi
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "postgres.sh: no PostgreSQL server found (install Debian's postgresql package: scripts/install-deps.sh)" >&2
  exit 1
fi

# Runs a command as the user that owns the cluster.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$action" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" = 0 ]; then
      if ! id -u postgres >/dev/null 2>&1; then
        echo "postgres.sh: running as root needs the 'postgres' system user (Debian's postgresql package)" >&2
        exit 1
      fi
      chown postgres: "$dir"
      # The server must reach DIR: let others traverse (not list) the folders above it that root keeps private,
      # such as with-services.sh's mktemp -d scratch folder.
      d=$(dirname "$dir")
      while [ "$d" != / ]; do
        if [ "$(stat -c %u "$d")" = 0 ] && ! runuser -u postgres -- test -x "$d"; then
          chmod o+x "$d"
          echo "postgres.sh: let other users traverse $d" >&2
        fi
        d=$(dirname "$d")
      done
    fi
    # A unix socket path must fit in 107 bytes.
    if ((${#dir} > 80)); then
      echo "postgres.sh: '$dir' is too long for a unix socket path" >&2
      exit 1
    fi
    started=$(date +%s%N)
    # No fsync during initdb: a test cluster is thrown away, never recovered.
    if ! as_owner "$PG_BIN/initdb" -D "$dir/data" -U "$db_user" -A trust -E UTF8 --no-locale --no-sync \
      >"$dir/initdb.log" 2>&1; then
      echo "postgres.sh: initdb failed:" >&2
      tail -n 20 "$dir/initdb.log" >&2
      exit 1
    fi
    # fsync, full-page writes and synchronous commit off: the test server's data never has to survive a crash (the
    # folder is deleted afterwards), and without them start-up and every commit are much faster. Trust
    # authentication: only this machine (or this network namespace) can reach 127.0.0.1 and the socket is in DIR.
    cat >>"$dir/data/postgresql.conf" <<EOF

# postgres.sh (test server)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
full_page_writes = off
synchronous_commit = off
max_connections = 40
shared_buffers = 32MB
logging_collector = off
EOF
    # A free port: try random ones; a port grabbed between the probe and the start is caught by the retry.
    for attempt in 1 2 3 4 5 6 7 8; do
      port=$((20000 + RANDOM % 40000))
      if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
      if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -o "-p $port" -w -t 60 start \
        >>"$dir/pg_ctl.log" 2>&1; then
        break
      fi
      port=
      echo "postgres.sh: start attempt $attempt failed" >>"$dir/pg_ctl.log"
    done
    if [ -z "${port:-}" ]; then
      echo "postgres.sh: postgres did not start:" >&2
      tail -n 20 "$dir/postgres.log" >&2 || true
      exit 1
    fi
    if ! as_owner "$PG_BIN/createdb" -h "$dir" -p "$port" -U "$db_user" archive >"$dir/createdb.log" 2>&1; then
      echo "postgres.sh: createdb failed:" >&2
      cat "$dir/createdb.log" >&2
      as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >>"$dir/pg_ctl.log" 2>&1 || true
      exit 1
    fi
    echo "postgres.sh: started in $((($(date +%s%N) - started) / 1000000)) ms on port $port" >&2
    # Quoted: with-services.sh sources this line.
    echo "VA_PG_CONNINFO='host=127.0.0.1 port=$port dbname=archive user=$db_user'"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >>"$dir/pg_ctl.log" 2>&1 ||
        as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >>"$dir/pg_ctl.log" 2>&1 || true
    fi
    ;;
  *) usage ;;
esac
