#!/usr/bin/env bash
# The container image, built and run for real with Debian 12's podman (rootful, runc):
#
#   bash tests/deploy/image_test.sh [--keep] [--platform linux/arm64]
#
# 1. the base images the Dockerfile's FROM lines name, made from the Debian archive with
#    mmdebstrap (tests/deploy/base_images.sh; cached in podman's storage between runs);
# 2. `podman build --format=docker` (the OCI format would drop HEALTHCHECK) of the repository,
#    with no --platform: the amd64 image; the image's size is printed;
# 3. `podman image inspect`: architecture, user, exposed port, OCI labels, entrypoint, command
#    and health check as the Dockerfile says them;
# 4. the image's root file system exported: the binary's libraries (readelf) against the
#    packages unpacked in it (dockerfile_check.py libs): every library it needs is there, from a
#    listed package or their dependencies, and every listed package is needed; the positions
#    folder owned by 65532 (0750), the binary by root; the CA bundle holds every certificate of
#    ca-certificates and OpenSSL's default paths lead to it;
# 5. `podman run --read-only --user 65532` with a log mounted read-only: --version, --oneshot
#    counts every line, serving /metrics and /-/ready on a loopback port, positions saved,
#    SIGTERM exits 0; `podman healthcheck run`: healthy while it serves, unhealthy in a container
#    of the image where nothing serves, and failing once the exporter has stopped;
# 6. through the Docker API: `podman system service` on a unix socket, a `docker` client with
#    DOCKER_HOST pointing at it, and the docker build / docker run lines of docs/deployment.md
#    executed as written (the host log folder, config and published port aside: see below);
# 7. the compose demo: docker-compose validates deploy/compose/docker-compose.yml, and rejects a
#    copy with a misspelt key.
# With --platform linux/arm64 (not in the suite: the cross build takes about 8 minutes cold on 2
# cores): `podman build --platform linux/arm64 --build-arg BUILDPLATFORM=linux/amd64`, steps 1
# to 4 for that image, then its binary run under qemu-aarch64-static -L the image's root file
# system (nothing of arm64 runs otherwise: no binfmt handler is registered here): --version,
# --oneshot, serving /metrics and /-/ready, its healthcheck and SIGTERM; and the same
# expositions and analyze reports as the amd64 image's binary (built if missing) on the same
# logs in every format and envelope (tests/deploy/compare_platforms.py).
# Needs root (rootful podman); exits 77 (skipped) otherwise or without podman. Traffic goes to
# loopback only, apart from apt fetching Debian packages in mmdebstrap and the build stage.
# Every container, the API service and the temporary folder are removed at exit. Exit 0 passed.
set -euo pipefail

keep=0 platform=linux/amd64
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1; shift ;;
    --platform) platform="${2:-}"; shift 2 || true ;;
    --platform=*) platform="${1#--platform=}"; shift ;;
    *) echo "usage: image_test.sh [--keep] [--platform linux/amd64|linux/arm64]" >&2; exit 2 ;;
  esac
done
case "${platform}" in
  linux/amd64) arch=amd64 ;;
  linux/arm64) arch=arm64 ;;
  *) echo "image_test: --platform ${platform}: linux/amd64 or linux/arm64" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${root}/tests/deploy"
check="${here}/dockerfile_check.py"
fail() { printf "image_test: FAIL: %b\n" "$*" >&2; exit 1; }
step() { echo "+ $* ($((SECONDS - t0)) s)"; }
t0=${SECONDS}

if [ "$(id -u)" -ne 0 ]; then echo "image_test: SKIP: rootful podman needs root"; exit 77; fi
tools=(podman runc mmdebstrap curl python3 readelf)
[ "${arch}" = amd64 ] || tools+=(qemu-aarch64-static)
for tool in "${tools[@]}"; do
  command -v "${tool}" >/dev/null || { echo "image_test: SKIP: no ${tool} (scripts/install-deps.sh installs it)"; exit 77; }
done

