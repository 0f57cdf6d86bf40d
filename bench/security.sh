#!/usr/bin/env bash
# Security benchmark (bench/security_bench.py): QIDO-RS latency with the plugin's HTTP filter and audit trail on,
# against the same server and data with security off (goal: requests/s on / off >= 0.9), and Orthanc's peak memory.
# Runs inside a private network namespace; nothing listens outside.
# Environment: STUDIES [200] REQUESTS [600] ROUNDS [5] SYNC [0] (1: Audit.SyncEveryRecord) VA_BUILD_DIR [build]   BENCH_JSON [""] (bench/benchjson.py)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../tests/integration/netns-run.sh" /usr/bin/python3 "$here/security_bench.py"
