# shellcheck shell=bash
# The shell tests' process helpers (sourced, not run): the rules, dashboards and load tests
# start the exporter, nginx, Prometheus and their helpers with these, and stop every one of them
# by PID.
#
#   tag=live_rules_test; tmp="$(mktemp -d)"; deadline=$((SECONDS + 90))
#   logs=(exporter.log prometheus.log)      # files of ${tmp} shown when the test fails
#   source tests/support/procs.sh
#   trap 'procs_cleanup; exit $?' ... or call procs_cleanup from the EXIT trap (it keeps $?)
#   start exporter "${exporter}" --web.listen-address=127.0.0.1:0 ... 2>"${tmp}/exporter.log"
#   wait_listening "${tmp}/exporter.log"     # sets exporter_port: the port it bound
#   wait_until "the exporter's /metrics" http_ok "http://127.0.0.1:${exporter_port}/metrics"
#
# The exporter binds port 0 and says the port it got (msg=listening ... port=N); free_port is
# for third-party servers that cannot (nginx, Prometheus, the tests' Python upstream). Every
# wait is bounded by `deadline` (in SECONDS) and fails as soon as a started process has exited.
# shellcheck disable=SC2154,SC2034  # globals set and read by the caller

pids=()
names=()

fail() {
  echo "${tag}: FAIL: $*" >&2
  exit 1
}
say() { echo "${tag}: $*"; }
step() { echo "+ $*"; }

# start NAME COMMAND...: runs it in the background; remembered for stop_pid, check_alive and
# procs_cleanup.
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

# procs_cleanup: for the EXIT trap. SIGTERM to every process still running, then each waited for
# (5 s at most, then SIGKILL); on failure the last lines of the files listed in `logs`; the work
# directory removed unless KEEP_TMP=1. Keeps the exit status it was called with.
procs_cleanup() {
  local status=$? pid f
  for pid in "${pids[@]}"; do
    kill -TERM "${pid}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    stop_pid "${pid}" TERM 5
  done
  if [ "${status}" -ne 0 ]; then
    for f in "${logs[@]}"; do
      [ -s "${tmp}/${f}" ] && { echo "--- last lines of ${f}"; tail -n 20 "${tmp}/${f}"; echo; }
    done
  fi
  if [ "${KEEP_TMP:-0}" = 1 ]; then
    echo "${tag}: kept ${tmp}"
  else
    rm -rf "${tmp}"
  fi
  return "${status}"
}

# check_alive [WHILE]: fails when a started process has exited.
check_alive() {
  local i
  for i in "${!pids[@]}"; do
    kill -0 "${pids[$i]}" 2>/dev/null || fail "${names[$i]} exited${1:+ while waiting for $1}"
  done
}

# wait_until DESCRIPTION COMMAND...: retries every 0.2 s until COMMAND succeeds; fails at the
# deadline or as soon as a started process has exited.
wait_until() {
  local what="$1"
  shift
  while ! "$@" >/dev/null 2>&1; do
    [ "${SECONDS}" -lt "${deadline}" ] || fail "timed out waiting for ${what}"
    check_alive "${what}"
    sleep 0.2
  done
}

# listening_port LOG: the port the exporter said it bound in LOG (its stderr); fails (status 1)
# while it has not said it yet.
listening_port() {
  local port
  port="$(sed -n 's/.*msg=listening .*port=\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)"
  [ -n "${port}" ] || return 1
  echo "${port}"
}

# wait_listening LOG: waits until the exporter writing LOG has bound its port; sets exporter_port.
wait_listening() {
  wait_until "the exporter's port" listening_port "$1"
  exporter_port="$(listening_port "$1")"
}

# free_port: a loopback TCP port that was free a moment ago, for the servers that cannot bind
# port 0 and say which port they got (nginx, Prometheus). Not for the exporter.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# http_ok URL: the URL answers 2xx within 2 s.
http_ok() { curl -fsS --max-time 2 -o /dev/null "$1"; }
