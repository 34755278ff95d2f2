#!/usr/bin/env bash
# Builds and runs every test, on a fresh Debian 12 machine too (installs what it needs):
#   1. the release build with gcc, warnings as errors, and its whole test suite (unit, binary,
#      end-to-end with real nginx and promtool, Prometheus rules);
#   2. the parsing, container-envelope and exposition tests cross-built for arm64 and run under
#      qemu-aarch64-static (scripts/test-arm64.sh --ci; scripts/test-arm64.sh runs them all);
#   3. the C++ suite built with clang under AddressSanitizer + UndefinedBehaviorSanitizer, plus
#      the libFuzzer targets, each run for a bounded time on its seed corpus
#      (ACCESSLOG_FUZZ_SECONDS, 3 s each by default).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

jobs=$(nproc)
echo "== release build (gcc, -Werror)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DACCESSLOG_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure --timeout 300 -j "$jobs")

echo "== arm64 (cross-built, run under qemu-aarch64-static): parsing, envelopes, exposition"
./scripts/test-arm64.sh --ci

echo "== ASan+UBSan build with fuzz targets (clang, -Werror)"
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DACCESSLOG_WERROR=ON -DACCESSLOG_SANITIZE=ON -DACCESSLOG_FUZZ=ON >/dev/null
cmake --build build-asan -j "$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure --timeout 300 -j "$jobs")
