#!/usr/bin/env bash
# Installs the npm packages of the schema checks (tests/schemas/package.json: kubernetes-models,
# @kubernetes-models/prometheus-operator, @grafana/schema of the oldest and newest Grafana we
# support, ts-json-schema-generator, ajv; the OpenAPI reference test's swagger-parser and real
# documents: @readme/oas-examples, @octokit/openapi) into a cache folder keyed on package.json's contents,
# and prints that folder. Does nothing but print it when it is already there.
#
#   scripts/install-npm-deps.sh          # prints e.g. /var/cache/accesslog-test/npm-3f2a9c1b0d4e
#   scripts/install-npm-deps.sh --print  # prints the folder if installed, else fails (the tests)
#
# The folder is $ACCESSLOG_TEST_CACHE (default /var/cache/accesslog-test as root, else
# ~/.cache/accesslog-test)/npm-<hash>. The tests never call npm themselves: they read this folder.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
spec="${root}/tests/schemas/package.json"
if [ -z "${ACCESSLOG_TEST_CACHE:-}" ]; then
  if [ "$(id -u)" -eq 0 ]; then ACCESSLOG_TEST_CACHE=/var/cache/accesslog-test
  else ACCESSLOG_TEST_CACHE="${XDG_CACHE_HOME:-${HOME}/.cache}/accesslog-test"; fi
fi
key="$(sha256sum "${spec}" | cut -c1-12)"
dir="${ACCESSLOG_TEST_CACHE}/npm-${key}"
if [ "${1:-}" = --print ]; then
  [ -e "${dir}/.installed" ] || { echo "install-npm-deps: ${dir} is not installed: run scripts/install-deps.sh" >&2; exit 1; }
  echo "${dir}"
  exit 0
fi
if [ ! -e "${dir}/.installed" ]; then
  command -v npm >/dev/null || { echo "install-npm-deps: no npm (scripts/install-deps.sh installs it)" >&2; exit 1; }
  echo "install-npm-deps: npm install into ${dir}" >&2
  rm -rf "${dir}"
  mkdir -p "${dir}"
  cp "${spec}" "${dir}/package.json"
  npm install --prefix "${dir}" --no-audit --no-fund --loglevel=error >&2
  touch "${dir}/.installed"
fi
echo "${dir}"
