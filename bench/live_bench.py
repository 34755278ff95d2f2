#!/usr/bin/env python3
"""Following a live file: latency, idle cost and keep-up rate of a running exporter.

    live_bench.py EXPORTER [--workdir DIR] [--latency-seconds 30] [--keepup-seconds 5]
                  [--keepup-rate 1000000] [--idle-seconds 10] [--smoke] [--json-out FILE]

Three phases against one exporter process following one file (the `timed` nginx format with
request-duration, upstream-duration and size histograms and the `method` label, as in
run_bench.py), started with --tail.from=start on an empty file and served on a loopback port:

1. latency: a writer appends 10,000 lines/s (100 lines per write(), every 10 ms); every 10th
   write carries one marker line with status 418. A scraper asks /metrics in a loop over one
   keep-alive connection; a marker's latency is from just before its write() to the first
   scrape whose 418 counter includes it (the scrape loop's period, about a millisecond, is the
   resolution). Prints p50, p99 and max over all markers.
2. idle: no writes, no scrapes; the exporter's CPU time (utime + stime of every thread, from
   /proc) and its threads' context switches over the interval.
3. keep-up: a writer appends at --keepup-rate lines/s (1 MiB writes of real lines) for
   --keepup-seconds; the exporter's read lag (accesslog_read_lag_bytes) is sampled twice a
   second; then the time until every line is counted. Prints the writer's achieved rate, the
   exporter's (lines / time from the first write to the last line counted) and the largest lag.

Every count is checked (all lines written are counted, none twice); exit 1 only when something
is broken (the exporter dies, a count is wrong, a phase does not finish in its bound), never on
a timing. --smoke: a few seconds in all (the CTest test bench_live_smoke).
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run_bench import TIMED_FORMAT  # noqa: E402  (the same format as the main table)

MARKER = (b'127.0.0.1 - - [25/Nov/2026:04:00:00 +0000] "GET /live-bench-marker HTTP/1.1" 418 0 '
          b'"-" "live-bench" rt=0.001 urt="0.001"\n')
SERIES_418 = re.compile(rb'^accesslog_http_responses_total\{[^}]*code="418"[^}]*\} (\S+)$', re.M)
LINES = re.compile(rb'^accesslog_lines_total\{[^}]*\} (\S+)$', re.M)
LAG = re.compile(rb'^accesslog_read_lag_bytes\{[^}]*\} (\S+)$', re.M)
TICKS = os.sysconf("SC_CLK_TCK")


def fail(message):
    print(f"live_bench: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


class Scraper:
    """GET /metrics over one keep-alive connection."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def scrape(self):
        self.conn.request("GET", "/metrics")
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            fail(f"/metrics answered {resp.status}")
        return body

    def close(self):
        self.conn.close()


class Exporter:
    """The exporter process and its port (from its 'listening' log line)."""

    def __init__(self, binary, log, workdir):
        self.err_path = os.path.join(workdir, "exporter.err")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(
            [binary, "--log.file=" + log, "--log.format=" + TIMED_FORMAT, "--labels=method",
             "--tail.from=start", "--web.listen-address=127.0.0.1:0"],
            stdout=subprocess.DEVNULL, stderr=self.err)
        self.port = 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.port == 0:
            if self.proc.poll() is not None:
                fail(f"the exporter exited with {self.proc.returncode}:\n{self.stderr()}")
            m = re.search(r"msg=listening .*port=(\d+)", self.stderr())
            self.port = int(m.group(1)) if m else 0
            time.sleep(0.02)
        if self.port == 0:
            fail(f"the exporter did not say where it listens:\n{self.stderr()}")

    def stderr(self):
        with open(self.err_path, "r", errors="replace") as f:
            return f.read()

    def cpu_seconds(self):
        # utime and stime (fields 14 and 15) of the whole process, threads included.
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def context_switches(self):
        total = 0
        for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
            try:
                with open(f"/proc/{self.proc.pid}/task/{tid}/status") as f:
                    for line in f:
                        if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                            total += int(line.split()[1])
            except FileNotFoundError:
                pass
        return total

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()
        return self.proc.returncode


def value(pattern, body):
    return sum(float(m) for m in pattern.findall(body))


def wait_for_lines(scraper, want, bound_seconds):
    """Scrapes until accesslog_lines_total reaches `want`; returns when, or fails at the bound."""
    deadline = time.monotonic() + bound_seconds
    seen = -1.0
    while time.monotonic() < deadline:
        seen = value(LINES, scraper.scrape())
        if seen >= want:
            if seen > want:
                fail(f"counted {seen:.0f} lines of {want} written: some twice")
            return time.monotonic()
        time.sleep(0.005)
    fail(f"counted {seen:.0f} lines of {want} after {bound_seconds} s")


def pool_lines(workdir):
    path = os.path.join(workdir, "pool.log")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_logs.py"), "--shape", "timed",
                    "--lines", "20000", "--truncated-per-million", "0", "--out", path],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(path, "rb") as f:
        lines = [l for l in f.read().splitlines(keepends=True) if b'" 418 ' not in l]
    return lines


