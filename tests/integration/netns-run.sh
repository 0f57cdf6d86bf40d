#!/usr/bin/env bash
# Runs a command inside a private network namespace with only loopback up, so that the Orthanc servers the tests
# start listen nowhere else, several suites can use the same ports, and no traffic leaves the machine.
set -euo pipefail
if [ "${VA_IN_NETNS:-}" = 1 ]; then exec "$@"; fi
export VA_IN_NETNS=1
exec unshare --net --fork -- bash -c 'ip link set lo up && exec "$@"' netns-run "$@"
