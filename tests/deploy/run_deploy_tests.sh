#!/usr/bin/env bash
# Every check of the deployment files (deploy/, Dockerfile, .dockerignore), without Docker, a
# cluster or systemd running, and without network:
#
#   bash tests/deploy/run_deploy_tests.sh PATH/TO/accesslog_exporter [--quick]
#
#   sync        deploy/sync.py --check: the Kubernetes files generated from rules/ and deploy/common/
#   kubernetes  tests/deploy/check_kubernetes.py: structure, Pod Security "restricted", probes, wiring
#   compose     tests/deploy/check_compose.py: structure, promtool check config, amtool check-config
#   shell-lint  shellcheck on the shell scripts, when it is installed (skipped otherwise)
#   systemd     tests/deploy/systemd_test.sh: systemd-analyze verify/security, group adm, sysusers
#   demo        tests/deploy/demo_stack_test.sh: real nginx + exporter + traffic.sh with the demo files
#   cost        tests/deploy/measure_cost.py on a small input: the script behind docs/scaling.md works
#   dockerfile  tests/deploy/dockerfile_test.sh: lint, the build stage's steps run outside Docker,
#               ldd/dpkg against the runtime packages, the binary in a chroot of those packages only
#               (a Release build: several minutes on 2 cores). --quick runs the lint only.
#
# The steps that need the exporter use the binary given; each step is bounded with timeout.
# Prints "deploy: N passed, N failed, N skipped"; exits 1 if a step failed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${root}/tests/deploy"
exporter=""
quick=0
for arg in "$@"; do
  case "${arg}" in
    --quick) quick=1 ;;
    *) exporter="${arg}" ;;
  esac
done
if [ -n "${exporter}" ]; then
  [ -x "${exporter}" ] || { echo "run_deploy_tests: ${exporter} is not an executable" >&2; exit 1; }
  exporter="$(cd "$(dirname "${exporter}")" && pwd)/$(basename "${exporter}")"
fi

# A Python with PyYAML: python3 on PATH, else Debian's (package python3-yaml).
python=""
for candidate in python3 /usr/bin/python3; do
  if command -v "${candidate}" >/dev/null && "${candidate}" -c 'import yaml' 2>/dev/null; then
    python="${candidate}"
    break
  fi
done

passed=0 failed=0 skipped=0
failures=()
# run NAME SECONDS COMMAND...
run() {
  local name="$1" limit="$2" start=${SECONDS} status=0
  shift 2
  echo
  echo "=== ${name}"
  timeout --kill-after=10 "${limit}" "$@" || status=$?
  if [ "${status}" -eq 0 ]; then
    passed=$((passed + 1))
    echo "=== ${name}: passed ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1))
    failures+=("${name}")
    [ "${status}" -eq 124 ] && echo "=== ${name}: timed out after ${limit} s"
    echo "=== ${name}: FAILED (exit ${status}, $((SECONDS - start)) s)"
  fi
}
skip() {
  skipped=$((skipped + 1))
  echo
  echo "=== $1: skipped ($2)"
}

if [ -n "${python}" ]; then
  run sync 60 "${python}" "${root}/deploy/sync.py" --check
  run kubernetes 180 "${python}" "${here}/check_kubernetes.py"
  run compose 180 "${python}" "${here}/check_compose.py"
else
  for s in sync kubernetes compose; do
    failed=$((failed + 1)); failures+=("${s}")
    echo "=== ${s}: FAILED: no python3 with PyYAML (Debian package python3-yaml)"
  done
fi

scripts=("${here}"/*.sh "${root}/deploy/common/traffic.sh")
if command -v shellcheck >/dev/null; then
  run shell-lint 120 shellcheck -x "${scripts[@]}"
else
  skip shell-lint "shellcheck is not installed"
fi

if [ -n "${exporter}" ]; then
  run systemd 180 bash "${here}/systemd_test.sh" "${exporter}"
  run demo 240 bash "${here}/demo_stack_test.sh" "${exporter}"
  run cost 180 python3 "${here}/measure_cost.py" --exporter "${exporter}" --lines 20000 \
    --live-seconds 3 --live-rate 300 --idle-seconds 1
else
  for s in systemd demo cost; do skip "${s}" "no exporter binary given"; done
fi

if [ "${quick}" = 1 ]; then
  version="$(sed -n 's/^project(accesslog_exporter VERSION \([0-9.]*\).*/\1/p' "${root}/CMakeLists.txt")"
  port="$(sed -n 's/.*listen_address = ":\([0-9]*\)".*/\1/p' "${root}/src/http/server.h")"
  run dockerfile-lint 60 python3 "${here}/dockerfile_check.py" lint "${root}/Dockerfile" --port "${port}" --version "${version}"
  skip dockerfile "--quick: the build stage was not run"
else
  run dockerfile 1800 bash "${here}/dockerfile_test.sh"
fi

echo
[ "${failed}" -eq 0 ] || echo "failed: ${failures[*]}"
echo "deploy: ${passed} passed, ${failed} failed, ${skipped} skipped"
[ "${failed}" -eq 0 ]
