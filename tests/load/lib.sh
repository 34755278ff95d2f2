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
pids=()
names=()

# The nginx log_format the pool is written in (bench/gen_logs.py --shape timed).
# shellcheck disable=SC2016  # nginx variables, not shell ones
timed_format='$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time urt="$upstream_response_time"'

fail() {
  echo "${tag}: FAIL: $*" >&2
  exit 1
}
say() { echo "${tag}: $*"; }

# start NAME COMMAND...: runs it in the background; remembered for stop_pid and cleanup.
start() {
  local name="$1"
  shift
  "$@" &
  pids+=($!)
  names+=("${name}")
}

# stop_pid PID SIGNAL SECONDS: sends SIGNAL, waits up to SECONDS, then SIGKILL; forgets the
# process. Sets stop_status to its exit status (128+n when killed by signal n).
stop_pid() {
  local pid="$1" sig="$2" secs="$3" i
  kill "-${sig}" "${pid}" 2>/dev/null || true
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "${pid}" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "${pid}" 2>/dev/null || true
  stop_status=0
  wait "${pid}" 2>/dev/null || stop_status=$?
  for i in "${!pids[@]}"; do
    if [ "${pids[$i]}" = "${pid}" ]; then
      unset "pids[$i]" "names[$i]"
    fi
  done
}

load_cleanup() {
  local status=$? pid f
  for pid in "${pids[@]}"; do
    stop_pid "${pid}" TERM 5
  done
  if [ "${status}" -ne 0 ]; then
    for f in exporter.log writer.json wrk.out logrotate.out; do
      [ -s "${tmp}/${f}" ] && { echo "--- last lines of ${f}"; tail -n 20 "${tmp}/${f}"; echo; }
    done
  fi
  if [ "${KEEP_TMP:-0}" = 1 ]; then
    echo "${tag}: kept ${tmp}"
  else
    rm -rf "${tmp}"
  fi
}

# check_alive: fails when a started process has exited.
check_alive() {
  local i
  for i in "${!pids[@]}"; do
    kill -0 "${pids[$i]}" 2>/dev/null || fail "${names[$i]} exited early"
  done
}

# wait_until DESCRIPTION COMMAND...: retries every 0.2 s until COMMAND succeeds; fails at the
# deadline or as soon as a started process has exited.
wait_until() {
  local what="$1"
  shift
  while ! "$@" >/dev/null 2>&1; do
    [ "${SECONDS}" -lt "${deadline}" ] || fail "timed out waiting for ${what}"
    check_alive
    sleep 0.2
  done
}

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
  wait_until "the exporter's port" grep -q 'port=[1-9]' "${tmp}/exporter.log"
  local port
  port="$(grep -o 'port=[0-9]*' "${tmp}/exporter.log" | head -n 1 | cut -d= -f2)"
  url="http://127.0.0.1:${port}"
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
  sleep 0.5
  counted="$(counted_now)"
  [ "${counted}" -eq "${want}" ] || fail "the exporter read ${counted} lines, ${want} were written"
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
