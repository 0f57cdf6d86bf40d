#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: unit and integration tests (ctest), the library unit
# tests again under AddressSanitizer + UndefinedBehaviorSanitizer, a short libFuzzer run of every parser on its
# seed corpus, and the clang-format / clang-tidy checks.
#
# CI time (2 cores, under 30 minutes): the integration tests wait on servers and browsers much of the time, so the
# static analysis and the sanitizer build run (niced) beside them and take the CPU they leave idle.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

echo "== build"
bash scripts/build.sh

lint_log=$(mktemp /tmp/va-lint.XXXXXX)
asan_log=$(mktemp /tmp/va-asan-build.XXXXXX)
# Each in its own process group, so that a failing stage stops them (and whatever they started) on exit.
setsid nice -n 15 ctest --test-dir build/tests/lint --output-on-failure -L lint >"$lint_log" 2>&1 &
lint_pid=$!
BUILD_DIR=build-asan setsid nice -n 10 bash scripts/build.sh -DVA_SANITIZE=ON -DVA_BUILD_PLUGIN=OFF \
  >"$asan_log" 2>&1 &
asan_pid=$!
trap 'kill -- "-$lint_pid" "-$asan_pid" 2>/dev/null || true; rm -f "$lint_log" "$asan_log"' EXIT

echo "== unit + integration tests"
(cd build && ctest --output-on-failure --timeout 1500 -LE lint -j 2)  # integration tests run alone (RUN_SERIAL)

echo "== unit tests under ASan + UBSan"
if ! wait "$asan_pid"; then
  cat "$asan_log"
  exit 1
fi
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -L unit -j 2)

echo "== libFuzzer smoke run of every parser"
# -O0 (Debug): a smoke run of a few seconds per target gains nothing from optimisation, the build is faster.
CC=clang CXX=clang++ BUILD_DIR=build-fuzz bash scripts/build.sh -DVA_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-fuzz && ctest --output-on-failure -j 2)

echo "== style and static analysis"
lint_status=0
wait "$lint_pid" || lint_status=$?
cat "$lint_log"
exit "$lint_status"
