#!/usr/bin/env bash
# Starts a single-node Ceph (radosgw on 127.0.0.1) and a PostgreSQL server in a scratch folder, runs the command
# with their addresses in the environment, then stops both whatever happened:
#   VA_S3_ENDPOINT, VA_S3_ACCESS_KEY, VA_S3_SECRET_KEY, VA_S3_REGION   (ceph.sh)
#   VA_PG_CONNINFO                                                     (postgres.sh)
# Run it inside a private network namespace (tests/integration/netns-run.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d /tmp/va-services.XXXXXX)
stop() {
  bash "$here/ceph.sh" stop "$scratch/ceph" || true
  bash "$here/postgres.sh" stop "$scratch/pg" || true
  rm -rf "$scratch"
}
trap stop EXIT
bash "$here/ceph.sh" start "$scratch/ceph" >"$scratch/ceph.env"
bash "$here/postgres.sh" start "$scratch/pg" >"$scratch/pg.env"
set -a
# shellcheck disable=SC1091
. "$scratch/ceph.env"
# shellcheck disable=SC1091
. "$scratch/pg.env"
set +a
"$@"
