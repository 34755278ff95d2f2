#!/usr/bin/env bash
# Builds the exporter and runs it on the bundled sample access log, with the embedded
# status-code table. Then, from another terminal:  curl -s localhost:9958/metrics
# Extra arguments are passed to the exporter (e.g. --web.listen-address=127.0.0.1:9958).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target accesslog_exporter
echo "Serving http://localhost:9958/metrics (Ctrl-C to stop)" >&2
exec ./build/accesslog_exporter --log.file=examples/sample-access.log --tail.from=start "$@"
