#!/usr/bin/env bash
# Every check of the deployment files (deploy/, Dockerfile, .dockerignore), without Docker, a
# cluster or systemd running, and without network:
#
#   bash tests/deploy/run_deploy_tests.sh PATH/TO/accesslog_exporter
#
#   sync        deploy/sync.py --check: the Kubernetes files generated from rules/ and deploy/common/
#   kubernetes  tests/deploy/check_kubernetes.py: structure, Pod Security "restricted", probes, wiring
#   kubernetes-schema  tests/deploy/kubernetes_schema_test.sh: kubectl kustomize, every object
#               against Kubernetes' schemas (npm kubernetes-models), mutants must fail
#   compose     tests/deploy/check_compose.py: structure, promtool check config, amtool check-config
#   shell-lint  shellcheck on the shell scripts, when it is installed (skipped otherwise)
#   systemd     tests/deploy/systemd_test.sh: systemd-analyze verify/security, group adm, sysusers
#   demo        tests/deploy/demo_stack_test.sh: real nginx + exporter + traffic.sh with the demo files
#   cost        tests/deploy/measure_cost.py on a small input: the script behind docs/scaling.md works
#   dockerfile  tests/deploy/dockerfile_test.sh: the Dockerfile's lint, and the linter rejects
#               broken copies (the image itself is built and run by tests/deploy/image_test.sh,
#               ctest label "image")
#
# The steps that need the exporter use the binary given; each step is bounded with timeout.
# Prints "deploy: N passed, N failed, N skipped"; exits 1 if a step failed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${root}/tests/deploy"
exporter=""
for arg in "$@"; do
  case "${arg}" in
    --quick) ;;  # accepted for old callers: the image build left this script (image_test.sh)
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
  run kubernetes-schema 180 bash "${here}/kubernetes_schema_test.sh"
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

run dockerfile 120 bash "${here}/dockerfile_test.sh"

echo
[ "${failed}" -eq 0 ] || echo "failed: ${failures[*]}"
echo "deploy: ${passed} passed, ${failed} failed, ${skipped} skipped"
[ "${failed}" -eq 0 ]
