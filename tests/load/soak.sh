#!/usr/bin/env bash
# Soak (issue #8, Hardening: Load): the exporter follows a log written at a steady rate for a
# few minutes, rotated by real logrotate (`create`; the writer reopens its log on USR1 from
# logrotate's postrotate, as nginx does) every ~20 s, with a positions file, while its memory is
# sampled.
#
#   bash tests/load/soak.sh PATH/TO/accesslog_exporter [--seconds 180] [--rate 20000]
#        [--rotate-every 20] [--sample-every 5] [--warmup 60] [--max-rss-growth-kib 2048]
#
# Prints a table: time, lines written, lines the exporter has read, rotations it followed and
# its RSS (VmRSS from /proc/PID/status). At the end (writer stopped, the exporter waited for,
# bounded) it checks that the exporter read exactly the lines written and counted exactly the
# generator's totals by code, that it followed every rotation, and that its RSS at the end is at
# most --max-rss-growth-kib above its RSS at the end of the warm-up (default: the first minute).
# The CTest test `load_soak` runs a short version (30 s, 2 rotations); the default is the
# 3-minute run of docs/tailing.md.
# Exit: 0 passed, 1 failed. Bounded (the run plus at most 90 s); every process it starts is
# stopped by PID. KEEP_TMP=1 keeps the work directory.
set -euo pipefail

tag=soak
exporter="${1:-}"
if [ -z "${exporter}" ] || [ ! -x "${exporter}" ]; then
  echo "usage: $0 PATH/TO/accesslog_exporter [--seconds S] [--rate LINES_PER_S] [--rotate-every S] [--sample-every S] [--warmup S] [--max-rss-growth-kib K]" >&2
  exit 1
fi
exporter="$(cd "$(dirname "${exporter}")" && pwd)/$(basename "${exporter}")"
shift
seconds=180 rate=20000 rotate_every=20 sample_every=5 warmup=60 max_growth_kib=2048
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2" ;;
    --rate) rate="$2" ;;
    --rotate-every) rotate_every="$2" ;;
    --sample-every) sample_every="$2" ;;
    --warmup) warmup="$2" ;;
    --max-rss-growth-kib) max_growth_kib="$2" ;;
    *) echo "${tag}: unknown argument $1" >&2; exit 1 ;;
  esac
  shift 2
done
[ "${warmup}" -lt "${seconds}" ] || { echo "${tag}: --warmup must be shorter than --seconds" >&2; exit 1; }

# shellcheck source=tests/load/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
logrotate=/usr/sbin/logrotate
[ -x "${logrotate}" ] || fail "${logrotate} not found (scripts/install-deps.sh installs logrotate)"
for tool in curl python3; do
  command -v "${tool}" >/dev/null 2>&1 || fail "${tool} not found (scripts/install-deps.sh installs it)"
done

tmp="$(mktemp -d -t accesslog-soak.XXXXXX)"
deadline=$((SECONDS + seconds + 90))
trap load_cleanup EXIT
trap 'exit 1' INT TERM

say "${seconds} s at ${rate} lines/s, logrotate every ${rotate_every} s, RSS baseline at ${warmup} s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
make_pool "${tmp}" 20000
log="${tmp}/access.log"
: >"${log}"
start_exporter "${log}" "--positions.file=${tmp}/positions.json"
start writer python3 "${load_here}/replay_writer.py" --pool "${tmp}/pool.log" --out "${log}" \
  --rate "${rate}" --status "${tmp}/writer.json"
writer_pid=$!
wait_until "the writer" test -s "${tmp}/writer.json"

# logrotate `create`, as for nginx: rename, create, then postrotate signals the writer to reopen.
cat >"${tmp}/logrotate.conf" <<EOF
${log} {
  create 0644
  rotate 2
  missingok
  nocompress
  postrotate
    kill -USR1 ${writer_pid}
  endscript
}
EOF
rotate() {
  timeout 30 "${logrotate}" -f -s "${tmp}/logrotate.state" "${tmp}/logrotate.conf" \
    >"${tmp}/logrotate.out" 2>&1 || fail "logrotate: $(cat "${tmp}/logrotate.out")"
}

# sample T: a row of the table; sets rss and rotations_seen.
sample() {
  scrape "${tmp}/sample.prom" || fail "scrape failed"
  rss="$(rss_kib "${exporter_pid}")"
  rotations_seen="$(sum_series "${tmp}/sample.prom" '^accesslog_file_rotations_total[{]')"
  printf '%6s %12s %12s %9s %9s\n' "$1" "$(writer_field lines)" \
    "$(lines_total "${tmp}/sample.prom")" "${rotations_seen}" "${rss}"
}

printf '%6s %12s %12s %9s %9s\n' "t (s)" written read rotations "RSS KiB"
start_s=${SECONDS}
next_sample=${sample_every} next_rotate=${rotate_every} rotations=0 baseline=0 max_rss=0
while :; do
  t=$((SECONDS - start_s))
  [ "${t}" -lt "${seconds}" ] || break
  check_alive
  if [ "${t}" -ge "${next_rotate}" ]; then
    rotate
    rotations=$((rotations + 1))
    next_rotate=$((next_rotate + rotate_every))
  fi
  if [ "${t}" -ge "${next_sample}" ]; then
    sample "${t}"
    [ "${baseline}" -gt 0 ] || [ "${t}" -lt "${warmup}" ] || baseline=${rss}
    [ "${rss}" -le "${max_rss}" ] || max_rss=${rss}
    next_sample=$((next_sample + sample_every))
  fi
  sleep 0.2
done

stop_pid "${writer_pid}" TERM 10
[ "${stop_status}" -eq 0 ] || fail "the writer exited with ${stop_status}: $(cat "${tmp}/writer.json")"
written="$(writer_field lines)"
wait_counted "${written}" 60
sample "end"
[ "${rss}" -le "${max_rss}" ] || max_rss=${rss}
scrape "${tmp}/final.prom"
say "writer: $(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print(
  "%d lines in %.1f s (%.0f lines/s), reopened its log %d times" % (
  s["lines"], s["seconds"], s["rate"], s["reopens"]))' "${tmp}/writer.json")"
check_counts "${tmp}/final.prom" "$(writer_field pools)"
[ "${rotations_seen}" -eq "${rotations}" ] ||
  fail "logrotate rotated the log ${rotations} times, the exporter followed ${rotations_seen}"
[ "$(writer_field reopens)" -eq "${rotations}" ] ||
  fail "the writer reopened its log $(writer_field reopens) times for ${rotations} rotations"
say "rotations: ${rotations}, all followed"
[ "${baseline}" -gt 0 ] || fail "no sample after the warm-up (see --warmup and --sample-every)"
growth=$((rss - baseline))
say "RSS: ${baseline} KiB at ${warmup} s, ${rss} KiB at the end (${growth} KiB growth; bound ${max_growth_kib}), at most ${max_rss} KiB"
[ "${growth}" -le "${max_growth_kib}" ] || fail "RSS grew by ${growth} KiB after the warm-up"

stop_pid "${exporter_pid}" TERM 10
[ "${stop_status}" -eq 0 ] || fail "the exporter exited with ${stop_status} on SIGTERM"
say "passed; load average $(cut -d' ' -f1-3 /proc/loadavg)"
