#!/usr/bin/env python3
"""Scrape latency of the ~5,000-series exposition with and without hostile connections, for one
or two exporter binaries in the same run (issue #20; docs/performance.md).

    python3 bench/connections_bench.py NEW_BINARY [--baseline OLD_BINARY] [--scrapes 50]
        [--idle 1000] [--slow 200] [--kept 50] [--timeout 2]

Each binary serves bench/scrape_bench.sh's configuration (a 200,000-line timed log from
bench/gen_logs.py with the method and route labels, capped at ~5,000 series). Once the whole log
is counted, SCRAPES scrapes of /metrics, each from a new client with a TIMEOUT-second timeout,
are timed: first quiet, then while IDLE idle, SLOW slow-header (one byte a second) and KEPT
kept-alive connections are held. Prints median, p99 and max of the answered scrapes and how many
got no answer in time. A benchmark, not a test: it exits 0 whatever the timings (1 only when a
binary does not start or does not count the log).
"""

import argparse
import http.client
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FORMAT = ('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
          '"$http_referer" "$http_user_agent" rt=$request_time urt="$upstream_response_time"')


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def scrape(port, timeout):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", "/metrics")
        r = c.getresponse()
        body = r.read()
        return r.status, body
    finally:
        c.close()


def counted(port):
    try:
        _, body = scrape(port, 5)
    except OSError:
        return 0
    total = 0
    for line in body.decode().splitlines():
        if line.startswith("accesslog_lines_total"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def run(binary, log, lines, work, a):
    config = os.path.join(work, "config.yaml")
    with open(config, "w") as f:
        f.write(f"sources:\n  - name: api\n    files: [\"{log}\"]\n    format: '{FORMAT}'\n"
                "labels:\n  method: true\n  route: true\n  limits:\n    label_sets: 31\n"
                "tail:\n  from: start\n")
    err = open(os.path.join(work, "stderr"), "w+")
    proc = subprocess.Popen([binary, "--config.file=" + config,
                             "--web.listen-address=127.0.0.1:0"],
                            stdout=subprocess.DEVNULL, stderr=err)
    try:
        port = 0
        for _ in range(200):
            err.flush()
            for line in open(err.name):
                if "msg=listening" in line and "port=" in line:
                    port = int(line.split("port=")[1].split()[0].strip('"'))
            if port:
                break
            time.sleep(0.05)
        if not port:
            print(f"{binary}: did not start: {open(err.name).read()}", file=sys.stderr)
            sys.exit(1)
        for _ in range(600):
            if counted(port) >= lines:
                break
            time.sleep(0.5)
        else:
            print(f"{binary}: did not count the log", file=sys.stderr)
            sys.exit(1)
        status, body = scrape(port, 10)
        series = sum(1 for l in body.decode().splitlines() if l and not l.startswith("#"))

        def measure(label):
            lat, missed = [], 0
            for _ in range(a.scrapes):
                t0 = time.monotonic()
                try:
                    status, _ = scrape(port, a.timeout)
                    if status == 200:
                        lat.append((time.monotonic() - t0) * 1000)
                    else:
                        missed += 1
                except OSError:
                    missed += 1
            text = (f"median {percentile(lat, 50):.1f} ms, p99 {percentile(lat, 99):.1f} ms, max "
                    f"{max(lat):.1f} ms" if lat else "none answered")
            print(f"  {label}: {len(lat)}/{a.scrapes} answered within {a.timeout:g} s: {text}"
                  f"{f'; {missed} without an answer' if missed else ''}", flush=True)

        print(f"{os.path.basename(os.path.dirname(binary)) or binary}/{os.path.basename(binary)}"
              f" ({binary}): {series} series, {len(body)} bytes", flush=True)
        measure("quiet")
        held = []
        stop = threading.Event()
        try:
            for _ in range(a.idle):
                held.append(socket.create_connection(("127.0.0.1", port), timeout=10))
            slow = []
            for _ in range(a.slow):
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                slow.append(s)
            held += slow
            for _ in range(a.kept):
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=a.timeout)
                try:
                    c.request("GET", "/-/healthy")
                    c.getresponse().read()
                except OSError:
                    pass
                held.append(c)

            def trickle():
                for _ in range(600):
                    if stop.wait(1):
                        return
                    for s in slow:
                        try:
                            s.send(b"a")
                        except OSError:
                            pass

            t = threading.Thread(target=trickle)
            t.start()
            measure(f"{a.idle} idle + {a.slow} slow-header + {a.kept} kept-alive held")
        finally:
            stop.set()
            for h in held:
                h.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("--baseline")
    p.add_argument("--scrapes", type=int, default=50)
    p.add_argument("--idle", type=int, default=1000)
    p.add_argument("--slow", type=int, default=200)
    p.add_argument("--kept", type=int, default=50)
    p.add_argument("--timeout", type=float, default=2)
    a = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    cache = os.path.join(os.environ.get("TMPDIR", "/tmp"), "accesslog-bench")
    os.makedirs(cache, exist_ok=True)
    log = os.path.join(cache, "timed-200000-s7.log")
    if not os.path.exists(log) or os.path.getsize(log) == 0:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_logs.py"), "--shape", "timed",
                        "--lines", "200000", "--out", log, "--totals",
                        os.path.join(cache, "timed-200000-s7.totals.json")], check=True)
    lines = sum(1 for _ in open(log, "rb"))
    print(f"connections_bench: load average {open('/proc/loadavg').read().split()[:3]}")
    for binary in [b for b in (a.baseline, a.binary) if b]:
        with tempfile.TemporaryDirectory() as work:
            run(os.path.abspath(binary), log, lines, work, a)


if __name__ == "__main__":
    main()
