#!/usr/bin/env python3
"""Measures series per instance, peak RSS and CPU per scrape for the configurations of
docs/scaling.md ("Series per instance"), in one run.

    measure_series.py --exporter build/accesslog_exporter [--lines 300000] [--paths 5000]

Generates LINES nginx lines in the format of deploy/common/nginx.conf (combined + rt=, urt=,
host=) whose paths are drawn from PATHS distinct ones, ten times the default route cap, each
seen often enough to meet every method and most codes: the worst case for the route label, where
the caps are what bound the series. Then for each
configuration starts the exporter serving them (--tail.from=start, a port chosen at run time on
127.0.0.1), waits until every line is counted, scrapes /metrics 20 times and reports: the
series in the exposition, the process's peak RSS (VmHWM) and the CPU time of one scrape (mean of
the 20, from /proc/PID/stat, 10 ms clock tick). Every process started here is stopped by PID.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

# The traffic mix and the process helpers are measure_cost.py's (this script's directory).
from measure_cost import CODES, METHODS, cpu_seconds, free_port, weighted

NGINX_FORMAT = ('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                '"$http_referer" "$http_user_agent" rt=$request_time '
                'urt="$upstream_response_time" host=$host')

# What deploy/common/accesslog_exporter.yml says about labels, for this test's log.
DEPLOY_CONFIG = """sources:
  - name: nginx
    files: {log}
    format: '{fmt}'
labels:
  method: true
  route: true
  route_templates:
    - /api/owners/{{owner}}/kittens
  limits:
    routes: 50
    label_sets: 200
tail:
  from: start
"""

# The series budget raised and routes on histograms again: what the last row gave before
# labels.limits.series and histograms.labels (how to raise the defaults, docs/scaling.md).
RAISED_CONFIG = """sources:
  - name: nginx
    files: {log}
    format: '{fmt}'
labels:
  method: true
  route: true
  limits:
    series: 200000
histograms:
  labels: [class, method, route]
tail:
  from: start
"""

SCRAPES = 20  # the CPU clock ticks every 10 ms: a mean over many scrapes


def word(i):
    """A path segment unique to i, without digits (so that no :id template folds it)."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(ord("a") + r) + out
    return out


def generate(path, n, paths):
    rng = random.Random(20261125)
    with open(path, "w") as f:
        for i in range(n):
            code = weighted(rng, CODES)
            method = weighted(rng, METHODS)
            rt = rng.expovariate(1 / 0.05)
            f.write(f'192.0.2.{i % 250 + 1} - - [25/Nov/2026:10:00:00 +0000] '
                    f'"{method} /api/{word(rng.randrange(paths))}/things HTTP/1.1" {code} {rng.randint(0, 9999)} '
                    f'"-" "bench/1.0" rt={rt:.3f} urt="{rt * 0.9:.3f}" host=api.example\n')


def peak_rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
        return r.read().decode("utf-8", "replace")


def counted(text):
    n = 0
    for line in text.splitlines():
        if line.startswith("accesslog_lines_total{"):
            n += int(float(line.rsplit(" ", 1)[1]))
    return n


def measure(exporter, argv, work, n):
    port = free_port()
    err = open(os.path.join(work, "exporter.err"), "w")
    proc = subprocess.Popen([exporter, *argv, f"--web.listen-address=127.0.0.1:{port}",
                             "--log.level=warn"], stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 300
        text = ""
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"the exporter exited ({proc.returncode}): {' '.join(argv)}")
            try:
                text = scrape(port)
                if counted(text) >= n:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            raise SystemExit(f"not every line counted within 300 s: {' '.join(argv)}")
        series = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
        c0 = cpu_seconds(proc.pid)
        for _ in range(SCRAPES):
            scrape(port)
        per_scrape = (cpu_seconds(proc.pid) - c0) / SCRAPES
        return series, peak_rss_mib(proc.pid), per_scrape
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        err.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exporter", required=True)
    ap.add_argument("--lines", type=int, default=300_000)
    ap.add_argument("--paths", type=int, default=5_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="accesslog-series.") as work:
        log = os.path.join(work, "access.log")
        generate(log, args.lines, args.paths)
        config = os.path.join(work, "deploy.yml")
        with open(config, "w") as f:
            f.write(DEPLOY_CONFIG.format(log=log, fmt=NGINX_FORMAT))
        raised = os.path.join(work, "raised.yml")
        with open(raised, "w") as f:
            f.write(RAISED_CONFIG.format(log=log, fmt=NGINX_FORMAT))
        base = [f"--log.file={log}", "--tail.from=start"]
        cases = [
            ("default labels, `combined` (size histogram only)",
             base + ["--log.format=combined"]),
            ("default labels, nginx format with `$request_time` and `$upstream_response_time`",
             base + [f"--log.format={NGINX_FORMAT}"]),
            ("`--labels=method`, `combined`", base + ["--log.format=combined", "--labels=method"]),
            ("`deploy/common/accesslog_exporter.yml`: method, route; 50 routes, 200 label sets; "
             "both times", [f"--config.file={config}"]),
            ("`--labels=method,route`, default caps (500 routes, 2,000 label sets), `combined`",
             base + ["--log.format=combined", "--labels=method,route"]),
            ("`--labels=method,route`, default caps, nginx format with both times",
             base + [f"--log.format={NGINX_FORMAT}", "--labels=method,route"]),
            ("the same with `labels.limits.series: 200000` and `histograms.labels: [class, "
             "method, route]`", [f"--config.file={raised}"]),
        ]
        print(f"# {args.lines:,} lines, {args.paths:,} distinct paths; "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
              f"load average {os.getloadavg()[0]:.1f}")
        print("\n| configuration | series per instance | peak RSS | CPU per scrape |")
        print("|---|---|---|---|")
        for name, argv in cases:
            series, rss, per_scrape = measure(args.exporter, argv, work, args.lines)
            print(f"| {name} | {series:,} | {rss:.0f} MiB | {per_scrape * 1000:.0f} ms |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
