#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: unit and integration tests (ctest), the library unit
# tests again under AddressSanitizer + UndefinedBehaviorSanitizer, a short libFuzzer run of every parser on its
# seed corpus, and the clang-format / clang-tidy checks.
#
# CI time (2 cores, under 30 minutes): the run is CPU-bound throughout (running the analysis beside the tests made it
# slower, measured), so the stages run one after the other; the test build has no debug information, one clang build
# at -O1 with line tables serves the sanitizer unit tests and the fuzz smoke runs (4 s per target), and the Clang
# static analyzer (it more than doubles the time of clang-tidy) is a separate test run before a release
# (ctest -L analysis).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

echo "== build and run unit + integration tests"
bash scripts/build.sh -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG"
# The tests with real servers run one at a time (RESOURCE_LOCK real-servers), unit tests beside them.
(cd build && ctest --output-on-failure --timeout 1500 -LE 'lint|analysis' -j 2)

echo "== unit tests under ASan + UBSan, and a libFuzzer smoke run of every parser"
# One clang build serves both (the libraries built once, at -O1 with line tables): the unit tests, then each fuzz
# target for 4 s on its seed corpus.
CC=clang CXX=clang++ BUILD_DIR=build-asan bash scripts/build.sh -DVA_SANITIZE=ON -DVA_FUZZ=ON -DVA_BUILD_PLUGIN=OFF \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -L 'unit|fuzz' -j 2)

echo "== style and static analysis"
(cd build && ctest --output-on-failure -L lint)