tmp="$(mktemp -d -t accesslog-image.XXXXXX)"
chmod 0755 "${tmp}"
tag="accesslog-image-test-$$"
# A fixed tag, kept after the run with its build layers: the next run's build is cached (the tag
# moves to the new image; the old one, left without a name, is removed at exit).
suffix=""
[ "${arch}" = amd64 ] || suffix="-${arch}"
image="localhost/accesslog_exporter:image-test${suffix}"
build_image="localhost/accesslog_exporter-build:image-test${suffix}"
amd64_image="localhost/accesslog_exporter:image-test"
# podman 4.3 sets no BUILDPLATFORM with --platform (BuildKit would): the build stages run here.
platform_args=()
[ "${arch}" = amd64 ] || platform_args=(--platform "${platform}" --build-arg BUILDPLATFORM=linux/amd64)
qemu_pid=""
containers=()
service_pid=""
old_images=""
cleanup() {
  local status=$?
  set +e
  for c in "${containers[@]}"; do podman rm --force --time 5 "${c}" >/dev/null 2>&1; done
  if [ -n "${service_pid}" ]; then
    kill -TERM "${service_pid}" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "${service_pid}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${service_pid}" 2>/dev/null
    wait "${service_pid}" 2>/dev/null
  fi
  if [ -n "${qemu_pid}" ]; then kill -KILL "${qemu_pid}" 2>/dev/null; wait "${qemu_pid}" 2>/dev/null; fi
  podman volume rm --force accesslog-state >/dev/null 2>&1
  rm -f "${root}"/deploy/compose/.image-test-*.yml
  # The previous run's images whose tags moved to this run's: removed (podman rmi of an image
  # that still has a name or a child does nothing); nothing else on the machine is touched.
  for id in ${old_images}; do
    [ -n "$(podman image inspect --format '{{.RepoTags}}' "${id}" 2>/dev/null | tr -d '[]')" ] \
      || podman rmi "${id}" >/dev/null 2>&1
  done
  if [ "${keep}" = 1 ]; then echo "image_test: kept ${tmp}"; else rm -rf "${tmp}"; fi
  exit "${status}"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Without systemd as PID 1, podman logs "unable to get systemd connection to add healthchecks"
# for every container with a HEALTHCHECK: it cannot schedule the periodic check; the test runs the
# check itself with `podman healthcheck run`.
# podman's configuration for this machine type: runc (crun cannot run here: cgroups in hybrid
# mode), and ulimits under the current hard limits: the sandbox cannot raise RLIMIT_NOFILE or
# RLIMIT_NPROC, so podman's defaults (1048576, and the host's maximum for nproc) are refused by
# runc ("error setting rlimit type 6"); on this machine type nproc even at the hard limit is
# refused, 4096 is not. The exporter needs neither many processes nor more than 1024 files here.
nofile="$(ulimit -Hn)"; nproc="$(ulimit -Hu)"
[ "${nofile}" = unlimited ] && nofile=65536
[ "${nproc}" = unlimited ] && nproc=4096
[ "${nofile}" -le 65536 ] || nofile=65536
[ "${nproc}" -le 4096 ] || nproc=4096
cat >"${tmp}/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF="${tmp}/containers.conf"

version="$(sed -n 's/^project(accesslog_exporter VERSION \([0-9.]*\).*/\1/p' "${root}/CMakeLists.txt")"
default_port="$(sed -n 's/.*listen_address = ":\([0-9]*\)".*/\1/p' "${root}/src/http/server.h")"
{ [ -n "${version}" ] && [ -n "${default_port}" ]; } || fail "no version in CMakeLists.txt or port in src/http/server.h"
revision="$(git -C "${root}" rev-parse HEAD 2>/dev/null || echo unknown)"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
# wait_ready PORT CONTAINER: /-/ready answers 200 within 20 s, while the container runs.
wait_ready() {
  for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$1/-/ready" >/dev/null 2>&1 && return 0
    [ "$(podman inspect --format '{{.State.Running}}' "$2" 2>/dev/null)" = true ] || break
    sleep 0.1
  done
  fail "the container $2 never answered /-/ready on 127.0.0.1:$1:\n$(podman logs "$2" 2>&1 | tail -20)"
}

step "base images from the Debian archive (mmdebstrap)"
bash "${here}/base_images.sh" "${root}/Dockerfile"

step "podman build --format=docker ${platform_args[*]}"
build_start=${SECONDS}
old_images="$(podman image inspect --format '{{.Id}}' "${build_image}" "${image}" \
  "docker.io/library/accesslog_exporter:${version}" 2>/dev/null || true)"
# The build stage first, under a name of its own: the final image does not hold it as a parent,
# so without a name it would be pruned at exit with the layers the next build reuses.
nice -n 10 podman build --format=docker --pull=never --target build --tag "${build_image}" \
  "${platform_args[@]}" --build-arg REVISION="${revision}" \
  "${root}" >"${tmp}/build.log" 2>&1 || fail "podman build of the build stage failed:\n$(tail -40 "${tmp}/build.log")"
nice -n 10 podman build --format=docker --pull=never --tag "${image}" \
  "${platform_args[@]}" --build-arg REVISION="${revision}" --build-arg CREATED="$(date -u +%FT%TZ)" \
  "${root}" >>"${tmp}/build.log" 2>&1 || fail "podman build failed:\n$(tail -40 "${tmp}/build.log")"
size="$(podman image inspect --format '{{.Size}}' "${image}")"
size_mb="$(awk -v b="${size}" 'BEGIN {printf "%.1f MB", b / 1e6}')"
echo "  built ${image} in $((SECONDS - build_start)) s; image size: ${size} bytes (${size_mb})"

step "podman image inspect: user, port, labels, entrypoint, health check as the Dockerfile says"
podman image inspect "${image}" >"${tmp}/inspect.json"
mapfile -t health < <(python3 "${check}" healthcheck-cmd "${root}/Dockerfile")
python3 - "${tmp}/inspect.json" "${version}" "${revision}" "${default_port}" "${arch}" "${health[@]}" <<'PY'
import json, sys
image = json.load(open(sys.argv[1]))[0]
config = image["Config"]
version, revision, port, arch, health = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]
errors = []
def expect(what, got, want):
    if got != want:
        errors.append(f"{what}: {got!r}, the Dockerfile says {want!r}")
