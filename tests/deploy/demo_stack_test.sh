#!/usr/bin/env bash
# Runs the demo's own files for real, outside Docker: Debian's nginx with deploy/common/nginx.conf,
# the exporter with deploy/common/accesslog_exporter.yml, and deploy/common/traffic.sh against
# them, on 127.0.0.1 with ports chosen at run time (paths and ports rewritten, nothing else).
#
#   bash tests/deploy/demo_stack_test.sh PATH/TO/accesslog_exporter
#
# Asserts: the exporter, started first, is ready once nginx has opened its log (what the
# Kubernetes readiness probe relies on); the traffic generator gets 2xx,
# 404, 405, 418, 429, 500, 502 and 503; the exporter counts every request nginx logged, no line
# malformed (the pasted log_format matches nginx's), with the route label normalised and upstream
# times read; SIGTERM leaves a positions file in the state directory.
# Bounded to 150 s (about 40 s here: curl starts 86 times); every process it starts is stopped by PID. Exit 0 passed, 1 failed.
set -euo pipefail

exporter="${1:?usage: $0 PATH/TO/accesslog_exporter}"
exporter="$(cd "$(dirname "${exporter}")" && pwd)/$(basename "${exporter}")"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
common="${root}/deploy/common"
for tool in nginx curl python3; do
  command -v "${tool}" >/dev/null || { echo "demo_stack_test: FAIL: ${tool} not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

deadline=$((SECONDS + 150))
tmp="$(mktemp -d -t accesslog-demo.XXXXXX)"
chmod 0755 "${tmp}"
pids=()
cleanup() {
  local status=$? pid
  for pid in "${pids[@]}"; do kill -TERM "${pid}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${pid}" 2>/dev/null || true
    wait "${pid}" 2>/dev/null || true
  done
  if [ "${status}" -ne 0 ]; then
    for f in nginx.err exporter.err; do [ -s "${tmp}/${f}" ] && { echo "--- ${f}"; tail -n 20 "${tmp}/${f}"; }; done
  fi
  rm -rf "${tmp}"
  exit "${status}"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "demo_stack_test: FAIL: $*" >&2; exit 1; }
step() { echo "+ $*"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
code_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true; }

# rewrite FILE OUT FROM TO [FROM TO...]: each FROM must occur in FILE.
rewrite() {
  local in="$1" out="$2"
  shift 2
  cp "${in}" "${out}"
  while [ $# -gt 0 ]; do
    grep -qF -- "$1" "${out}" || fail "$(basename "${in}") no longer contains '$1' (update this test)"
    python3 - "${out}" "$1" "$2" <<'EOF'
import sys
path, old, new = sys.argv[1:]
text = open(path).read()
open(path, "w").write(text.replace(old, new))
EOF
    shift 2
  done
}

front="$(free_port)"; back="$(free_port)"; metrics="$(free_port)"
mkdir -p "${tmp}/logs" "${tmp}/state" "${tmp}/nginx-tmp"
rewrite "${common}/nginx.conf" "${tmp}/nginx.conf" \
  "/tmp/nginx" "${tmp}/nginx-tmp/nginx" \
  "/var/log/accesslog/" "${tmp}/logs/" \
  "listen 8080;" "listen 127.0.0.1:${front};" \
  "127.0.0.1:8081" "127.0.0.1:${back}"
rewrite "${common}/accesslog_exporter.yml" "${tmp}/exporter.yml" \
  "/var/log/accesslog/" "${tmp}/logs/" \
  "/var/lib/accesslog_exporter/" "${tmp}/state/"

step "exporter --config.check on the demo configuration"
"${exporter}" --config.file="${tmp}/exporter.yml" --config.check

step "exporter started before nginx (as a sidecar may be)"
"${exporter}" --config.file="${tmp}/exporter.yml" --web.listen-address="127.0.0.1:${metrics}" \
  --tail.poll-interval=200 2>"${tmp}/exporter.err" &
pids+=($!)
until [ "$(code_of "http://127.0.0.1:${metrics}/-/healthy")" = 200 ]; do
  [ "${SECONDS}" -lt "${deadline}" ] || fail "exporter never became healthy"
  kill -0 "${pids[0]}" 2>/dev/null || fail "exporter exited"
  sleep 0.2
done
# Recorded, not asserted: the exporter decides whether a log that does not exist yet is "ready".
ready_before="$(code_of "http://127.0.0.1:${metrics}/-/ready")"

step "nginx -t, then nginx with the demo's nginx.conf"
nginx -t -q -p "${tmp}" -c "${tmp}/nginx.conf"
nginx -p "${tmp}" -c "${tmp}/nginx.conf" -g 'daemon off;' 2>"${tmp}/nginx.err" &
pids+=($!)
until [ "$(code_of "http://127.0.0.1:${front}/healthz")" = 200 ]; do
  [ "${SECONDS}" -lt "${deadline}" ] || fail "nginx never answered /healthz"
  sleep 0.2
done
[ -f "${tmp}/logs/access.log" ] || fail "nginx did not create its access log in the shared directory"
until [ "$(code_of "http://127.0.0.1:${metrics}/-/ready")" = 200 ]; do
  [ "${SECONDS}" -lt "${deadline}" ] || fail "exporter not ready after nginx created the log"
  sleep 0.2
done
echo "  /-/ready: ${ready_before} before the log existed, 200 once nginx opened it"

step "traffic.sh: 2 rounds"
ROUNDS=2 PAUSE=1.1 timeout 100 sh "${common}/traffic.sh" "http://127.0.0.1:${front}" | tee "${tmp}/traffic.out"
for code in 200 201 204 404 405 418 429 500 502 503; do
  grep -q " ${code} x" "${tmp}/traffic.out" || fail "traffic.sh got no ${code}"
done
requests=$(awk '{for (i = 3; i <= NF; i += 2) {sub("x", "", $(i+1)); n += $(i+1)}} END {print n}' "${tmp}/traffic.out")
[ "${requests}" -eq 86 ] || fail "traffic.sh made ${requests} requests, expected 2 x 43"

step "the exporter counted every logged request"
logged=$(wc -l <"${tmp}/logs/access.log")
metrics_file="${tmp}/metrics.txt"
for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:${metrics}/metrics" >"${metrics_file}" || true
  grep -q "^accesslog_lines_total{log=\"nginx\",result=\"parsed\"} ${logged}\$" "${metrics_file}" && break
  sleep 0.2
done
python3 - "${metrics_file}" "${logged}" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
logged = int(sys.argv[2])
def value(pattern):
    total = 0.0
    for line in text.splitlines():
        if re.match(pattern, line):
            total += float(line.rsplit(" ", 1)[1])
    return total
failures = []
def expect(cond, message):
    if not cond:
        failures.append(message)
parsed = value(r'accesslog_lines_total\{log="nginx",result="parsed"\}')
expect(parsed == logged == 86, f"parsed lines {parsed:.0f}, nginx logged {logged}, traffic sent 86")
expect(value(r'accesslog_lines_total\{log="nginx",result="malformed"\}') == 0, "malformed lines: the exporter's format does not match nginx's log_format")
expect(value(r'accesslog_http_responses_total\{[^}]*code="429"') >= 2, "no 429 in a round")
expect(value(r'accesslog_http_responses_total\{class="5xx",code="502",documented="false"') == 2, "502 not counted as undocumented, once per round")
expect(value(r'accesslog_http_responses_by_class_total\{class="5xx"') == 8, "not 4 5xx per round")
expect('route="/api/kittens/:id"' in text, "route label: ids not normalised")
expect('route="/api/owners/{owner}/kittens"' in text, "route label: template not applied")
expect(value(r'accesslog_http_upstream_duration_seconds_count') > 0, "no upstream times read")
expect(value(r'accesslog_http_request_duration_seconds_count') == 86, "request times not read for every line")
for f in failures:
    print("  FAIL", f)
print(f"  {parsed:.0f} lines parsed; 429, 5xx, undocumented 502, routes and times as expected" if not failures else "")
sys.exit(1 if failures else 0)
EOF

step "SIGTERM: the exporter saves its positions in the state directory"
kill -TERM "${pids[0]}"
for _ in $(seq 1 50); do kill -0 "${pids[0]}" 2>/dev/null || break; sleep 0.1; done
kill -0 "${pids[0]}" 2>/dev/null && fail "exporter still running 5 s after SIGTERM"
wait "${pids[0]}" || fail "exporter exited non-zero after SIGTERM"
[ -s "${tmp}/state/positions.json" ] || fail "no positions file in the state directory"

echo "demo_stack_test: passed"
