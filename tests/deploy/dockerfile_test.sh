#!/usr/bin/env bash
# The Dockerfile's lint (fast, no container engine; tests/deploy/image_test.sh builds and runs the
# image for real with podman):
#
#   bash tests/deploy/dockerfile_test.sh [--keep]
#
# tests/deploy/dockerfile_check.py lint: pinned Debian bases of one release, multi-stage, every
# stage that runs something FROM --platform=$BUILDPLATFORM and none in the final stage (FROM
# scratch, its root file system unpacked by scripts/debian-unpack.sh, no apt-get, no -dev
# package), install-deps.sh in the build stage, no ADD of URLs, no curl/wget, numeric non-root
# USER, EXPOSE = the default port, exec-form ENTRYPOINT/CMD and HEALTHCHECK, OCI labels; and the
# linter itself fails on a broken copy of the Dockerfile, rule by rule. Exit 0 passed, 1 failed.
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
cleanup() {
  local status=$?
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
# shellcheck disable=SC2016  # the Dockerfile's literal $BUILDPLATFORM
mutate unpinned    's.replace("FROM --platform=$BUILDPLATFORM debian:12.11 AS toolchain", "FROM --platform=$BUILDPLATFORM debian:latest AS toolchain")' "is not pinned"
# shellcheck disable=SC2016  # the Dockerfile's literal $BUILDPLATFORM
mutate two-releases 's.replace("FROM toolchain AS rootfs", "FROM --platform=$BUILDPLATFORM debian:12.10 AS rootfs")' "different Debian releases"
mutate slim-base   's.replace("FROM scratch", "FROM debian:12.11-slim")' "must be FROM scratch"
# shellcheck disable=SC2016  # the Dockerfile's literal $BUILDPLATFORM
mutate emulated    's.replace("FROM --platform=$BUILDPLATFORM debian:12.11 AS toolchain", "FROM debian:12.11 AS toolchain")' 'is not FROM --platform=$BUILDPLATFORM'
mutate run-final   's.replace("USER 65532:65532", "RUN chown 65532 /var/lib/accesslog_exporter\nUSER 65532:65532")' "RUN in the final stage"
mutate root-user   's.replace("USER 65532:65532", "USER root")' "numeric uid"
mutate no-user     's.replace("USER 65532:65532\n", "")' "no USER"
mutate add-url     's.replace("COPY . .", "ADD https://example.com/src.tar.gz .")' "ADD of a URL"
mutate curl        's.replace("libyaml-cpp0.7 \\", "libyaml-cpp0.7 curl \\")' "curl/wget"
mutate apt-rootfs  's.replace(". ./target.env; \\\n    ./scripts/debian-unpack.sh", ". ./target.env; apt-get install -y tzdata; \\\n    ./scripts/debian-unpack.sh")' "installs packages with apt-get"
mutate dev-rootfs  's.replace("      zlib1g; \\", "      zlib1g zlib1g-dev; \\")' "only what the binary needs at run time"
mutate no-rootfs   's.replace("COPY --from=rootfs /src/rootfs/ /", "COPY --from=rootfs /src/rootfs/etc/passwd /etc/passwd")' "root file system to /"
mutate port        's.replace("EXPOSE 9958", "EXPOSE 9100")' "expected exactly the default port"
mutate shell-entry 's.replace("ENTRYPOINT [\"/usr/local/bin/accesslog_exporter\"]", "ENTRYPOINT /usr/local/bin/accesslog_exporter")' "shell form"
mutate label       's.replace("org.opencontainers.image.revision", "org.example.revision")' "org.opencontainers.image.revision"
mutate version     's.replace("ARG VERSION=0.1.0", "ARG VERSION=9.9.9")' "CMakeLists.txt says"
mutate abs-build   's.replace("-B build ", "-B /build ")' "absolute path /build"
mutate no-health   're.sub(r"HEALTHCHECK [^\n]*\\\n[^\n]*\n", "", s)' "no HEALTHCHECK"
mutate curl-health 's.replace("CMD [\"/usr/local/bin/accesslog_exporter\", \"healthcheck\"", "CMD [\"curl\", \"-f\"")' "curl/wget"
mutate shell-health 's.replace("CMD [\"/usr/local/bin/accesslog_exporter\", \"healthcheck\", \"--timeout=3\"]", "CMD /usr/local/bin/accesslog_exporter healthcheck")' "shell form"

echo "dockerfile_test: passed"