expect("Architecture", image.get("Architecture"), arch)
expect("Os", image.get("Os"), "linux")
expect("User", config.get("User"), "65532:65532")
expect("ExposedPorts", sorted(config.get("ExposedPorts") or {}), [f"{port}/tcp"])
expect("Entrypoint", config.get("Entrypoint"), ["/usr/local/bin/accesslog_exporter"])
expect("Cmd", config.get("Cmd"), ["--config.file=/etc/accesslog_exporter/config.yaml"])
expect("WorkingDir", config.get("WorkingDir"), "/var/lib/accesslog_exporter")
labels = config.get("Labels") or {}
expect("label version", labels.get("org.opencontainers.image.version"), version)
expect("label revision", labels.get("org.opencontainers.image.revision"), revision)
expect("label title", labels.get("org.opencontainers.image.title"), "accesslog_exporter")
for key in ("description", "created", "source", "base.name"):
    if not labels.get(f"org.opencontainers.image.{key}"):
        errors.append(f"no label org.opencontainers.image.{key}")
# podman keeps the health check beside Config (Docker inside it); ManifestType says the format.
hc = image.get("Healthcheck") or config.get("Healthcheck") or {}
expect("ManifestType", image.get("ManifestType"), "application/vnd.docker.distribution.manifest.v2+json")
expect("Healthcheck.Test", hc.get("Test"), ["CMD"] + health)
# Docker's durations are nanoseconds.
expect("Healthcheck.Interval", hc.get("Interval"), 30 * 10**9)
expect("Healthcheck.Timeout", hc.get("Timeout"), 5 * 10**9)
expect("Healthcheck.StartPeriod", hc.get("StartPeriod"), 10 * 10**9)
expect("Healthcheck.Retries", hc.get("Retries"), 3)
if errors:
    sys.exit("image_test: FAIL: podman image inspect:\n  " + "\n  ".join(errors))
print(f"  {image['Os']}/{image['Architecture']}, user {config['User']}, port {port}/tcp, entrypoint and command, {len(labels)} labels, HEALTHCHECK {' '.join(health)}")
PY

step "the root file system: the binary's libraries from the listed packages; owners; CA certificates"
containers+=("${tag}-copy")
podman create --name "${tag}-copy" "${image}" >/dev/null
mkdir "${tmp}/rootfs"
podman export "${tag}-copy" | tar -x -C "${tmp}/rootfs" || fail "podman export of the image's root file system failed"
podman rm "${tag}-copy" >/dev/null
bin="${tmp}/rootfs/usr/local/bin/accesslog_exporter"
machine="$(readelf -h "${bin}" | sed -n 's/^ *Machine: *//p')"
case "${arch}:${machine}" in
  amd64:*X86-64|arm64:AArch64) echo "  the image's binary is built for ${machine}" ;;
  *) fail "the ${arch} image's binary is built for '${machine}'" ;;
