#!/usr/bin/env bash
# Installs every Debian 12 package the project needs to build, test and benchmark.
# Idempotent: does nothing when everything is already installed.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev clang-format
  # libraries (see README "Dependencies" for why each one)
  prometheus-cpp-dev libre2-dev libsimdjson-dev libcli11-dev libyaml-cpp-dev
  libboost-dev libssl-dev libcrypt-dev zlib1g-dev nlohmann-json3-dev
  # the protobuf exposition: protoc, the library, and io.prometheus.client's metrics.proto
  libprotobuf-dev protobuf-compiler golang-github-prometheus-client-model-dev
  # the tests' own HTTP client
  libcpp-httplib-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # real components the tests run
  nginx apache2 prometheus logrotate curl python3 procps openssl
  # load test (tests/load): scrapes /metrics while the exporter follows a fast-growing log
  wrk
  # deployment tests (tests/deploy): amtool, PyYAML for Debian's python3, systemd-analyze
  prometheus-alertmanager python3-yaml systemd
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
