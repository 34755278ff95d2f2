#!/usr/bin/env bash
# accesslog_exporter vs mtail vs wc -l on the same generated logs, in one run (bench/README.md).
#   bench/run_bench.sh [--lines N] [--repeat R] [--big-mb M] path/to/accesslog_exporter
#   bench/run_bench.sh --smoke path/to/accesslog_exporter   # CI: < 30 s, exit 1 only if broken
set -euo pipefail
exec python3 "$(dirname "${BASH_SOURCE[0]}")/run_bench.py" "$@"
