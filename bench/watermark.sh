#!/usr/bin/env bash
# Watermark benchmark (bench/watermark_bench.py): the cost of the keyed archive-ID mark (PSNR / SSIM of the marked
# against the unmarked archival encode), the raw bit error rate per attack before error correction, embed and detect
# fps against plain ffmpeg pass-through / decode of the same frames, and peak RSS.
# Environment: VA_BUILD_DIR [build]  VA_TESTDATA [/work/shared/testdata]  FRAMES [250]  STRENGTH [built-in]
#              CLIPS [comma-separated clip names]  WORK [/tmp/va-bench-watermark]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export VA_BUILD_DIR="${VA_BUILD_DIR:-$here/../build}"
exec /usr/bin/python3 "$here/watermark_bench.py"
