# syntax=docker/dockerfile:1
#
# accesslog_exporter image, for linux/amd64 and linux/arm64 from this one file: a build stage and
# a root-file-system stage that both run on the build machine's platform, and a final stage made
# of what they produce (nothing of the target platform runs during the build).
#
#   docker build -t accesslog_exporter:0.1.0 \
#     --build-arg REVISION="$(git rev-parse HEAD)" --build-arg CREATED="$(date -u +%FT%TZ)" .
#   docker buildx build --platform linux/amd64,linux/arm64 -t accesslog_exporter:0.1.0 .
#   podman build --platform linux/arm64 --build-arg BUILDPLATFORM=linux/amd64 \
#     -t accesslog_exporter:0.1.0-arm64 .     # podman 4.3 (Debian 12) sets no BUILDPLATFORM
#   docker run --rm -p 9958:9958 -v /var/log/nginx:/var/log/nginx:ro \
#     -v "$PWD/config.yaml:/etc/accesslog_exporter/config.yaml:ro" accesslog_exporter:0.1.0
#
# Toolchain and build stages: Debian 12 on the build machine; the same install script as
# README's commands. Built for its own architecture, as a plain build; for another one
# (TARGETARCH), Debian's cross compiler against a sysroot of the target's -dev packages,
# unpacked, not installed (scripts/install-deps.sh --cross, cmake/cross-debian.cmake).
# Root-file-system stage: the runtime libraries the binary needs, for the target architecture,
# unpacked from Debian's packages with their dependencies (scripts/debian-unpack.sh), the way
# distroless images are made; CA certificates; the user and group 65532; the positions folder.
# Final stage: that root file system and the binary, FROM scratch: no shell, no package manager.
#
# Runs as uid/gid 65532 with a read-only root file system (`docker run --read-only`): the only
# thing it writes is the positions file, in /var/lib/accesslog_exporter (mount a volume there).
# tests/deploy/image_test.sh builds it with podman (--format=docker) from base images made with
# mmdebstrap, runs it read-only as 65532, and proves with the binary's NEEDED entries and the
# root file system's package lists that it holds exactly the libraries the binary needs;
# dockerfile_test.sh lints it (docs/deployment.md). `image_test.sh --platform linux/arm64`
# builds and checks the arm64 image, its binary run under qemu-aarch64-static.
#
# Both stages use the same Debian archive, so the runtime libraries are the ones the binary was
# built against. Pin by digest for reproducible builds (debian:12.11@sha256:...).

# BuildKit (docker build, docker buildx) sets BUILDPLATFORM and TARGETARCH itself, and so does
# podman for a build without --platform; podman 4.3 with --platform needs
# --build-arg BUILDPLATFORM=linux/amd64 (no default here: BuildKit would take a default in this
# file for the caller's value and run the build stage emulated on an arm64 machine).

# ---- toolchain stage ----------------------------------------------------------------------------
FROM --platform=$BUILDPLATFORM debian:12.11 AS toolchain
ARG TARGETARCH
WORKDIR /src
COPY scripts/install-deps.sh scripts/debian-unpack.sh scripts/
# A native build installs the -dev packages (--no-image-tools: no container tools); a cross
# build, the cross compiler and the target's sysroot. target.env says which, for the stages
# below: they do not declare TARGETARCH, so their cache does not depend on whether the builder
# set it (the Docker API of podman 4.3 does not) when the answer is the same.
RUN set -e; \
    native="$(dpkg --print-architecture)"; \
    target="${TARGETARCH:-${native}}"; \
    if [ "${target}" = "${native}" ]; then \
      ./scripts/install-deps.sh --no-image-tools; \
      echo "target=${target} sysroot=" >target.env; \
    else \
      echo "target=${target} sysroot=$(./scripts/install-deps.sh --cross="${target}")" >target.env; \
    fi

