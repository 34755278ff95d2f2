#!/usr/bin/env bash
# Tests of the Grafana dashboards (dashboards/*.json):
#
#   bash tests/dashboards/run_dashboard_tests.sh PATH/TO/accesslog_exporter
#
# 1. static: the JSON parses, is up to date with dashboards/generate.py, and has the structure
#    Grafana users expect (see dashboard_checks.py static); the metric-name extractor self-test.
# 2. live: real nginx (access log in an nginx log_format with request and upstream times, some
#    routes proxied to a small Python upstream, one to a closed port) -> accesslog_exporter on
#    that log, judged against examples/openapi.yaml -> real Prometheus (scrape and rule evaluation every 1s) with a test copy of
#    rules/*.yml. While traffic flows, every PromQL expression of every panel of every dashboard
#    is run with the template variables substituted (All, and the real job/instance/log values):
#    no errors, and data wherever this setup must have data (dashboard_checks.py MAY_BE_EMPTY
#    lists the exceptions and why).
#    Before the live part, dashboard_checks.py semantics: promtool's engine on synthetic series
#    checks the rows of the API dashboard's "Operations without traffic" (with and without
#    labels.log).
# 3. every metric name a dashboard or a rule uses is in the exporter's /metrics or is a recording
#    rule (or one of Prometheus' own series such as up).
# Not here: tests/dashboards/grafana_schema_test.sh (the dashboards_schema ctest), each dashboard
# against Grafana's own types (@grafana/schema) of the oldest and newest release we support, the
# import step's checks, and planted mistakes in copies that must fail. It runs beside this test,
# not inside it: its schema generation is CPU-bound and ate into the live part's deadline on a
# loaded machine.
#
# Exit: 0 passed, 1 failed, 77 skipped (no exporter binary given; the static part still ran).
# The live part is bounded to ~90 s; every process it starts is stopped by PID on exit.
# KEEP_TMP=1 keeps the work directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
checks="${here}/dashboard_checks.py"
command -v python3 >/dev/null 2>&1 || { echo "dashboard_tests: FAIL: python3 not found" >&2; exit 1; }
# The interpreter itself, not a wrapper such as a pyenv shim: it starts many times.
py="$(python3 -c 'import sys; print(sys.executable)')"

echo "+ static checks"
"${py}" "${checks}" static "${root}"
"${py}" "${checks}" names-selftest "${root}"

exporter="${1:-}"
if [ -z "${exporter}" ]; then
  echo "dashboard_tests: SKIP live part: no exporter binary given (usage: $0 PATH/TO/accesslog_exporter)"
  exit 77
fi
[ -x "${exporter}" ] || { echo "dashboard_tests: FAIL: ${exporter} is not an executable" >&2; exit 1; }
exporter="$(cd "$(dirname "${exporter}")" && pwd)/$(basename "${exporter}")"