esac
python3 "${check}" libs "${root}/Dockerfile" --binary "${bin}" --rootfs "${tmp}/rootfs"
owner="$(stat -c '%u:%g %a' "${tmp}/rootfs/var/lib/accesslog_exporter")"
[ "${owner}" = "65532:65532 750" ] || fail "/var/lib/accesslog_exporter is '${owner}' (uid:gid mode), expected 65532:65532 750"
owner="$(stat -c '%u:%g %a' "${bin}")"
[ "${owner}" = "0:0 755" ] || fail "the binary is '${owner}' (uid:gid mode), expected 0:0 755"
grep -q '^accesslog:x:65532:65532:' "${tmp}/rootfs/etc/passwd" || fail "no user 65532 in /etc/passwd"
grep -q '^accesslog:x:65532:' "${tmp}/rootfs/etc/group" || fail "no group 65532 in /etc/group"
bundle="${tmp}/rootfs/etc/ssl/certs/ca-certificates.crt"
certs="$(grep -c 'BEGIN CERTIFICATE' "${bundle}" 2>/dev/null || echo 0)"
crts="$(find "${tmp}/rootfs/usr/share/ca-certificates" -name '*.crt' | wc -l)"
{ [ "${crts}" -gt 100 ] && [ "${certs}" = "${crts}" ]; } \
  || fail "the CA bundle holds ${certs} certificates, ca-certificates ${crts}"
for link in usr/lib/ssl/cert.pem usr/lib/ssl/certs/ca-certificates.crt; do
  [ "$(cd "${tmp}/rootfs" && realpath -e "${link}")" = "$(realpath "${bundle}")" ] \
    || fail "/${link} (OpenSSL's default) does not lead to /etc/ssl/certs/ca-certificates.crt"
done
openssl storeutl -noout -certs "${bundle}" >/dev/null 2>&1 || fail "openssl cannot read the CA bundle"
echo "  /var/lib/accesslog_exporter 65532:65532 0750; binary root 0755; ${certs} CA certificates, found through /usr/lib/ssl"
# How this machine runs the image's binary: directly (amd64), or under qemu-user with the
# image's root file system as the prefix for its loader and libraries.
run_bin=("${bin}")
[ "${arch}" = amd64 ] || run_bin=(qemu-aarch64-static -L "${tmp}/rootfs" "${bin}")
help_port="$("${run_bin[@]}" --help | sed -n 's/.*--web.listen-address[^=]*=:\([0-9]*\).*/\1/p')"
[ "${help_port}" = "${default_port}" ] || fail "the image's binary gives default port '${help_port}' in --help, the Dockerfile EXPOSEs ${default_port}"

mkdir -p "${tmp}/logs" "${tmp}/state"
cp "${root}/examples/sample-access.log" "${tmp}/logs/access.log"
chmod 0755 "${tmp}/logs"; chmod 0644 "${tmp}/logs/access.log"
chown 65532:65532 "${tmp}/state"
lines="$(grep -c . "${tmp}/logs/access.log")"
run=(podman run --rm --read-only --user 65532 -v "${tmp}/logs:/logs:ro")

