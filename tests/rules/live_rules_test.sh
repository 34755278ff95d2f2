#!/usr/bin/env bash
# Live test of the rules: real nginx -> access log -> accesslog_exporter -> real Prometheus with
# the project's rules loaded, all on 127.0.0.1 with ports chosen at run time.
#
#   bash tests/rules/live_rules_test.sh PATH/TO/accesslog_exporter
#
# Loads a test copy of rules/ in which every `for:` is 2s, the long-window group evaluates every
# second and the low-traffic guard is 0, so that seconds of traffic can fire what minutes would.
# Asserts, through the Prometheus HTTP API, that the recording rules return values while traffic
# is good, then that the 5xx, 429, SLO and undocumented-code alerts fire once it turns bad, and
# that the optional alerts (per upstream, per API operation, outside the API document) stay quiet
# and their rules healthy without their labels.
# Exit: 0 passed, 1 failed, 77 skipped (no exporter binary given). Bounded to ~90 s; every
# process it starts is stopped by PID on exit. KEEP_TMP=1 keeps the work directory.
set -euo pipefail

exporter="${1:-}"
if [ -z "${exporter}" ] || [ ! -x "${exporter}" ]; then
  echo "live_rules_test: SKIP: no exporter binary given (usage: $0 PATH/TO/accesslog_exporter)"
  exit 77
fi
exporter="$(cd "$(dirname "${exporter}")" && pwd)/$(basename "${exporter}")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"