for tool in nginx prometheus promtool curl; do
  command -v "${tool}" >/dev/null 2>&1 || { echo "dashboard_tests: FAIL: ${tool} not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

deadline=$((SECONDS + 90))
tmp="$(mktemp -d -t accesslog-dashboards.XXXXXX)"
tag=dashboard_tests
logs=(nginx-error.log exporter.log prometheus.log backend.log)
# shellcheck source=tests/support/procs.sh
source "${here}/../support/procs.sh"
trap procs_cleanup EXIT
trap 'exit 1' INT TERM

wait_for() { wait_until "$@"; }

step "query semantics: Operations without traffic (promtool)"
"${py}" "${checks}" semantics "${root}" "${tmp}" || fail "a query answers the wrong rows"

# nginx, Prometheus and the Python upstream cannot say which port they bound: picked free.
backend_port="$(free_port)"
nginx_port="$(free_port)"
dead_port="$(free_port)"   # nothing listens there: nginx answers 502 for what it proxies to it
prom_port="$(free_port)"
prom="http://127.0.0.1:${prom_port}"

# --- upstream ------------------------------------------------------------------------------
step "upstream on 127.0.0.1:${backend_port}"
start backend "${py}" "${checks}" backend "${backend_port}" 2>"${tmp}/backend.log"
wait_for "the upstream" http_ok "http://127.0.0.1:${backend_port}/v1/kittens/0"

# --- nginx ---------------------------------------------------------------------------------
# The log format carries request and upstream times, so the latency histograms fill, and the
# upstream address, so the upstream label and the retries counter exist.
# shellcheck disable=SC2016 # nginx variables, not shell ones
timed_format='$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time urt="$upstream_response_time" ua=$upstream_addr'
mkdir -p "${tmp}/nginx-temp"
# The log under <namespace>/<workload>/, so that a path_labels pattern gives the namespace and
# workload labels node mode takes from the kubelet's layout (the Workloads row, its variables).
log="${tmp}/shop/kittens-api/access.log"
mkdir -p "$(dirname "${log}")"
cat >"${tmp}/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid ${tmp}/nginx.pid;
error_log ${tmp}/nginx-error.log crit;  # not the expected "connection refused" of /v1/legacy/
events { worker_connections 256; }
http {
  log_format timed '${timed_format}';
  access_log ${log} timed;
  client_body_temp_path ${tmp}/nginx-temp/body;
  proxy_temp_path ${tmp}/nginx-temp/proxy;
  fastcgi_temp_path ${tmp}/nginx-temp/fastcgi;
  uwsgi_temp_path ${tmp}/nginx-temp/uwsgi;
  scgi_temp_path ${tmp}/nginx-temp/scgi;
  server {
    listen 127.0.0.1:${nginx_port};
    location = /healthz         { return 200 "ok\n"; }
    location = /v1/orders       { return 201 "created\n"; }
    location = /v1/throttled    { return 429; }
    location = /v1/crash        { return 500; }
    location = /v1/maintenance  { return 503; }
    location /v1/kittens/       { proxy_pass http://127.0.0.1:${backend_port}; }
    location /v1/legacy/        { proxy_pass http://127.0.0.1:${dead_port}; }
    location /                  { return 404; }
  }
}
EOF
step "nginx on 127.0.0.1:${nginx_port}"
touch "${log}"
start nginx nginx -p "${tmp}/" -e "${tmp}/nginx-error.log" -c "${tmp}/nginx.conf"
wait_for "nginx" http_ok "http://127.0.0.1:${nginx_port}/healthz"

# --- exporter ------------------------------------------------------------------------------
# A config file: the log is judged against examples/openapi.yaml (its server prefix is /v1, so
# /v1/kittens/... are operations and the rest is outside the document) for the API dashboard.
# Labels log, method, route, operation, upstream: the route, upstream and API panels need theirs;
# log makes the $log variable filter the response panels too (with "All" they work without it).
# The duration histograms carry method, route and operation, for the API table's p99.
cat >"${tmp}/exporter.yml" <<EOF
sources:
  - name: kittens
    files: [${log}]
    format: '${timed_format}'
    path_labels: '/(?P<namespace>[^/]+)/(?P<workload>[^/]+)/access\\.log\$'
    api:
      openapi: ${root}/examples/openapi.yaml
labels: {log: true, method: true, route: true, operation: true, upstream: true}
histograms:
  labels: [class, method, route, operation]
tail:
  from: start
# Remote write to the loopback discard port, where nothing listens: the pusher's own metrics,
# which the rules use, exist (and count refused connections as retried requests).
remote_write:
  url: http://127.0.0.1:9/api/v1/write
  interval: 1s
  timeout: 500ms
EOF
step "${exporter} (port 0, read back from its log)"
start exporter "${exporter}" --config.file="${tmp}/exporter.yml" --web.listen-address=127.0.0.1:0 \
  2>"${tmp}/exporter.log"
wait_listening "${tmp}/exporter.log"
exporter_url="http://127.0.0.1:${exporter_port}/metrics"
wait_for "the exporter's /metrics" http_ok "${exporter_url}"
echo "  exporter on 127.0.0.1:${exporter_port}"

# --- rules: a test copy in which the long-window group evaluates every second ---------------
mkdir -p "${tmp}/rules"
cp "${root}"/rules/*.yml "${tmp}/rules/"
sed -i -E 's/^( *interval: ).*/\11s/' "${tmp}"/rules/*.yml
if grep -hE '^ *interval: ' "${tmp}"/rules/*.yml | grep -qv 'interval: 1s$'; then fail "an interval: was not shortened in the test copy"; fi
step "promtool check rules (test copy)"
promtool check rules "${tmp}"/rules/*.yml >/dev/null

# --- Prometheus ----------------------------------------------------------------------------
cat >"${tmp}/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - ${tmp}/rules/*.yml
scrape_configs:
  - job_name: accesslog
    static_configs:
      - targets: ['127.0.0.1:${exporter_port}']
EOF
step "prometheus on 127.0.0.1:${prom_port}"
start prometheus prometheus --config.file="${tmp}/prometheus.yml" --storage.tsdb.path="${tmp}/data" \
  --web.listen-address="127.0.0.1:${prom_port}" --log.level=warn >"${tmp}/prometheus.log" 2>&1
wait_for "Prometheus ready" http_ok "${prom}/-/ready"

# --- traffic, then every query -------------------------------------------------------------
step "traffic through nginx (in the background, at most 70 s)"
start traffic "${py}" "${checks}" traffic "http://127.0.0.1:${nginx_port}" 70
remaining=$((deadline - SECONDS))
[ "${remaining}" -gt 20 ] || fail "only ${remaining} s left before the live checks"
step "live checks"
timeout "${remaining}" "${py}" "${checks}" live "${root}" "${prom}" "${exporter_url}" accesslog \
  || fail "live checks failed"

# The log really was in the timed format: request and upstream times were parsed.
lines="$(wc -l <"${log}")"
malformed="$("${py}" -c 'import re, sys, urllib.request
t = urllib.request.urlopen(sys.argv[1], timeout=2).read().decode()
print(sum(float(m.group(1)) for m in re.finditer(r"^accesslog_lines_total\{[^}]*result=\"malformed\"[^}]*\} (\S+)$", t, re.M)))' "${exporter_url}")"
echo "  ${lines} access-log lines, ${malformed} malformed"
"${py}" -c 'import sys; sys.exit(0 if float(sys.argv[1]) == 0 else 1)' "${malformed}" \
  || fail "${malformed} lines of the timed format were malformed"

# --- optional: draw the panels from the live data (not part of the test) --------------------
# RENDER_DIR=DIR writes DIR/<uid>.html (panel queries evaluated against live data; not a Grafana
# rendering) and, when Debian's chromium is installed, DIR/<uid>.png screenshots of them.
if [ -n "${RENDER_DIR:-}" ]; then
  RENDER_DIR="$(mkdir -p "${RENDER_DIR}" && cd "${RENDER_DIR}" && pwd)"
  step "rendering panel data into ${RENDER_DIR}"
  timeout 60 "${py}" "${here}/render_panels.py" "${root}" "${prom}" "${RENDER_DIR}" 60 || fail "rendering failed"
  if command -v chromium >/dev/null 2>&1; then
    while read -r page height; do
      profile="$(mktemp -d -p "${tmp}")"
      timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
        --user-data-dir="${profile}" --window-size="1600,${height}" \
        --screenshot="${RENDER_DIR}/${page%.html}.png" "file://${RENDER_DIR}/${page}" >/dev/null 2>&1 \
        || echo "  chromium could not screenshot ${page}"
    done <"${RENDER_DIR}/heights.txt"
  else
    echo "  chromium not installed: HTML only"
  fi
  rm -f "${RENDER_DIR}/heights.txt"
fi

echo "dashboard_tests: PASS (${SECONDS} s)"
