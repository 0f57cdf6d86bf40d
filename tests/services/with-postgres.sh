#!/usr/bin/env bash
# Starts only a PostgreSQL server in a scratch folder (postgres.sh), runs the command with VA_PG_CONNINFO set, then
# stops it whatever happened. For library unit tests parameterised on the SQL engine. Run it inside a private
# network namespace (tests/integration/netns-run.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d /tmp/va-postgres.XXXXXX)
stop() {
  bash "$here/postgres.sh" stop "$scratch/pg" || true
  rm -rf "$scratch"
}
trap stop EXIT
bash "$here/postgres.sh" start "$scratch/pg" >"$scratch/pg.env"
set -a
# shellcheck disable=SC1091
. "$scratch/pg.env"
set +a
"$@"
