# shellcheck shell=bash
# Helpers shared by tests/load/load_test.sh and tests/load/soak.sh (sourced, not run).
#
# The caller sets `tag` (message prefix), `exporter` (the binary), `tmp` (its work directory)
# and a `deadline` in SECONDS, and calls `load_cleanup` from its EXIT trap. Every process is
# started with `start` and stopped by PID. Results come back in globals (stop_status,
# exporter_pid, url, counted, caught_up_s).
# shellcheck disable=SC2154,SC2034  # globals set and read by the caller

load_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
load_root="$(cd "${load_here}/../.." && pwd)"
# start, stop_pid, check_alive, wait_until, fail, say, procs_cleanup, wait_listening.
# shellcheck source=tests/support/procs.sh
. "${load_here}/../support/procs.sh"

# The nginx log_format the pool is written in (bench/gen_logs.py --shape timed).
# shellcheck disable=SC2016  # nginx variables, not shell ones
timed_format='$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time urt="$upstream_response_time"'

# What load_cleanup shows of a failed run.
logs=(exporter.log writer.json wrk.out logrotate.out)
load_cleanup() { procs_cleanup; }

# make_pool DIR LINES: a pool of generated lines (DIR/pool.log) and its totals (DIR/pool.json).
make_pool() {
  python3 "${load_root}/bench/gen_logs.py" --shape timed --lines "$2" --seed 7 \
    --out "$1/pool.log" --totals "$1/pool.json" 2>/dev/null
}

# start_exporter LOG ARGS...: the exporter on LOG, timed format, method label, on a loopback
# port of its choosing; sets exporter_pid and url once it is ready.
start_exporter() {
  local log="$1"
  shift
  start exporter "${exporter}" "--log.file=${log}" "--log.format=${timed_format}" \
    --labels=method --web.listen-address=127.0.0.1:0 "$@" >"${tmp}/exporter.out" \
    2>"${tmp}/exporter.log"
  exporter_pid=$!
  wait_listening "${tmp}/exporter.log"
  url="http://127.0.0.1:${exporter_port}"
  wait_until "the exporter's readiness" curl -fsS --max-time 2 -o /dev/null "${url}/-/ready"
}

# scrape FILE: the exposition into FILE.
scrape() { curl -fsS --max-time 10 -o "$1" "${url}/metrics"; }

# sum_series FILE REGEX: the sum of the samples whose line matches REGEX (0 when none).
sum_series() { awk -v re="$2" '$0 ~ re {s += $NF} END {printf "%.15g\n", s}' "$1"; }

lines_total() { sum_series "$1" '^accesslog_lines_total[{]'; }

# counted_now: every line the exporter has read (accesslog_lines_total, every result).
counted_now() {
  scrape "${tmp}/now.prom" && lines_total "${tmp}/now.prom"
}

# writer_field NAME: a number or boolean of the writer's status file (one flat JSON object).
writer_field() {
  sed -n "s/.*\"$1\": \([^,}]*\).*/\1/p" "${tmp}/writer.json"
}

# wait_counted WANT SECONDS: waits (bounded) until the exporter has read WANT lines, then
# checks that the count stays there (nothing counted twice). Sets counted, caught_up_s.
wait_counted() {
  local want="$1" limit=$((SECONDS + $2)) t0=${SECONDS}
  counted=0
  while :; do
    counted="$(counted_now || echo 0)"
    [ "${counted}" -ge "${want}" ] && break
    [ "${SECONDS}" -lt "${limit}" ] || fail "the exporter read ${counted} of ${want} lines"
    check_alive
    sleep 0.2
  done
  caught_up_s=$((SECONDS - t0))
  # Three more scrapes: each has the tailer read everything written by then (a catch-up round).
  local i
  for i in 1 2 3; do
    counted="$(counted_now)"
    [ "${counted}" -eq "${want}" ] || fail "the exporter read ${counted} lines, ${want} were written"
  done
}

# check_counts FILE POOLS: the exposition in FILE holds exactly POOLS times the pool's totals:
# lines parsed and malformed, none skipped, and responses by code.
check_counts() {
  local file="$1" pools="$2"
  python3 - "${tmp}/pool.json" "${pools}" "${file}" <<'EOF' || fail "counts differ (above)"
import json, re, sys
totals = json.load(open(sys.argv[1]))
pools = int(sys.argv[2])
want_lines = {"parsed": pools * (totals["lines"] - totals["truncated"]),
              "malformed": pools * totals["truncated"], "skipped": 0}
want_codes = {c: n * pools for c, n in totals["by_code"].items() if n}
lines, codes = {}, {}
for line in open(sys.argv[3]):
    m = re.match(r'accesslog_lines_total\{.*result="(\w+)".*\} (\S+)$', line)
    if m:
        lines[m[1]] = lines.get(m[1], 0) + round(float(m[2]))
    m = re.match(r'accesslog_http_responses_total\{.*code="(\d+)".*\} (\S+)$', line)
    if m and float(m[2]):
        codes[m[1]] = codes.get(m[1], 0) + round(float(m[2]))
lines = {k: lines.get(k, 0) for k in want_lines}
ok = True
if lines != want_lines:
    print("accesslog_lines_total by result: got %s, want %s" % (lines, want_lines))
    ok = False
if codes != want_codes:
    for c in sorted(set(codes) | set(want_codes)):
        if codes.get(c, 0) != want_codes.get(c, 0):
            print("code %s: got %d, want %d" % (c, codes.get(c, 0), want_codes.get(c, 0)))
    ok = False
print("counts: %d lines (%d parsed, %d malformed), %d responses over %d codes: %s" % (
    sum(lines.values()), lines["parsed"], lines["malformed"], sum(codes.values()), len(codes),
    "exact" if ok else "WRONG"))
sys.exit(0 if ok else 1)
EOF
}

# rss_kib PID: VmRSS of the process, in KiB.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