def latency_phase(scraper, log_fd, pool, seconds, written):
    """Returns (latencies in ms, lines written)."""
    markers = []  # write time of marker k (1-based count)
    latencies = []
    stop = threading.Event()
    lock = threading.Lock()

    def poll_markers():
        last = 0
        while not stop.is_set() or last < len(markers):
            count = int(value(SERIES_418, scraper.scrape()))
            now = time.monotonic()
            with lock:
                while last < count and last < len(markers):
                    latencies.append((now - markers[last]) * 1000)
                    last += 1
            if stop.is_set() and now > stop_time[0] + 5:
                break

    stop_time = [0.0]
    t = threading.Thread(target=poll_markers, daemon=True)
    t.start()
    at = 0
    lines = 0
    start = time.monotonic()
    next_write = start
    k = 0
    while time.monotonic() - start < seconds:
        batch = pool[at:at + 100]
        if len(batch) < 100:
            at = 0
            batch = pool[:100]
        at += 100
        k += 1
        if k % 10 == 0:
            batch = batch[:-1] + [MARKER]
            with lock:
                markers.append(time.monotonic())
        os.write(log_fd, b"".join(batch))
        lines += len(batch)
        next_write += 0.010
        pause = next_write - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    stop_time[0] = time.monotonic()
    stop.set()
    t.join(timeout=15)
    if len(latencies) != len(markers):
        fail(f"{len(markers)} markers written, {len(latencies)} seen on /metrics")
    rate = lines / (stop_time[0] - start)
    wait_for_lines(scraper, written + lines, 30)
    return latencies, written + lines, rate


def keepup_phase(port, log_fd, pool, seconds, rate, written):
    chunk = bytearray()
    chunk_lines = 0
    i = 0
    while len(chunk) < (1 << 20):
        chunk += pool[i % len(pool)]
        chunk_lines += 1
        i += 1
    chunk = bytes(chunk)
    lags = []
    stop = threading.Event()

    def sampler():
        lag_scraper = Scraper(port)
        while not stop.wait(0.5):
            lags.append(value(LAG, lag_scraper.scrape()))
        lag_scraper.close()

    t = threading.Thread(target=sampler, daemon=True)
    t.start()
    lines = 0
    start = time.monotonic()
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
        if lines > rate * elapsed:
            time.sleep(0.001)
            continue
        os.write(log_fd, chunk)
        lines += chunk_lines
    wrote_until = time.monotonic()
    done = wait_for_lines(Scraper(port), written + lines, 120)
    stop.set()
    t.join(timeout=5)
    return {
        "lines": lines,
        "writer_lines_per_s": lines / (wrote_until - start),
        "exporter_lines_per_s": lines / (done - start),
        "catch_up_s": done - wrote_until,
        "max_lag_mib": max(lags, default=0) / (1 << 20),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("exporter")
    ap.add_argument("--workdir")
    ap.add_argument("--latency-seconds", type=float, default=30)
    ap.add_argument("--idle-seconds", type=float, default=10)
    ap.add_argument("--keepup-seconds", type=float, default=5)
    ap.add_argument("--keepup-rate", type=float, default=1_000_000)
    ap.add_argument("--smoke", action="store_true", help="a few seconds in all")
    ap.add_argument("--json-out")
    a = ap.parse_args()
    if a.smoke:
        a.latency_seconds, a.idle_seconds, a.keepup_seconds, a.keepup_rate = 2, 2, 1, 200_000
    workdir = a.workdir or tempfile.mkdtemp(prefix="accesslog-live-")
    os.makedirs(workdir, exist_ok=True)
    log = os.path.join(workdir, "live.log")
    try:
        pool = pool_lines(workdir)
        open(log, "wb").close()
        exporter = Exporter(os.path.abspath(a.exporter), log, workdir)
        log_fd = os.open(log, os.O_WRONLY | os.O_APPEND)
        result = {"load_average_start": os.getloadavg()[0]}

        scraper = Scraper(exporter.port)
        lat, written, rate = latency_phase(scraper, log_fd, pool, a.latency_seconds, 0)
        lat.sort()
        result["latency"] = {
            "writer_lines_per_s": rate, "markers": len(lat),
            "p50_ms": statistics.median(lat), "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
            "max_ms": lat[-1],
        }
        print(f"latency: {len(lat)} markers at {rate:,.0f} lines/s: write() to /metrics "
              f"p50 {result['latency']['p50_ms']:.1f} ms, p99 {result['latency']['p99_ms']:.1f} ms, "
              f"max {lat[-1]:.1f} ms")

        scraper.close()
        time.sleep(1)
        cpu0, cs0, t0 = exporter.cpu_seconds(), exporter.context_switches(), time.monotonic()
        time.sleep(a.idle_seconds)
        cpu1, cs1, t1 = exporter.cpu_seconds(), exporter.context_switches(), time.monotonic()
        result["idle"] = {"seconds": t1 - t0, "cpu_ms": (cpu1 - cpu0) * 1000,
                          "wakeups_per_s": (cs1 - cs0) / (t1 - t0)}
        print(f"idle: {(cpu1 - cpu0) * 1000:.0f} ms CPU in {t1 - t0:.1f} s "
              f"(clock tick {1000 / TICKS:.0f} ms), {(cs1 - cs0) / (t1 - t0):.1f} context switches/s")

        k = keepup_phase(exporter.port, log_fd, pool, a.keepup_seconds, a.keepup_rate, written)
        result["keepup"] = k
        print(f"keep-up: {k['lines']:,} lines; writer {k['writer_lines_per_s']:,.0f} lines/s, "
              f"exporter {k['exporter_lines_per_s']:,.0f} lines/s (first write to last line "
              f"counted), caught up {k['catch_up_s'] * 1000:.0f} ms after the writer stopped, "
              f"largest read lag sampled {k['max_lag_mib']:.1f} MiB")
        os.close(log_fd)
        result["load_average_end"] = os.getloadavg()[0]
        status = exporter.stop()
        if status != 0:
            fail(f"the exporter exited {status} after SIGTERM:\n{exporter.stderr()}")
        print(f"load average {result['load_average_start']:.2f} at start, "
              f"{result['load_average_end']:.2f} at end")
        if a.json_out:
            with open(a.json_out, "w") as f:
                json.dump(result, f, indent=2)
    finally:
        if not a.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
