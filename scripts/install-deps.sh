#!/usr/bin/env bash
# Installs every Debian 12 package the project needs to build, test and benchmark.
# Idempotent: does nothing when everything is already installed. Also installs the schema checks'
# npm packages into a cache folder (scripts/install-npm-deps.sh).
#   --no-image-tools   leave out podman, mmdebstrap, docker, compose, node and the arm64 test
#                      tools (the Dockerfile's build stage: a container build needs none of them)
#   --cross=ARCH       only what a cross build for the Debian architecture ARCH (arm64, amd64)
#                      needs: this machine's build tools, Debian's cross compiler for ARCH, and a
#                      sysroot of ARCH's -dev LIBRARIES below, unpacked by scripts/debian-unpack.sh
#                      (never installed: this machine's packages stay as they are) into a cache
#                      folder keyed on the package list; prints the sysroot's path. The
#                      Dockerfile's build stage (cross builds) and scripts/test-arm64.sh use it.
set -euo pipefail
image_tools=1 cross=""
for arg in "$@"; do
  case "${arg}" in
    --no-image-tools) image_tools=0 ;;
    --cross=*) cross="${arg#--cross=}" ;;
    *) echo "usage: install-deps.sh [--no-image-tools | --cross=ARCH]" >&2; exit 2 ;;
  esac
done

# What compiles the project, on this machine; protoc generates C++ at build time (in a cross
# build too: Debian 12's protoc and the target's libprotobuf are the same version).
BUILD_TOOLS=(build-essential cmake ninja-build pkg-config
             protobuf-compiler golang-github-prometheus-client-model-dev)
# The libraries the project and its tests link against (see README "Dependencies" for why each
# one): installed here for a native build, unpacked into a sysroot for a cross build.
LIBRARIES=(
  prometheus-cpp-dev libre2-dev libsimdjson-dev libcli11-dev libyaml-cpp-dev
  libboost-dev libssl-dev libcrypt-dev zlib1g-dev nlohmann-json3-dev
  # the protobuf exposition (protoc and io.prometheus.client's metrics.proto: BUILD_TOOLS)
  libprotobuf-dev
  # remote write: snappy compresses every request (the protocol's block format)
  libsnappy-dev
  # the tests' own HTTP client
  libcpp-httplib-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)

# install PACKAGE...: apt-get install of those not installed yet.
install() {
  local missing=() p SUDO=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if [ -n "${cross}" ]; then
  case "${cross}" in
    arm64) triplet=aarch64-linux-gnu ;;
    amd64) triplet=x86_64-linux-gnu ;;
    *) echo "install-deps: --cross=${cross}: arm64 or amd64" >&2; exit 2 ;;
  esac
  install "${BUILD_TOOLS[@]}" "g++-${triplet//_/-}"
  # The sysroot: the libraries' -dev packages for ARCH with the C and C++ runtimes they need.
  sysroot_packages=(libc6-dev libstdc++-12-dev "${LIBRARIES[@]}")
  if [ -z "${ACCESSLOG_TEST_CACHE:-}" ]; then
    if [ "$(id -u)" -eq 0 ]; then ACCESSLOG_TEST_CACHE=/var/cache/accesslog-test
    else ACCESSLOG_TEST_CACHE="${XDG_CACHE_HOME:-${HOME}/.cache}/accesslog-test"; fi
  fi
  unpack="$(dirname "${BASH_SOURCE[0]}")/debian-unpack.sh"
  key="$( (echo "${cross} ${sysroot_packages[*]}"; cat "${unpack}") | sha256sum | cut -c1-12)"
  sysroot="${ACCESSLOG_TEST_CACHE}/sysroot-${cross}-${key}"
  if [ ! -e "${sysroot}/.complete" ]; then
    echo "install-deps: unpacking the ${cross} sysroot into ${sysroot}" >&2
    rm -rf "${sysroot}"
    bash "${unpack}" --arch "${cross}" --into "${sysroot}" "${sysroot_packages[@]}"
    touch "${sysroot}/.complete"
  fi
  echo "${sysroot}"
  exit 0
fi

PACKAGES=(
  "${BUILD_TOOLS[@]}"
  # the sanitizer and fuzz build, and the formatter
  clang libclang-rt-14-dev clang-format
  "${LIBRARIES[@]}"
  # real components the tests run
  nginx apache2 prometheus logrotate curl python3 procps openssl
  # load test (tests/load): scrapes /metrics while the exporter follows a fast-growing log
  wrk
  # benchmarks (bench/): mtail follows the same files beside the exporter; strace counts the
  # system calls of the live-cost benchmark
  mtail strace
  # deployment tests (tests/deploy): amtool, PyYAML for Debian's python3, systemd-analyze
  prometheus-alertmanager python3-yaml systemd
)
IMAGE_TOOLS=(
  # the image, built and run for real (tests/deploy/image_test.sh): rootful podman with Debian's
  # runc (crun cannot run here: cgroups in hybrid mode), fuse-overlayfs storage, mmdebstrap for the
  # base images made from the Debian archive, docker-compose to validate the compose demo
  podman runc fuse-overlayfs slirp4netns uidmap mmdebstrap docker-compose
  # the arm64 tests (scripts/test-arm64.sh): Debian's cross compiler and qemu-user, which runs
  # the arm64 test binaries when called explicitly (no binfmt handler is registered for them)
  g++-aarch64-linux-gnu qemu-user-static
)
# The Docker client for the Docker-API test; the machine image may ship its own in /usr/local/bin.
command -v docker >/dev/null || IMAGE_TOOLS+=(docker.io)
# The Kubernetes and Grafana schema checks run on node with packages from npm; the machine image
# may ship its own node and npm (which conflict with Debian's npm package).
command -v npm >/dev/null || IMAGE_TOOLS+=(nodejs npm)
[ "${image_tools}" = 0 ] || PACKAGES+=("${IMAGE_TOOLS[@]}")

install "${PACKAGES[@]}"
# The schema checks' npm packages, into a cache folder (skipped when already there).
[ "${image_tools}" = 0 ] || "$(dirname "${BASH_SOURCE[0]}")/install-npm-deps.sh" >/dev/null
