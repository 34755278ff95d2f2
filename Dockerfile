# syntax=docker/dockerfile:1
# Build stage: the same Debian 12 packages and script as README's commands.
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN ./scripts/install-deps.sh
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DACCESSLOG_TESTS=OFF \
 && cmake --build /build --target accesslog_exporter \
 && strip /build/accesslog_exporter

# Runtime stage: only the shared libraries the binary links.
FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libprometheus-cpp-core1.0 libyaml-cpp0.7 libcpp-httplib0.11 libssl3 zlib1g libbrotli1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 65532 --no-create-home --shell /usr/sbin/nologin accesslog
COPY --from=build /build/accesslog_exporter /usr/local/bin/accesslog_exporter
USER 65532:65532
EXPOSE 9958
ENTRYPOINT ["/usr/local/bin/accesslog_exporter"]
