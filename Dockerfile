# syntax=docker/dockerfile:1
#
# accesslog_exporter image: a Debian 12 build stage (the same install script as README's
# commands) and a slim runtime stage with only the shared libraries the binary links.
#
#   docker build -t accesslog_exporter:0.1.0 \
#     --build-arg REVISION="$(git rev-parse HEAD)" --build-arg CREATED="$(date -u +%FT%TZ)" .
#   docker run --rm -p 9958:9958 -v /var/log/nginx:/var/log/nginx:ro \
#     -v "$PWD/config.yaml:/etc/accesslog_exporter/config.yaml:ro" accesslog_exporter:0.1.0
#
# Runs as uid/gid 65532 with a read-only root file system (`docker run --read-only`): the only
# thing it writes is the positions file, in /var/lib/accesslog_exporter (mount a volume there).
# tests/deploy/image_test.sh builds it with podman (--format=docker) from base images made with
# mmdebstrap, runs it read-only as 65532, and proves with ldd and dpkg that the runtime stage's
# packages provide every library the binary needs; dockerfile_test.sh lints it (docs/deployment.md).
# The build stage's install-deps.sh leaves out the tools only the image tests use (--no-image-tools).
#
# Both stages use the same Debian point release, so the runtime libraries are the ones the binary
# was built against. Pin by digest for reproducible builds (debian:12.11@sha256:...).

# ---- build stage --------------------------------------------------------------------------------
FROM debian:12.11 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN ./scripts/install-deps.sh --no-image-tools
COPY . .
# REVISION reaches the binary's accesslog_build_info{revision} (the build context has no .git).
ARG REVISION=unknown
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DACCESSLOG_TESTS=OFF \
      -DACCESSLOG_REVISION="${REVISION}" \
 && cmake --build build --target accesslog_exporter \
 && strip build/accesslog_exporter \
 && ./build/accesslog_exporter --version

# ---- runtime stage ------------------------------------------------------------------------------
FROM debian:12.11-slim

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
# Where the repository is published (no public address is recorded in it yet).
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="accesslog_exporter" \
      org.opencontainers.image.description="Prometheus exporter that follows HTTP access logs and classifies every response against the API's documented status codes" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="docker.io/library/debian:12.11-slim"

# One package per shared library the binary names (ldd, objdump -p: NEEDED), libc6 aside; their
# own dependencies bring the rest (libbrotli1, gcc-12-base). tests/deploy/dockerfile_test.sh
# fails when this list misses a library or holds a package the binary does not need.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libcrypt1 \
      libgcc-s1 \
      libre2-9 \
      libsimdjson14 \
      libsnappy1v5 \
      libssl3 \
      libstdc++6 \
      libyaml-cpp0.7 \
      zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 65532 accesslog \
 && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin accesslog \
 && install -d -o 65532 -g 65532 -m 0750 /var/lib/accesslog_exporter

# Owned by root: the process cannot modify its own binary.
COPY --from=build /src/build/accesslog_exporter /usr/local/bin/accesslog_exporter

USER 65532:65532
WORKDIR /var/lib/accesslog_exporter
EXPOSE 9958

# The binary is its own probe (the image has no curl): `healthcheck` GETs /-/healthy on the
# default port and exits 0 or 1. Listening elsewhere, or with TLS, override it with the same flags
# (`--web.listen-address`, `--web.config.file`), e.g. `docker run --health-cmd ...`. Kubernetes
# ignores HEALTHCHECK: use httpGet probes on /-/healthy and /-/ready (deploy/kubernetes/).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/accesslog_exporter", "healthcheck", "--timeout=3"]
ENTRYPOINT ["/usr/local/bin/accesslog_exporter"]
CMD ["--config.file=/etc/accesslog_exporter/config.yaml"]
