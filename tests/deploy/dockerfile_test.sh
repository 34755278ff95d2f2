#!/usr/bin/env bash
# The Dockerfile, tested without Docker (no Docker engine runs on the project's machines):
#
#   bash tests/deploy/dockerfile_test.sh [--keep]
#
# 1. lint (tests/deploy/dockerfile_check.py lint): pinned Debian bases of one release, multi-stage,
#    install-deps.sh in the build stage, no ADD of URLs, no curl/wget, apt hygiene, numeric
#    non-root USER, EXPOSE = the default port, exec-form ENTRYPOINT/CMD, OCI labels; and the
#    linter itself fails on a broken copy of the Dockerfile, rule by rule;
# 2. the build stage's own steps, run outside Docker: its COPY lines copy from a context filtered
#    by .dockerignore into a temporary folder, its RUN lines run there (scripts/install-deps.sh,
#    then the CMake build): a build step that fails, or a file .dockerignore leaves out, fails here;
# 3. EXPOSE against the port the built binary's --help gives as the default;
# 4. ldd + dpkg: every shared library of the built binary comes from the runtime stage's packages
#    or their dependencies, and every listed package is needed;
# 5. the slim image, approximated: a root folder with only the files of those packages and the
#    binary; as uid 65532 in a chroot, the binary prints its version, counts a log with --oneshot
#    and serves /metrics and /-/ready, and the HEALTHCHECK command says healthy while it serves
#    and unhealthy (exit 1) once it stopped (chroot needs root: skipped otherwise).
# Takes a few minutes (step 2 is a Release build). Exit 0 passed, 1 failed.
set -euo pipefail

keep=0
[ "${1:-}" = --keep ] && keep=1
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${root}/tests/deploy"
check="${here}/dockerfile_check.py"
fail() { printf "dockerfile_test: FAIL: %b\n" "$*" >&2; exit 1; }
step() { echo "+ $*"; }

