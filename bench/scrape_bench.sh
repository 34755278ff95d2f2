#!/usr/bin/env bash
# How long a real scrape of about 5,000 series takes: serves a generated timed log with labels
# method + route (label sets capped so that the exposition has ~5,000 series), waits until the
# whole log is counted, then times N scrapes with curl and the server's CPU per scrape, first
# uncompressed, then with Accept-Encoding: gzip (what Prometheus sends).
#
#   bench/scrape_bench.sh path/to/accesslog_exporter [LOG] [N]
#
# Modes: plain text, text with gzip, OpenMetrics, protobuf (each uncompressed but gzip).
#
# LOG defaults to a 200,000-line timed log generated in $TMPDIR/accesslog-bench. Prints the
# series count and, for each of the two modes, the median / p90 / min of curl's time_total and
# the server's CPU per scrape (from /proc/PID/stat, in clock ticks, averaged over the N
# scrapes). Exit 0 whatever the timings; 1 when the server does not start or does not count
# the log.
set -euo pipefail

exporter=$(readlink -f "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${TMPDIR:-/tmp}/accesslog-bench
mkdir -p "$work"
log=${2:-}
n=${3:-50}
if [ -z "$log" ]; then
  log=$work/timed-200000-s7.log
  [ -s "$log" ] || python3 "$here/gen_logs.py" --shape timed --lines 200000 --out "$log" \
    --totals "$work/timed-200000-s7.totals.json"
fi
lines=$(wc -l < "$log")
port=$((20000 + RANDOM % 20000))
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

cat > "$dir/config.yaml" <<EOF
sources:
  - name: api
    files: ["$log"]
    format: '\$remote_addr - \$remote_user [\$time_local] "\$request" \$status \$body_bytes_sent "\$http_referer" "\$http_user_agent" rt=\$request_time urt="\$upstream_response_time"'
labels:
  method: true
  route: true
  limits:
    label_sets: 31   # ~160 series per label set: ~5,000 series on the generated logs
tail:
  from: start
EOF
"$exporter" --config.file="$dir/config.yaml" --web.listen-address=127.0.0.1:$port \
  > "$dir/server.log" 2>&1 &
pid=$!
url=http://127.0.0.1:$port/metrics
counted=0
for _ in $(seq 600); do
  sleep 0.5
  counted=$(curl -s "$url" | awk '/^accesslog_lines_total/ {s += $NF} END {print s + 0}') || true
  [ "${counted:-0}" -ge "$lines" ] && break
done
if [ "${counted:-0}" -lt "$lines" ]; then
  echo "scrape_bench: the exporter counted ${counted:-0} of $lines lines" >&2
  cat "$dir/server.log" >&2
  exit 1
fi
series=$(curl -s "$url" | grep -vc '^#')
bytes=$(curl -s "$url" | wc -c)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
tck=$(getconf CLK_TCK)
pick() { awk -v k="$1" 'NR == k {printf "%.1f", $1 * 1000}' "$dir/t"; }
echo "scrape of $series series ($bytes bytes), $n scrapes, load average $(cut -d' ' -f1-3 /proc/loadavg)"
# Plain, as the target is stated; then with "Accept-Encoding: gzip", as Prometheus asks (the
# server then compresses the text with zlib at level 1).
# Then each negotiated format (OpenMetrics, protobuf) plain, as Prometheus asks for them.
for mode in plain gzip openmetrics protobuf; do
  extra=()
  case "$mode" in
    gzip) extra=(-H 'Accept-Encoding: gzip') ;;
    openmetrics) extra=(-H 'Accept: application/openmetrics-text;version=1.0.0') ;;
    protobuf) extra=(-H 'Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited') ;;
  esac
  c0=$(cpu)
  for _ in $(seq "$n"); do
    curl -s "${extra[@]}" -o /dev/null -w '%{time_total}\n' "$url"
  done | sort -n > "$dir/t"
  c1=$(cpu)
  echo "$mode: curl time_total ms: median $(pick $((n / 2 + 1))) p90 $(pick $((n * 9 / 10))) min $(pick 1)"
  awk -v c="$((c1 - c0))" -v t="$tck" -v n="$n" -v m="$mode" \
    'BEGIN {printf "%s: server CPU ms per scrape: %.1f (clock ticks of 1/%d s over %d scrapes)\n", m, c * 1000 / t / n, t, n}'
done