if [ "${arch}" != amd64 ]; then
  step "qemu-aarch64-static -L <the image's root file system>: --version, --oneshot"
  out="$("${run_bin[@]}" --version 2>&1)" || fail "--version under qemu failed:\n${out}"
  grep -qF "${version}" <<<"${out}" || fail "--version says '${out}', CMakeLists.txt ${version}"
  echo "  ${out}"
  out="$("${run_bin[@]}" --oneshot --log.file="${tmp}/logs/access.log")" || fail "--oneshot under qemu failed"
  counted="$(awk '/^accesslog_lines_total\{/ {n += $NF} END {print n + 0}' <<<"${out}")"
  [ "${counted}" = "${lines}" ] || fail "--oneshot under qemu counted ${counted} lines of ${lines}"
  echo "  --oneshot: ${counted} lines"

  step "serving under qemu: /metrics and /-/ready on a loopback port; healthcheck; SIGTERM"
  port="$(free_port)"
  "${run_bin[@]}" --log.file="${tmp}/logs/access.log" --tail.from=start \
    --web.listen-address="127.0.0.1:${port}" --positions.file="${tmp}/state/positions.json" \
    2>"${tmp}/qemu-serve.log" &
  qemu_pid=$!
  for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:${port}/-/ready" >/dev/null 2>&1 && break
    kill -0 "${qemu_pid}" 2>/dev/null || fail "the exporter under qemu exited:\n$(tail -20 "${tmp}/qemu-serve.log")"
    sleep 0.1
  done
  served="$(curl -sf "http://127.0.0.1:${port}/metrics" | awk '/^accesslog_lines_total\{/ {n += $NF} END {print n + 0}')"
  [ "${served}" = "${lines}" ] || fail "/metrics under qemu counts ${served} lines of ${lines}"
  "${run_bin[@]}" healthcheck --web.listen-address="127.0.0.1:${port}" \
    || fail "the arm64 binary's healthcheck failed against itself"
  kill -TERM "${qemu_pid}"
  set +e; timeout 30 tail --pid="${qemu_pid}" -f /dev/null; wait "${qemu_pid}"; code=$?; set -e
  qemu_pid=""
  [ "${code}" = 0 ] || fail "the exporter under qemu exited ${code} after SIGTERM:\n$(tail -20 "${tmp}/qemu-serve.log")"
  [ -s "${tmp}/state/positions.json" ] || fail "no positions file written under qemu"
  echo "  /-/ready 200; /metrics: ${served} lines; healthcheck: healthy; SIGTERM: exit 0, positions saved"

  step "the same expositions and reports as the amd64 image, in every format and envelope"
  if ! podman image exists "${amd64_image}"; then
    echo "  building the amd64 image ${amd64_image}"
    nice -n 10 podman build --format=docker --pull=never --tag "${amd64_image}" \
      --build-arg REVISION="${revision}" "${root}" >>"${tmp}/build.log" 2>&1 \
      || fail "podman build of the amd64 image failed:\n$(tail -40 "${tmp}/build.log")"
  fi
  mkdir -p "${tmp}/compare"
  chmod 0755 "${tmp}/compare"
  python3 "${here}/compare_platforms.py" --work "${tmp}/compare" \
    --reference "podman run --rm --read-only --user 65532 -v ${tmp}/compare:${tmp}/compare:ro ${amd64_image}" \
    --candidate "${run_bin[*]}" || fail "the arm64 binary and the amd64 image disagree (above)"
  echo "image_test: passed for ${platform} in $((SECONDS - t0)) s (image size ${size} bytes, ${size_mb})"
  exit 0
fi

step "podman run --read-only --user 65532: --version, --oneshot"
out="$("${run[@]}" "${image}" --version 2>&1)" || fail "--version in the container failed:\n${out}"
grep -qF "${version}" <<<"${out}" || fail "--version says '${out}', CMakeLists.txt ${version}"
echo "  ${out}"
out="$("${run[@]}" "${image}" --oneshot --log.file=/logs/access.log)" || fail "--oneshot in the container failed"
counted="$(awk '/^accesslog_lines_total\{/ {n += $NF} END {print n + 0}' <<<"${out}")"
[ "${counted}" = "${lines}" ] || fail "--oneshot in the container counted ${counted} lines of ${lines}"
echo "  --oneshot: ${counted} lines"

step "podman run -d: serving /metrics and /-/ready on a loopback port; HEALTHCHECK; SIGTERM"
port="$(free_port)"
name="${tag}-serve"
containers+=("${name}")
podman run -d --name "${name}" --read-only --user 65532 -p "127.0.0.1:${port}:${default_port}" \
  -v "${tmp}/logs:/logs:ro" -v "${tmp}/state:/var/lib/accesslog_exporter" "${image}" \
  --log.file=/logs/access.log --tail.from=start \
  --positions.file=/var/lib/accesslog_exporter/positions.json >/dev/null
wait_ready "${port}" "${name}"
curl -sf "http://127.0.0.1:${port}/metrics" >"${tmp}/metrics.txt" || fail "GET /metrics failed"
grep -q "^accesslog_build_info{.*revision=\"${revision}\"" "${tmp}/metrics.txt" \
  || fail "no accesslog_build_info with revision ${revision} in /metrics:\n$(grep build_info "${tmp}/metrics.txt")"
