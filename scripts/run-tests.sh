#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: unit and integration tests (ctest), the library unit
# tests again under AddressSanitizer + UndefinedBehaviorSanitizer, a short libFuzzer run of every parser on its
# seed corpus, and the clang-format / clang-tidy checks.
#
# CI time (2 cores, under 30 minutes): the run is CPU-bound throughout (running the analysis beside the tests made it
# slower, measured), so the stages run one after the other; the fuzz smoke runs (8 s per target) use a -O0 build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

echo "== build and run unit + integration tests"
bash scripts/build.sh
(cd build && ctest --output-on-failure --timeout 1500 -LE lint -j 2)  # integration tests run alone (RUN_SERIAL)

echo "== unit tests under ASan + UBSan"
BUILD_DIR=build-asan bash scripts/build.sh -DVA_SANITIZE=ON -DVA_BUILD_PLUGIN=OFF
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -L unit -j 2)

echo "== libFuzzer smoke run of every parser"
# A smoke run of a few seconds per target gains nothing from optimisation; the -O0 build takes a third of the time.
CC=clang CXX=clang++ BUILD_DIR=build-fuzz bash scripts/build.sh -DVA_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-fuzz && ctest --output-on-failure -j 2)

echo "== style and static analysis"
(cd build && ctest --output-on-failure -L lint)
