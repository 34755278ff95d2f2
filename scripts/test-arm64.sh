#!/usr/bin/env bash
# The tests on arm64, from an amd64 Debian 12 machine: the test binaries cross-built with
# Debian's cross compiler (g++-aarch64-linux-gnu) against a sysroot of Debian's arm64 -dev
# packages, and run by ctest under qemu-aarch64-static (CMAKE_CROSSCOMPILING_EMULATOR,
# cmake/cross-debian.cmake). This machine's own packages are left as they are: the sysroot is
# unpacked, never installed, into a cache folder (scripts/install-deps.sh --cross=arm64), since
# installing the :arm64 -dev packages would remove the amd64 ones.
#
#   scripts/test-arm64.sh           # every test binary; ctest runs all but the tests that cannot
#                                   # run under qemu-user (named below, with the reason)
#   scripts/test-arm64.sh --ci      # the parsing, container-envelope and exposition tests only
#                                   # (what scripts/test.sh runs)
#   scripts/test-arm64.sh -- ARGS   # extra ctest arguments, e.g. -- -R Docker
#
# Build folder: build-arm64 (-O2, warnings as errors). Exit status: ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."

ci=0
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ci) ci=1; shift ;;
    --) shift; ctest_args+=("$@"); break ;;
    *) echo "usage: scripts/test-arm64.sh [--ci] [-- CTEST-ARGS...]" >&2; exit 2 ;;
  esac
done

# The binaries of --ci: parsing (parse_test), the container envelopes with the NEON scan
# (unwrap_test), the exposition writers and collector (exposition_test).
CI_TESTS=(parse_test unwrap_test exposition_test)
# Left out of the whole run, with the reason (the rest runs, nginx, Apache, Prometheus and
# promtool included: the tests start the exporter through the emulator):
#   image, deploy: they check the image and the deployment files with the build machine's
#     tools (the image has its own arm64 test: tests/deploy/image_test.sh --platform linux/arm64);
#   load, bench: throughput, latency and RSS of a process under emulation say nothing of arm64.
EXCLUDED_LABELS='^(image|deploy|load|bench)$'

# Test cases that cannot pass under qemu-user, with the reason (gtest's filter, for every binary):
#   ProcessCollectorTest.ReadsProcSelf: qemu-user fakes /proc/self/stat for the emulated process,
#     with 0 for its virtual and resident memory (process_*_memory_bytes read 0).
#   AnalyzeBinaryTest.MultiGigabyteStreamInBoundedMemory: 2 GB through `analyze` within its
#     110 s deadline; emulated, the exporter reads it several times slower (killed at the
#     deadline).
#   SparseFileTest.GiantNulRunIsOneSkippedLineReadInBoundedTimeAndMemory: compares the peak RSS
#     of a long and a short run within 4 MiB; emulated, that RSS is qemu's, whose translated-code
#     cache grows with the run (34.6 against 29.6 MiB in one of three runs).
export GTEST_FILTER="${GTEST_FILTER:--ProcessCollectorTest.ReadsProcSelf:AnalyzeBinaryTest.MultiGigabyteStreamInBoundedMemory:SparseFileTest.GiantNulRunIsOneSkippedLineReadInBoundedTimeAndMemory}"

if ! command -v qemu-aarch64-static >/dev/null || ! command -v aarch64-linux-gnu-g++ >/dev/null; then
  ./scripts/install-deps.sh
fi
sysroot="$(./scripts/install-deps.sh --cross=arm64)"

start=${SECONDS}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# The native suite's optimisation (-O2: GCC 12's -O3 warns falsely in std::string) without its
# debug information, which would cost a third more compile time for nothing run here.
cmake -S . -B build-arm64 -G Ninja --toolchain cmake/cross-debian.cmake \
  -DACCESSLOG_TARGET_ARCH=arm64 -DACCESSLOG_SYSROOT="${sysroot}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" \
  -DACCESSLOG_WERROR=ON "${launcher[@]}" >/dev/null
jobs=$(nproc)
if [ "${ci}" = 1 ]; then
  cmake --build build-arm64 -j "${jobs}" --target "${CI_TESTS[@]}"
  labels="$(IFS='|'; echo "^(${CI_TESTS[*]})\$")"
  echo "== arm64 build: $((SECONDS - start)) s; ctest under $(qemu-aarch64-static --version | head -1)"
  (cd build-arm64 && ctest --output-on-failure --timeout 300 -j "${jobs}" -L "${labels}" \
    "${ctest_args[@]}")
else
  cmake --build build-arm64 -j "${jobs}"
  echo "== arm64 build: $((SECONDS - start)) s; ctest under $(qemu-aarch64-static --version | head -1)"
  (cd build-arm64 && ctest --output-on-failure --timeout 300 -j "${jobs}" \
    -LE "${EXCLUDED_LABELS}" "${ctest_args[@]}")
fi