served="$(awk '/^accesslog_lines_total\{/ {n += $NF} END {print n + 0}' "${tmp}/metrics.txt")"
[ "${served}" = "${lines}" ] || fail "/metrics counts ${served} lines of ${lines}"
echo "  /-/ready 200; /metrics: ${served} lines, build_info revision ${revision:0:12}"
podman healthcheck run "${name}" || fail "podman healthcheck run: unhealthy while the exporter serves"
status="$(podman inspect --format '{{.State.Health.Status}}' "${name}")"
[ "${status}" = healthy ] || fail "health status '${status}' while serving"
echo "  podman healthcheck run: ${status}"
podman kill --signal TERM "${name}" >/dev/null
code="$(timeout 30 podman wait "${name}")" || fail "the container did not stop within 30 s of SIGTERM"
[ "${code}" = 0 ] || fail "the exporter exited ${code} after SIGTERM:\n$(podman logs "${name}" 2>&1 | tail -20)"
echo "  SIGTERM: exit 0"
[ -s "${tmp}/state/positions.json" ] || fail "no positions file written by uid 65532 in /var/lib/accesslog_exporter"
echo "  positions saved by uid 65532"
if podman healthcheck run "${name}" >/dev/null 2>&1; then fail "podman healthcheck run passed on the stopped exporter"; fi
echo "  podman healthcheck run after SIGTERM: fails"
# The image's own HEALTHCHECK where nothing serves on the default port (the exporter serves on
# another port: the image has no shell or sleep to start instead): the check must report
# unhealthy, not just fail to run.
idle="${tag}-idle"
containers+=("${idle}")
podman run -d --name "${idle}" --read-only --user 65532 -v "${tmp}/logs:/logs:ro" "${image}" \
  --log.file=/logs/access.log --web.listen-address=127.0.0.1:$((default_port + 1)) >/dev/null
# (The container's status stays "starting" for the HEALTHCHECK's 10 s start period, in which
# failures do not count; the check's own verdict is what is asserted.)
set +e; out="$(podman healthcheck run "${idle}" 2>/dev/null)"; hc=$?; set -e
{ [ "${hc}" = 1 ] && [ "${out}" = unhealthy ]; } || fail "podman healthcheck run with nothing serving: exit ${hc}, '${out}' (expected 1, unhealthy)"
echo "  podman healthcheck run with nothing serving: exit 1, ${out}"
podman rm --force --time 0 "${idle}" >/dev/null

step "the Docker API: podman system service, DOCKER_HOST, docs/deployment.md's docker lines"
if ! command -v docker >/dev/null; then
  fail "no docker client (scripts/install-deps.sh installs docker.io when the machine has none)"
fi
socket="${tmp}/podman.sock"
podman system service --time=0 "unix://${socket}" 2>"${tmp}/service.err" &
service_pid=$!
export DOCKER_HOST="unix://${socket}"
for _ in $(seq 1 100); do docker version >/dev/null 2>&1 && break; kill -0 "${service_pid}" || break; sleep 0.1; done
docker version --format 'docker client {{.Client.Version}}, server {{.Server.Version}} (API {{.Server.APIVersion}})' \
  || fail "the docker client cannot talk to podman system service:\n$(cat "${tmp}/service.err")"
# The ```sh block under "## Container image" in docs/deployment.md, line by line (backslash
# continuations joined). What cannot be taken as written on a test machine: the host's
# /var/log/nginx (the test's log folder instead), "-p 9958:9958" (a free loopback port instead:
# the test listens on loopback only) and the foreground --rm run (-d instead, so it can be
# probed and stopped); the image tag, the build arguments and the rest are run as written.
mapfile -t doc_lines < <(python3 - "${root}/docs/deployment.md" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
block = re.search(r"## Container image\n\n```sh\n(.*?)```", text, re.S)
if not block:
    sys.exit("docs/deployment.md: no ```sh block under '## Container image'")
for line in block.group(1).replace("\\\n", " ").splitlines():
    if line.strip():
        print(re.sub(r"\s+", " ", line.strip()))
PY
)
{ [ "${#doc_lines[@]}" = 2 ] && [[ "${doc_lines[0]}" == "docker build "* ]] && [[ "${doc_lines[1]}" == "docker run "* ]]; } \
  || fail "docs/deployment.md's image block is no longer one docker build and one docker run line: update this test:\n$(printf '%s\n' "${doc_lines[@]}")"
doc_tag="$(sed -n 's/^docker build -t \([^ ]*\) .*/\1/p' <<<"${doc_lines[0]}")"
[ "${doc_tag}" = "accesslog_exporter:${version}" ] || fail "docs/deployment.md builds '${doc_tag}', the version is ${version}"
echo "  \$ ${doc_lines[0]}"
(cd "${root}" && eval "nice -n 10 ${doc_lines[0]}") >"${tmp}/docker-build.log" 2>&1 \
  || fail "docs/deployment.md's docker build failed through the Docker API:\n$(tail -30 "${tmp}/docker-build.log")"