for tool in nginx prometheus promtool curl python3; do
  command -v "${tool}" >/dev/null 2>&1 || { echo "live_rules_test: FAIL: ${tool} not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

deadline=$((SECONDS + 90))
tmp="$(mktemp -d -t accesslog-live-rules.XXXXXX)"
tag=live_rules_test
logs=(nginx-error.log exporter.log prometheus.log)
# shellcheck source=tests/support/procs.sh
source "${here}/../support/procs.sh"
trap procs_cleanup EXIT
trap 'exit 1' INT TERM

wait_for() { wait_until "$@"; }

nginx_port="$(free_port)"  # nginx and Prometheus cannot say which port they bound: picked free
prom_port="$(free_port)"
prom="http://127.0.0.1:${prom_port}"

# --- nginx ----------------------------------------------------------------------------------
mkdir -p "${tmp}/nginx-temp"
cat >"${tmp}/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid ${tmp}/nginx.pid;
error_log ${tmp}/nginx-error.log warn;
events { worker_connections 64; }
http {
  access_log ${tmp}/access.log combined;
  client_body_temp_path ${tmp}/nginx-temp/body;
  proxy_temp_path ${tmp}/nginx-temp/proxy;
  fastcgi_temp_path ${tmp}/nginx-temp/fastcgi;
  uwsgi_temp_path ${tmp}/nginx-temp/uwsgi;
  scgi_temp_path ${tmp}/nginx-temp/scgi;
  server {
    listen 127.0.0.1:${nginx_port};
    location = /ok       { return 200 "ok\n"; }
    location = /throttle { return 429; }
    location = /boom     { return 500; }
    location = /bad-gw   { return 502; }
  }
}
EOF
step "nginx on 127.0.0.1:${nginx_port}"
start nginx nginx -p "${tmp}/" -e "${tmp}/nginx-error.log" -c "${tmp}/nginx.conf"
wait_for "nginx" http_ok "http://127.0.0.1:${nginx_port}/ok"
touch "${tmp}/access.log"

# --- exporter -------------------------------------------------------------------------------
start exporter "${exporter}" --log.file="${tmp}/access.log" --tail.from=start \
  --web.listen-address=127.0.0.1:0 >"${tmp}/exporter.log" 2>&1
wait_listening "${tmp}/exporter.log"
step "${exporter} on 127.0.0.1:${exporter_port}"
wait_for "the exporter's /metrics" http_ok "http://127.0.0.1:${exporter_port}/metrics"

# --- rules: a test copy with short for: -----------------------------------------------------
mkdir -p "${tmp}/rules"
cp "${root}"/rules/*.yml "${tmp}/rules/"
sed -i -E 's/^( *for: ).*/\12s/; s/^( *interval: ).*/\11s/' "${tmp}"/rules/*.yml
sed -i -E '/record: accesslog:min_request_rate_threshold:per_second/{n;s/vector\([^)]*\)/vector(0)/}' \
  "${tmp}/rules/accesslog-thresholds.rules.yml"
# The edits must have hit, or the test would silently test something else.
grep -q 'vector(0)$' "${tmp}/rules/accesslog-thresholds.rules.yml" || fail "could not zero the low-traffic guard in the test copy"
if grep -hE '^ *for: ' "${tmp}"/rules/*.yml | grep -qv 'for: 2s$'; then fail "a for: was not shortened in the test copy"; fi
step "promtool check rules (test copy)"
promtool check rules "${tmp}"/rules/*.yml >/dev/null

# --- Prometheus -----------------------------------------------------------------------------
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

# prom_check KIND ARG: one look at the Prometheus API, exit 0 when the condition holds.
#   query EXPR             the instant query returns at least one sample
#   firing ALERT [LABEL=VALUE...]   an alert with those labels is firing
#   evaluated_after EPOCH  every rule group was last evaluated after EPOCH (seconds)
prom_check() {
  python3 - "${prom}" "$@" <<'EOF'
import datetime
import json
import re
import sys
import urllib.parse
import urllib.request

base, kind, arg, *want = sys.argv[1:]
if kind == "evaluated_after":
    groups = json.load(urllib.request.urlopen(base + "/api/v1/rules", timeout=2))["data"]["groups"]
    def when(ts):  # RFC 3339 with up to nanoseconds: keep microseconds for fromisoformat
        ts = re.sub(r"(\.\d{6})\d*", r"\1", ts).replace("Z", "+00:00")
        return datetime.datetime.fromisoformat(ts).timestamp()
    sys.exit(0 if groups and all(when(g["lastEvaluation"]) > float(arg) for g in groups) else 1)
if kind == "query":
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": arg})
    data = json.load(urllib.request.urlopen(url, timeout=2))
    sys.exit(0 if data["status"] == "success" and data["data"]["result"] else 1)
data = json.load(urllib.request.urlopen(base + "/api/v1/alerts", timeout=2))
want = dict(w.split("=", 1) for w in want)
for a in data["data"]["alerts"]:
    labels = a["labels"]
    if (a["state"] == "firing" and labels.get("alertname") == arg
            and all(labels.get(k) == v for k, v in want.items())):
        sys.exit(0)
sys.exit(1)
EOF
}

# prom_value EXPR: prints the first sample's value.
prom_value() {
  python3 - "${prom}" "$1" <<'EOF'
import json
import sys
import urllib.parse
import urllib.request

url = sys.argv[1] + "/api/v1/query?" + urllib.parse.urlencode({"query": sys.argv[2]})
result = json.load(urllib.request.urlopen(url, timeout=2))["data"]["result"]
print(result[0]["value"][1] if result else "none")
EOF
}

wait_for "target up" prom_check query 'up{job="accesslog"} == 1'

# --- good traffic: the recording rules return values ----------------------------------------
step "good traffic: 200 x GET /ok"
curl -fsS -o /dev/null "http://127.0.0.1:${nginx_port}/ok?n=[1-200]"
for expr in \
  'job:accesslog_http_responses:rate5m{job="accesslog"} > 0' \
  'job:accesslog_http_responses_5xx:ratio_rate5m{job="accesslog"} == 0' \
  'job:accesslog_http_responses_4xx:ratio_rate5m{job="accesslog"} == 0' \
  'job:accesslog_http_responses_429:ratio_rate5m{job="accesslog"} == 0' \
  'job:accesslog_http_responses_5xx:ratio_rate1h{job="accesslog"} == 0' \
  'job:accesslog_http_responses_5xx:ratio_rate3d{job="accesslog"} == 0' \
  'job_log:accesslog_lines_malformed:ratio_rate5m{job="accesslog"} == 0' \
  'accesslog:slo_objective:ratio == 0.999'; do
  wait_for "${expr}" prom_check query "${expr}"
  echo "  ok: ${expr}"
done
echo "  request rate: $(prom_value 'job:accesslog_http_responses:rate5m{job="accesslog"}') req/s"
# A negative check cannot be polled: let every rule group evaluate for 3 s of good traffic (any
# 2s `for:` would have elapsed) before looking, whatever the machine's load.
good_since="$(date +%s)"
wait_for "3 s of rule evaluations on good traffic" prom_check evaluated_after $((good_since + 3))
for alert in AccesslogHigh5xxRatio AccesslogElevated5xxRatio AccesslogHigh429Ratio \
  AccesslogErrorBudgetBurn AccesslogUndocumentedStatusCodes AccesslogExporterDown \
  AccesslogExporterAbsent AccesslogAlertThresholdsMissing; do
  if prom_check firing "${alert}"; then fail "${alert} fires on good traffic"; fi
done
echo "  ok: no alert fires on good traffic"

# --- bad traffic: alerts fire ---------------------------------------------------------------
step "bad traffic: 60 x 429, 40 x 500, 10 x 502"
curl -sS -o /dev/null "http://127.0.0.1:${nginx_port}/throttle?n=[1-60]"
curl -sS -o /dev/null "http://127.0.0.1:${nginx_port}/boom?n=[1-40]"
curl -sS -o /dev/null "http://127.0.0.1:${nginx_port}/bad-gw?n=[1-10]"
for want in \
  "AccesslogUndocumentedStatusCodes code=502 class=5xx job=accesslog severity=warning" \
  "AccesslogElevated5xxRatio job=accesslog severity=warning" \
  "AccesslogHigh5xxRatio job=accesslog severity=critical" \
  "AccesslogHigh429Ratio job=accesslog severity=warning" \
  "AccesslogErrorBudgetBurn job=accesslog long_window=1h short_window=5m severity=critical"; do
  # shellcheck disable=SC2086 # word splitting wanted: NAME LABEL=VALUE...
  wait_for "firing: ${want}" prom_check firing ${want}
  echo "  firing: ${want}"
done
echo "  5xx ratio: $(prom_value 'job:accesslog_http_responses_5xx:ratio_rate5m{job="accesslog"}')," \
  "429 ratio: $(prom_value 'job:accesslog_http_responses_429:ratio_rate5m{job="accesslog"}')"

# The annotation templates ran against the live constants.
runbook="$(python3 - "${prom}" <<'EOF'
import json
import sys
import urllib.request

for a in json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/alerts", timeout=2))["data"]["alerts"]:
    if a["labels"]["alertname"] == "AccesslogUndocumentedStatusCodes":
        print(a["annotations"].get("runbook_url", ""))
        break
EOF
)"
[ "${runbook}" = "docs/runbooks.md#accesslogundocumentedstatuscodes" ] || fail "runbook_url is '${runbook}'"
echo "  ok: runbook_url ${runbook}"

# The exporter runs without the upstream, route and method labels and without an OpenAPI
# document: the optional per-upstream and API alerts have no series to read, so even this
# traffic neither fires them nor makes their rules fail.
for alert in AccesslogUpstreamHigh5xxRatio AccesslogOperationHigh5xxRatio AccesslogTrafficOutsideSpec; do
  if prom_check firing "${alert}"; then fail "${alert} fires without its labels"; fi
done
unhealthy="$(python3 - "${prom}" <<'EOF'
import json
import re
import sys
import urllib.request

groups = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/rules", timeout=2))["data"]["groups"]
optional = re.compile(r"upstream|operation|unmatched|OutsideSpec", re.I)
rules = [r for g in groups for r in g["rules"] if optional.search(r["name"])]
bad = [r["name"] + ": " + r.get("lastError", r.get("health", "")) for r in rules
       if r.get("health") != "ok"]
# Per upstream 2 records and the alert, per operation 3 and the alert, the unmatched ratio and
# its threshold, AccesslogTrafficOutsideSpec.
print(f"{len(rules)} rules found, want 10" if len(rules) != 10 else "; ".join(bad))
EOF
)"
[ -z "${unhealthy}" ] || fail "optional rules are not healthy: ${unhealthy}"
echo "  ok: AccesslogUpstreamHigh5xxRatio, AccesslogOperationHigh5xxRatio, AccesslogTrafficOutsideSpec" \
  "quiet without their labels, their rules healthy"

echo "live_rules_test: PASS ($((SECONDS)) s)"