# ---- build stage --------------------------------------------------------------------------------
FROM toolchain AS build
COPY . .
# REVISION reaches the binary's accesslog_build_info{revision} (the build context has no .git).
ARG REVISION=unknown
# A cross-built binary is not run: its ELF header must name the target's machine instead.
RUN set -e; \
    . ./target.env; \
    if [ -z "${sysroot}" ]; then \
      cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DACCESSLOG_TESTS=OFF \
        -DACCESSLOG_REVISION="${REVISION}"; \
      cmake --build build --target accesslog_exporter; \
      strip build/accesslog_exporter; \
      ./build/accesslog_exporter --version; \
    else \
      cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DACCESSLOG_TESTS=OFF \
        -DACCESSLOG_REVISION="${REVISION}" --toolchain cmake/cross-debian.cmake \
        -DACCESSLOG_TARGET_ARCH="${target}" -DACCESSLOG_SYSROOT="${sysroot}"; \
      cmake --build build --target accesslog_exporter; \
      strip_tool="$(sed -n 's|^CMAKE_STRIP:FILEPATH=||p' build/CMakeCache.txt)"; \
      "${strip_tool}" build/accesslog_exporter; \
      machine="$(readelf -h build/accesslog_exporter | sed -n 's|^ *Machine: *||p')"; \
      echo "accesslog_exporter for ${target}: ${machine}"; \
      case "${target}:${machine}" in arm64:AArch64|amd64:*X86-64) ;; *) exit 1 ;; esac; \
    fi

# ---- root-file-system stage ---------------------------------------------------------------------
FROM toolchain AS rootfs
# One package per shared library the binary names (NEEDED), libc6 aside: their dependencies
# (libc6, gcc-12-base ...) come with them. tests/deploy/image_test.sh fails when this list misses
# a library or holds a package the binary does not need. Then, without their dependencies
# (which serve only their maintainer scripts): base-files (/etc/os-release: image scanners know
# the image as Debian 12), netbase (/etc/services, /etc/protocols) and ca-certificates, whose
# bundle is built here as its maintainer script would, for TLS connections the exporter makes
# itself; OpenSSL looks for it through /usr/lib/ssl.
RUN set -e; \
    . ./target.env; \
    ./scripts/debian-unpack.sh --arch "${target}" --slim --into rootfs \
      libcrypt1 \
      libgcc-s1 \
      libre2-9 \
      libsimdjson14 \
      libsnappy1v5 \
      libssl3 \
      libstdc++6 \
      libyaml-cpp0.7 \
      zlib1g; \
    ./scripts/debian-unpack.sh --arch "${target}" --slim --without-depends --into rootfs \
      base-files netbase ca-certificates; \
    mkdir -p rootfs/etc/ssl/certs rootfs/usr/lib/ssl; \
    for crt in rootfs/usr/share/ca-certificates/mozilla/*.crt; do sed -e '$a\' "${crt}"; done \
      >rootfs/etc/ssl/certs/ca-certificates.crt; \
    ln -s ../../../etc/ssl/certs rootfs/usr/lib/ssl/certs; \
    ln -s ../../../etc/ssl/certs/ca-certificates.crt rootfs/usr/lib/ssl/cert.pem; \
    printf 'root:x:0:0:root:/root:/usr/sbin/nologin\naccesslog:x:65532:65532::/nonexistent:/usr/sbin/nologin\n' \
      >rootfs/etc/passwd; \
    printf 'root:x:0:\naccesslog:x:65532:\n' >rootfs/etc/group; \
    install -d -m 1777 rootfs/tmp; \
    install -d -o 65532 -g 65532 -m 0750 rootfs/var/lib/accesslog_exporter

# ---- final stage --------------------------------------------------------------------------------
FROM scratch

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
      org.opencontainers.image.base.name="scratch"

COPY --from=rootfs /src/rootfs/ /
# Owned by root: the process cannot modify its own binary.
COPY --from=build /src/build/accesslog_exporter /usr/local/bin/accesslog_exporter

USER 65532:65532
WORKDIR /var/lib/accesslog_exporter
EXPOSE 9958

# The binary is its own probe (the image has no curl, nor a shell): `healthcheck` GETs
# /-/healthy on the default port and exits 0 or 1. Listening elsewhere, or with TLS, override it
# with the same flags (`--web.listen-address`, `--web.config.file`), e.g. `docker run
# --health-cmd ...`. Kubernetes ignores HEALTHCHECK: use httpGet probes on /-/healthy and
# /-/ready (deploy/kubernetes/).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/accesslog_exporter", "healthcheck", "--timeout=3"]
ENTRYPOINT ["/usr/local/bin/accesslog_exporter"]
CMD ["--config.file=/etc/accesslog_exporter/config.yaml"]
