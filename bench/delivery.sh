#!/usr/bin/env bash
# Delivery benchmark (bench/delivery_bench.py): seek time to first byte into a 2-hour recording (goal <= 100 ms),
# streamed read throughput against a raw read of the same bytes (goal >= 0.8) and against nginx, and Orthanc's memory
# with 20 concurrent streams. Runs inside a private network namespace; nothing listens outside.
# Environment: MINUTES [120] SEGMENT [20] MBPS [6] STREAMS [20] SEEKS [50] WORK [/tmp/va-bench-delivery]
#              VA_BUILD_DIR [build]   BENCH_JSON [""] also write the figures as JSON there (bench/benchjson.py)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../tests/integration/netns-run.sh" /usr/bin/python3 "$here/delivery_bench.py"