tmp="$(mktemp -d -t accesslog-dockerfile.XXXXXX)"
chmod 0755 "${tmp}"
server_pid=""
cleanup() {
  local status=$?
  if [ -n "${server_pid}" ]; then
    kill -TERM "${server_pid}" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "${server_pid}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${server_pid}" 2>/dev/null || true
    wait "${server_pid}" 2>/dev/null || true
  fi
  if [ "${keep}" = 1 ]; then echo "dockerfile_test: kept ${tmp}"; else rm -rf "${tmp}"; fi
  exit "${status}"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

version="$(sed -n 's/^project(accesslog_exporter VERSION \([0-9.]*\).*/\1/p' "${root}/CMakeLists.txt")"
[ -n "${version}" ] || fail "no project VERSION in CMakeLists.txt"
default_port="$(sed -n 's/.*listen_address = ":\([0-9]*\)".*/\1/p' "${root}/src/http/server.h")"
[ -n "${default_port}" ] || fail "no default listen address in src/http/server.h"

step "lint the Dockerfile"
python3 "${check}" lint "${root}/Dockerfile" --port "${default_port}" --version "${version}"

step "the linter catches broken Dockerfiles"
# mutate NAME PYTHON-EXPRESSION-ON-s EXPECTED-MESSAGE
mutate() {
  local name="$1" expr="$2" expected="$3" out
  python3 - "${root}/Dockerfile" "${tmp}/Dockerfile.${name}" "${expr}" <<'EOF'
import re, sys
s = open(sys.argv[1]).read()
t = eval(sys.argv[3])
if t == s:
    sys.exit(f"mutation {sys.argv[3]!r} changed nothing: update tests/deploy/dockerfile_test.sh")
open(sys.argv[2], "w").write(t)
EOF
  if out="$(python3 "${check}" lint "${tmp}/Dockerfile.${name}" --port "${default_port}" --version "${version}" 2>&1)"; then
    fail "lint accepted the ${name} mutation"
  fi
  grep -qF -- "${expected}" <<<"${out}" || fail "lint of the ${name} mutation did not say '${expected}':\n${out}"
  echo "  ${name}: rejected"
}
mutate unpinned    's.replace("FROM debian:12.11-slim", "FROM debian:latest")' "is not pinned"
mutate two-releases 's.replace("FROM debian:12.11-slim", "FROM debian:12.10-slim")' "different Debian releases"
mutate root-user   's.replace("USER 65532:65532", "USER root")' "numeric uid"
mutate no-user     's.replace("USER 65532:65532\n", "")' "no USER"
mutate add-url     's.replace("COPY . .", "ADD https://example.com/src.tar.gz .")' "ADD of a URL"
mutate curl        's.replace("libyaml-cpp0.7 \\", "libyaml-cpp0.7 curl \\")' "curl/wget"
mutate apt-lists   's.replace(" && rm -rf /var/lib/apt/lists/* \\\n", " \\\n")' "apt lists not removed"
mutate recommends  's.replace("install -y --no-install-recommends", "install -y")' "--no-install-recommends"
mutate port        's.replace("EXPOSE 9958", "EXPOSE 9100")' "expected exactly the default port"
mutate shell-entry 's.replace("ENTRYPOINT [\"/usr/local/bin/accesslog_exporter\"]", "ENTRYPOINT /usr/local/bin/accesslog_exporter")' "shell form"
mutate label       's.replace("org.opencontainers.image.revision", "org.example.revision")' "org.opencontainers.image.revision"
mutate version     's.replace("ARG VERSION=0.1.0", "ARG VERSION=9.9.9")' "CMakeLists.txt says"
mutate abs-build   's.replace("-B build ", "-B /build ")' "absolute path /build"
mutate no-health   're.sub(r"HEALTHCHECK [^\n]*\\\n[^\n]*\n", "", s)' "no HEALTHCHECK"
mutate curl-health 's.replace("CMD [\"/usr/local/bin/accesslog_exporter\", \"healthcheck\"", "CMD [\"curl\", \"-f\"")' "curl/wget"
mutate shell-health 's.replace("CMD [\"/usr/local/bin/accesslog_exporter\", \"healthcheck\", \"--timeout=3\"]", "CMD /usr/local/bin/accesslog_exporter healthcheck")' "shell form"

step "run the build stage's steps outside Docker"
python3 "${check}" build "${root}/Dockerfile" --context "${root}" --work "${tmp}/build" >"${tmp}/artifacts.tsv" \
  || fail "the build stage failed (see above)"
binary="$(awk -F'\t' '$2 == "/usr/local/bin/accesslog_exporter" {print $1}' "${tmp}/artifacts.tsv")"
if [ -z "${binary}" ] || [ ! -x "${binary}" ]; then
  fail "the build stage made no /usr/local/bin/accesslog_exporter:\n$(cat "${tmp}/artifacts.tsv")"
fi
echo "  built ${binary#"${tmp}/"}: $("${binary}" --version)"

step "EXPOSE against the binary's default --web.listen-address"
help_port="$("${binary}" --help | sed -n 's/.*--web.listen-address[^=]*=:\([0-9]*\).*/\1/p')"
[ "${help_port}" = "${default_port}" ] || fail "--help gives default port '${help_port}', src/http/server.h ${default_port}"
grep -qx "EXPOSE ${help_port}" "${root}/Dockerfile" || fail "Dockerfile does not EXPOSE ${help_port}"

step "ldd + dpkg: the runtime stage's packages provide every library"
python3 "${check}" libs "${root}/Dockerfile" --binary "${binary}"

step "the slim image's libraries alone run the binary (chroot, uid 65532)"
if [ "$(id -u)" -ne 0 ] || ! chroot / true 2>/dev/null; then
  echo "  SKIP: chroot needs root (and CAP_SYS_CHROOT)"
else
  rootfs="${tmp}/rootfs"
  python3 "${check}" rootfs "${root}/Dockerfile" --binary "${binary}" --root "${rootfs}"
  cp "${root}/examples/sample-access.log" "${rootfs}/tmp/access.log"
  chmod 0644 "${rootfs}/tmp/access.log"
  run_as=(chroot --userspec=65532:65532 "${rootfs}")
  out="$("${run_as[@]}" /usr/local/bin/accesslog_exporter --version 2>&1)" \
    || fail "the binary does not start with only the runtime packages' files:\n${out}"
  echo "  ${out}"
  out="$("${run_as[@]}" /usr/local/bin/accesslog_exporter --oneshot --log.file=/tmp/access.log)" \
    || fail "--oneshot in the chroot failed"
  lines="$(grep -c . "${rootfs}/tmp/access.log")"
  counted="$(awk '/^accesslog_lines_total\{/ {n += $NF} END {print n + 0}' <<<"${out}")"
  [ "${counted}" = "${lines}" ] || fail "--oneshot in the chroot counted ${counted} lines of ${lines}"
  echo "  --oneshot: ${counted} lines"
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  "${run_as[@]}" /usr/local/bin/accesslog_exporter --log.file=/tmp/access.log --tail.from=start \
    --positions.file=/var/lib/accesslog_exporter/positions.json \
    --web.listen-address="127.0.0.1:${port}" 2>"${tmp}/server.err" &
  server_pid=$!
  ok=0
  for _ in $(seq 1 100); do
    if curl -sf "http://127.0.0.1:${port}/-/ready" >/dev/null 2>&1; then ok=1; break; fi
    kill -0 "${server_pid}" 2>/dev/null || break
    sleep 0.1
  done
  [ "${ok}" = 1 ] || fail "the server in the chroot never answered /-/ready:\n$(cat "${tmp}/server.err")"
  curl -sf "http://127.0.0.1:${port}/metrics" | grep -q '^accesslog_build_info{' || fail "no accesslog_build_info in /metrics from the chroot"
  # The image's HEALTHCHECK command as Docker would run it, in the chroot, pointed at this port.
  mapfile -t health < <(python3 "${check}" healthcheck-cmd "${root}/Dockerfile")
  health+=("--web.listen-address=127.0.0.1:${port}")
  out="$("${run_as[@]}" "${health[@]}" 2>&1)" || fail "HEALTHCHECK ${health[*]} failed on a serving exporter:\n${out}"
  echo "  HEALTHCHECK while serving: exit 0 (${out})"
  kill -TERM "${server_pid}"
  wait "${server_pid}" || fail "the server in the chroot exited non-zero after SIGTERM"
  server_pid=""
  set +e
  out="$("${run_as[@]}" "${health[@]}" 2>&1)"
  status=$?
  set -e
  [ "${status}" = 1 ] || fail "HEALTHCHECK with the exporter stopped exited ${status}, expected 1:\n${out}"
  echo "  HEALTHCHECK after SIGTERM: exit 1 (${out})"
  [ -s "${rootfs}/var/lib/accesslog_exporter/positions.json" ] || fail "no positions file written by uid 65532 in /var/lib/accesslog_exporter"
  echo "  served /-/ready and /metrics, saved positions as uid 65532"
fi

echo "dockerfile_test: passed"
