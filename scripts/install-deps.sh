#!/usr/bin/env bash
# Installs every Debian 12 package the project needs to build, test and benchmark.
# Idempotent: does nothing when everything is already installed. Also installs the schema checks'
# npm packages into a cache folder (scripts/install-npm-deps.sh).
#   --no-image-tools   leave out podman, mmdebstrap, docker, compose and node (the Dockerfile's
#                      build stage: a container build needs none of them)
set -euo pipefail
image_tools=1
[ "${1:-}" = --no-image-tools ] && image_tools=0

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev clang-format
  # libraries (see README "Dependencies" for why each one)
  prometheus-cpp-dev libre2-dev libsimdjson-dev libcli11-dev libyaml-cpp-dev
  libboost-dev libssl-dev libcrypt-dev zlib1g-dev nlohmann-json3-dev
  # the protobuf exposition: protoc, the library, and io.prometheus.client's metrics.proto
  libprotobuf-dev protobuf-compiler golang-github-prometheus-client-model-dev
  # remote write: snappy compresses every request (the protocol's block format)
  libsnappy-dev
  # the tests' own HTTP client
  libcpp-httplib-dev
  libgtest-dev libgmock-dev libbenchmark-dev
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
)
# The Docker client for the Docker-API test; the machine image may ship its own in /usr/local/bin.
command -v docker >/dev/null || IMAGE_TOOLS+=(docker.io)
# The Kubernetes and Grafana schema checks run on node with packages from npm; the machine image
# may ship its own node and npm (which conflict with Debian's npm package).
command -v npm >/dev/null || IMAGE_TOOLS+=(nodejs npm)
[ "${image_tools}" = 0 ] || PACKAGES+=("${IMAGE_TOOLS[@]}")

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The schema checks' npm packages, into a cache folder (skipped when already there).
[ "${image_tools}" = 0 ] || "$(dirname "${BASH_SOURCE[0]}")/install-npm-deps.sh" >/dev/null