containers+=("${tag}-docker")
# podman 4.3's Docker API leaves Config.Healthcheck out of `docker image inspect`; podman's own
# inspect of the same image shows whether the build through the API kept HEALTHCHECK.
podman image inspect --format '{{.ManifestType}} {{json .HealthCheck}}' "docker.io/library/${doc_tag}" \
  | grep -q '^application/vnd.docker.distribution.manifest.v2+json .*healthcheck' \
  || fail "the image docker build made through the Docker API is not in Docker's format with the HEALTHCHECK"
cat >"${tmp}/config.yaml" <<'YAML'
sources:
  - name: nginx
    files: /var/log/nginx/access.log
    format: combined
tail:
  from: start
  positions_file: /var/lib/accesslog_exporter/positions.json
YAML
chmod 0644 "${tmp}/config.yaml"
port="$(free_port)"
run_line="${doc_lines[1]/docker run --rm /docker run -d --name ${tag}-docker }"
run_line="${run_line/-p 9958:9958/-p 127.0.0.1:${port}:9958}"
run_line="${run_line//\/var\/log\/nginx:\/var\/log\/nginx:ro/${tmp}/logs:/var/log/nginx:ro}"
{ [ "${run_line}" != "${doc_lines[1]}" ] && [[ "${run_line}" == *"127.0.0.1:${port}:9958"* ]] && [[ "${run_line}" == *"${tmp}/logs:"* ]]; } \
  || fail "docs/deployment.md's docker run line changed shape: update this test:\n${doc_lines[1]}"
# The named volume of the documented line, new, as on a first run.
podman volume rm --force accesslog-state >/dev/null 2>&1 || true
echo "  \$ ${run_line}"
(cd "${tmp}" && eval "${run_line}") >/dev/null || fail "docs/deployment.md's docker run failed through the Docker API"
wait_ready "${port}" "${tag}-docker"
served="$(curl -sf "http://127.0.0.1:${port}/metrics" | awk '/^accesslog_lines_total\{/ {n += $NF} END {print n + 0}')"
[ "${served}" = "${lines}" ] || fail "docker run: /metrics counts ${served} lines of ${lines}"
docker stop --time 10 "${tag}-docker" >/dev/null
code="$(docker inspect --format '{{.State.ExitCode}}' "${tag}-docker")"
[ "${code}" = 0 ] || fail "docker stop: the exporter exited ${code}"
echo "  docker run as documented: /metrics counts ${served} lines; docker stop: exit 0"
docker rm "${tag}-docker" >/dev/null
kill -TERM "${service_pid}"; wait "${service_pid}" 2>/dev/null || true; service_pid=""
unset DOCKER_HOST

step "compose: docker-compose config validates deploy/compose/docker-compose.yml"
if command -v docker-compose >/dev/null; then
  # Debian 12's docker-compose (1.29) predates the Compose Specification's top-level "name:"
  # (Compose v2): validate the rest, and give the same project name with -p.
  compose_dir="${root}/deploy/compose"
  project="$(sed -n 's/^name: *//p' "${compose_dir}/docker-compose.yml")"
  sed '/^name: /d' "${compose_dir}/docker-compose.yml" >"${compose_dir}/.image-test-compose.yml"
  out="$(docker-compose -p "${project}" -f "${compose_dir}/.image-test-compose.yml" config -q 2>&1)" || {
    rm -f "${compose_dir}/.image-test-compose.yml"; fail "docker-compose config rejects deploy/compose/docker-compose.yml:\n${out}"; }
  sed 's/^    healthcheck:/    helthcheck:/' "${compose_dir}/.image-test-compose.yml" >"${compose_dir}/.image-test-bad.yml"
  if docker-compose -p "${project}" -f "${compose_dir}/.image-test-bad.yml" config -q >/dev/null 2>&1; then
    rm -f "${compose_dir}"/.image-test-*.yml; fail "docker-compose config accepted a misspelt key (helthcheck)"
  fi
  rm -f "${compose_dir}"/.image-test-*.yml
  echo "  docker-compose $(docker-compose version --short): valid; a misspelt key is rejected"
else
  fail "no docker-compose (scripts/install-deps.sh installs it)"
fi

echo "image_test: passed in $((SECONDS - t0)) s (image size ${size} bytes, ${size_mb})"
