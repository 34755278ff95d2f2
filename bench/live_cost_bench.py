#!/usr/bin/env python3
"""What following a live log costs: exact CPU per 1,000 lines/s, beside mtail, in one run.

    live_cost_bench.py EXPORTER [--seconds 30] [--latency-seconds 10] [--strace-seconds 5]
                       [--cases NAME,...] [--mtail PATH|none] [--smoke] [--json-out FILE]
                       [--exporter-arg FLAG ...]

For each case, the exporter (serving on a loopback port, --tail.from=start, nginx `combined`)
and mtail (serving, a program counting by code, or by code and method for the route case)
follow the same file(s) while a writer appends generated lines (tests/deploy/measure_cost.py's
fake kittens API: ids in paths, 13 status codes) at a fixed rate, either one write(2) per line
(nginx without `buffer=`, its default) or 100 lines per write(2) (`access_log ... buffer=`):

  1file-1k-unbuffered    one file, 1,000 lines/s, one write per line
  1file-1k-buffered      one file, 1,000 lines/s, 100 lines per write
  1file-10k-unbuffered   one file, 10,000 lines/s, one write per line
  1file-10k-buffered     one file, 10,000 lines/s, 100 lines per write
  routes-1k-unbuffered   as 1file-1k-unbuffered with --labels=method,route and a scrape of both
                         every 15 s (the setup of measure_cost.py); then one scrape measured alone
  200files-20            200 files, each written one line per write at 20 lines/s (4,000 lines/s
                         in all: a node with 200 quiet pods)
  200pods-20             as 200files-20 in the kubelet's layout, as the node mode reads it: one
                         directory per pod (pods/NS_POD_UID/app/0.log), each line in a CRI
                         envelope, --log.wrapper=cri --log.path-labels=kubernetes (mtail: the same
                         glob, its program skipping the envelope)

Phases of a case, one process pair throughout:
1. cost: --seconds of writing, no scrapes (except the route case's every 15 s). CPU of every
   thread of each process from /proc/PID/task/*/schedstat (nanoseconds on a CPU), from just
   before the first write to when both have counted every line (the check scrapes once at the
   end); voluntary context switches of every thread (each is a wake-up after a sleep).
   Reported as cores per 1,000 lines/s (= per 1,000 req/s) and mtail's ratio to ours.
2. latency: --latency-seconds of the same writing, every 10th write in the first file carrying a
   marker line (status 418); a scraper asks /metrics in a loop; a marker's latency runs from
   just before its write(2) to the first scrape whose 418 counter includes it. p50/p99/max.
3. syscalls: --strace-seconds of the same writing under `strace -c -f -p PID` (each process in
   turn; strace slows what it traces, so this phase is not in the CPU figures): system calls per
   second by name.

Every count is checked: each follower's accesslog_http_responses_total must equal the lines
written, at the end of each phase. Exit 1 only when something is broken (a process dies, a count
is wrong, a phase does not finish in its bound), never on a timing. --smoke: one second per
phase, the one-file cases at 1,000 lines/s, 20 files and 20 pods, no strace (the CTest test
bench_live_cost_smoke).
"""

import argparse
import http.client
import json
import os
import random
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
sys.path.insert(0, os.path.join(HERE, "..", "tests", "deploy"))
from measure_cost import MTAIL_BY_CODE, MTAIL_BY_CODE_METHOD, free_port, line  # noqa: E402
sys.path.insert(0, HERE)
from proc_stats import schedstat_ns, status_kib, voluntary_switches  # noqa: E402

RESPONSES = re.compile(rb"^accesslog_http_responses_total\{[^}]*\} (\S+)$", re.M)
SERIES_418 = re.compile(rb'^accesslog_http_responses_total\{[^}]*code="418"[^}]*\} (\S+)$', re.M)
MARKER = (b'127.0.0.1 - - [25/Nov/2026:04:00:00 +0000] "GET /live-cost-marker HTTP/1.1" 418 0 '
          b'"-" "live-cost-bench"\n')
# The envelope containerd and CRI-O write around each line of a container's stdout.
CRI_PREFIX = b"2026-11-25T04:00:00.000000000Z stdout F "
# mtail's by-code program for the same lines in their envelope.
MTAIL_CRI_BY_CODE = MTAIL_BY_CODE.replace("/^", r"/^\S+ (?:stdout|stderr) F ", 1)

# name: (files, lines per second per file, lines per write, labels, scrape every 15 s,
#        the kubelet's layout with CRI envelopes)
CASES = {
    "1file-1k-unbuffered": (1, 1000, 1, None, False, False),
    "1file-1k-buffered": (1, 1000, 100, None, False, False),
    "1file-10k-unbuffered": (1, 10000, 1, None, False, False),
    "1file-10k-buffered": (1, 10000, 100, None, False, False),
    "routes-1k-unbuffered": (1, 1000, 1, "method,route", True, False),
    "200files-20": (200, 20, 1, None, False, False),
    "200pods-20": (200, 20, 1, None, False, True),
}
SMOKE_CASES = {
    "1file-1k-unbuffered": CASES["1file-1k-unbuffered"],
    "1file-1k-buffered": CASES["1file-1k-buffered"],
    "20files-20": (20, 20, 1, None, False, False),
    "20pods-20": (20, 20, 1, None, False, True),
}


def fail(message):
    print(f"live_cost_bench: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


class Follower:
    """A serving process (the exporter or mtail) and a keep-alive connection to its /metrics."""

    def __init__(self, name, argv, port, workdir):
        self.name = name
        self.err_path = os.path.join(workdir, name + ".err")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=self.err)
        self.port = port
        self.scraper = None  # the main thread's connection

    def stderr(self):
        with open(self.err_path, "r", errors="replace") as f:
            return f.read()

    def wait_ready(self, path, bound=20):
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                fail(f"{self.name} exited with {self.proc.returncode}:\n{self.stderr()[-3000:]}")
            if self.port == 0:
                m = re.search(r"msg=listening .*port=(\d+)", self.stderr())
                self.port = int(m.group(1)) if m else 0
            if self.port:
                try:
                    c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                    c.request("GET", path)
                    ok = c.getresponse().status == 200
                    c.close()
                    if ok:
                        return
                except OSError:
                    pass
            time.sleep(0.05)
        fail(f"{self.name} not ready in {bound} s:\n{self.stderr()[-3000:]}")

    def scrape(self):
        if self.scraper is None:
            self.scraper = Scraper(self)
        return self.scraper.scrape()

    def responses(self):
        return sum(float(v) for v in RESPONSES.findall(self.scrape()))

    def cpu_ns(self):
        return schedstat_ns(self.proc.pid)

    def stop(self):
        if self.scraper:
            self.scraper.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


class Scraper:
    """GET /metrics over one keep-alive connection (one per thread), reconnecting once."""

    def __init__(self, follower):
        self.f = follower
        self.conn = None

    def scrape(self):
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.f.port, timeout=20)
                self.conn.request("GET", "/metrics")
                resp = self.conn.getresponse()
                body = resp.read()
                if resp.status != 200:
                    fail(f"{self.f.name}: /metrics answered {resp.status}")
                return body
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 1 or self.f.proc.poll() is not None:
                    fail(f"{self.f.name}: /metrics failed:\n{self.f.stderr()[-3000:]}")
        return b""

    def close(self):
        if self.conn:
            self.conn.close()
        self.conn = None


class Writer:
    """Appends lines to `paths` at `rate` lines/s per file, `per_write` lines per write(2), from
    a pool of generated lines, on its own thread. Pacing: each round writes what is due by the
    clock, then sleeps a millisecond, so lines written one per write(2) come in small bursts as
    a busy server's do."""

    def __init__(self, paths, rate, per_write, pool, marker=MARKER):
        self.fds = [os.open(p, os.O_WRONLY | os.O_APPEND) for p in paths]
        self.rate = rate
        self.per_write = per_write
        self.pool = pool
        self.marker = marker
        self.at = 0
        self.written = 0  # lines, all files
        self.marker_times = []  # write time of each marker, in order

    def run(self, seconds, markers=False):
        """Writes for `seconds` (on the caller's thread). With markers, every 10th write to the
        first file carries the marker line instead of its last line."""
        writes_per_s = self.rate * len(self.fds) / self.per_write
        start = time.monotonic()
        done = 0  # writes, all files
        k = 0
        while True:
            now = time.monotonic()
            if now - start >= seconds:
                break
            due = int((now - start) * writes_per_s) + 1
            while done < due:
                fd = self.fds[done % len(self.fds)]
                if self.at + self.per_write > len(self.pool):
                    self.at = 0
                batch = self.pool[self.at:self.at + self.per_write]
                self.at += self.per_write
                if markers and fd == self.fds[0]:
                    k += 1
                    if k % 10 == 0:
                        batch = batch[:-1] + [self.marker]
                        self.marker_times.append(time.monotonic())
                os.write(fd, b"".join(batch))
                self.written += self.per_write
                done += 1
            time.sleep(0.001)
        return time.monotonic() - start

    def close(self):
        for fd in self.fds:
            os.close(fd)


def wait_counted(followers, want, bound):
    """Scrapes until every follower has counted `want` responses. Returns the CPU (ns) of each
    sampled just before the scrape that found it complete, so the check's own scrapes are not
    counted (except for a follower that needed more than one look)."""
    deadline = time.monotonic() + bound
    cpu = {}
    pending = list(followers)
    while pending:
        for f in list(pending):
            c = f.cpu_ns()
            got = f.responses()
            if got > want:
                fail(f"{f.name} counted {got:.0f} of {want} lines written: some twice")
            if got == want:
                cpu[f.name] = c
                pending.remove(f)
        if pending:
            if time.monotonic() > deadline:
                fail(", ".join(f"{f.name} counted {f.responses():.0f}" for f in pending) +
                     f" of {want} lines after {bound} s")
            time.sleep(0.1)
    return cpu


def strace_counts(pid, seconds):
    """System calls of `pid` (all threads) during `seconds`, by name, from `strace -c -f`."""
    out = tempfile.NamedTemporaryFile(prefix="strace-", suffix=".txt", delete=False)
    out.close()
    p = subprocess.Popen(["strace", "-c", "-f", "-q", "-o", out.name, "-p", str(pid)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    counts = {}
    with open(out.name) as f:
        for l in f:
            parts = l.split()
            # % time, seconds, usecs/call, calls, [errors], syscall
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
                try:
                    counts[parts[-1]] = int(parts[3])
                except ValueError:
                    pass
    os.unlink(out.name)
    return counts


def latency_phase(exporter, writer, seconds):
    """Returns the latencies of the markers written during `seconds` of writing."""
    latencies = []
    stop = threading.Event()
    give_up = [0.0]

    def poll_markers():
        scraper = Scraper(exporter)
        last = 0
        while True:
            body = scraper.scrape()
            now = time.monotonic()  # the scrape's answer is in; finding the marker is ours
            count = int(sum(float(v) for v in SERIES_418.findall(body)))
            while last < count and last < len(writer.marker_times):
                latencies.append((now - writer.marker_times[last]) * 1000)
                last += 1
            if stop.is_set() and (last >= len(writer.marker_times) or now > give_up[0]):
                break
        scraper.close()

    if writer.marker_times:
        fail("markers written before the latency phase")
    t = threading.Thread(target=poll_markers, daemon=True)
    t.start()
    writer.run(seconds, markers=True)
    give_up[0] = time.monotonic() + 10
    stop.set()
    t.join(timeout=30)
    if len(latencies) != len(writer.marker_times):
        fail(f"{len(writer.marker_times)} markers written, {len(latencies)} seen on /metrics")
    latencies.sort()
    n = len(latencies)
    if n == 0:
        fail("no marker written in the latency phase")
    return {"markers": n, "p50_ms": statistics.median(latencies),
            "p99_ms": latencies[min(n - 1, int(n * 0.99))], "max_ms": latencies[-1]}


def run_case(a, name, spec, pool, workdir):
    files, rate, per_write, labels, scrapes, pods = spec
    d = os.path.join(workdir, name)
    os.makedirs(d)
    marker = MARKER
    if pods:
        # /var/log/pods/NAMESPACE_POD_UID/CONTAINER/0.log, as the kubelet lays it out.
        paths = [os.path.join(d, "pods", f"shop_api-{i:04d}_{i:08x}-0000-4000-8000-000000000000",
                              "app", "0.log") for i in range(files)]
        for p in paths:
            os.makedirs(os.path.dirname(p))
        pattern = os.path.join(d, "pods", "*", "*", "*.log")
        pool = [CRI_PREFIX + l for l in pool]
        marker = CRI_PREFIX + MARKER
    else:
        paths = [os.path.join(d, f"access-{i:04d}.log") for i in range(files)]
        pattern = paths[0] if files == 1 else os.path.join(d, "access-*.log")
    for p in paths:
        open(p, "wb").close()
    argv = [a.exporter, "--log.file=" + pattern, "--log.format=combined", "--tail.from=start",
            "--web.listen-address=127.0.0.1:0"]
    if pods:
        argv += ["--log.wrapper=cri", "--log.path-labels=kubernetes"]
    if labels:
        argv.append("--labels=" + labels)
    argv += a.exporter_arg
    followers = [Follower("accesslog_exporter", argv, 0, d)]
    if a.mtail:
        progs = os.path.join(d, "progs")
        os.mkdir(progs)
        with open(os.path.join(progs, "accesslog.mtail"), "w") as f:
            f.write(MTAIL_BY_CODE_METHOD if labels else
                    MTAIL_CRI_BY_CODE if pods else MTAIL_BY_CODE)
        port = free_port()
        followers.append(Follower("mtail", [a.mtail, "--progs", progs, "--logs", pattern,
                                            "--address", "127.0.0.1", "--port", str(port),
                                            "--logtostderr", "--stderrthreshold=ERROR"], port, d))
    writer = None
    try:
        followers[0].wait_ready("/-/ready")
        for f in followers[1:]:
            f.wait_ready("/metrics")
        time.sleep(1)  # start-up done (mtail finds its files on its own schedule)
        writer = Writer(paths, rate, per_write, pool, marker)
        result = {"files": files, "lines_per_s_per_file": rate, "lines_per_write": per_write,
                  "labels": labels or "default", "scrape_every_15s": scrapes,
                  "kubelet_layout": pods}

        # 1. cost
        cpu0 = {f.name: f.cpu_ns() for f in followers}
        wake0 = {f.name: voluntary_switches(f.proc.pid) for f in followers}
        stop_scrapes = threading.Event()
        scrape_count = [0]

        def scraper():
            scrapers = [Scraper(f) for f in followers]
            while not stop_scrapes.wait(15):
                for s in scrapers:
                    s.scrape()
                scrape_count[0] += 1
            for s in scrapers:
                s.close()

        th = threading.Thread(target=scraper, daemon=True) if scrapes else None
        if th:
            th.start()
        elapsed = writer.run(a.seconds)
        stop_scrapes.set()
        if th:
            th.join(timeout=30)
        time.sleep(0.3)
        wake1 = {f.name: voluntary_switches(f.proc.pid) for f in followers}
        cpu1 = wait_counted(followers, writer.written, 60)
        lines_per_s = writer.written / elapsed
        result["cost"] = {"seconds": elapsed, "lines": writer.written, "lines_per_s": lines_per_s,
                          "scrapes": scrape_count[0]}
        for f in followers:
            cpu_s = (cpu1[f.name] - cpu0[f.name]) / 1e9
            result["cost"][f.name] = {
                "cpu_s": cpu_s, "cores": cpu_s / elapsed,
                "cores_per_1k_lines_per_s": cpu_s / elapsed / (lines_per_s / 1000),
                "wakeups_per_s": (wake1[f.name] - wake0[f.name]) / elapsed,
                "rss_mib": status_kib(f.proc.pid, "VmRSS:") / 1024}
        if labels:
            # One scrape of the whole exposition, alone: the mean of 5.
            for f in followers:
                body = f.scrape()
                series = sum(1 for l in body.splitlines() if l and not l.startswith(b"#"))
                c0 = f.cpu_ns()
                for _ in range(5):
                    f.scrape()
                result["cost"][f.name]["series"] = series
                result["cost"][f.name]["cpu_ms_per_scrape"] = (f.cpu_ns() - c0) / 5 / 1e6
        print_cost(name, result)

        # 2. latency (the exporter only)
        if a.latency_seconds > 0:
            lat = latency_phase(followers[0], writer, a.latency_seconds)
            wait_counted(followers, writer.written, 60)
            result["latency"] = lat
            print(f"  latency write(2) -> /metrics: {lat['markers']} markers, p50 "
                  f"{lat['p50_ms']:.1f} ms, p99 {lat['p99_ms']:.1f} ms, max {lat['max_ms']:.1f} ms")

        # 3. system calls
        if a.strace_seconds > 0 and shutil.which("strace"):
            result["syscalls_per_s"] = {}
            for f in followers:
                box = {}
                t = threading.Thread(target=lambda: box.update(
                    strace_counts(f.proc.pid, a.strace_seconds)), daemon=True)
                t.start()
                time.sleep(0.3)  # let strace attach before the writer starts
                secs = writer.run(a.strace_seconds)
                t.join(timeout=60)
                per_s = {k: v / secs for k, v in sorted(box.items(), key=lambda kv: -kv[1])}
                result["syscalls_per_s"][f.name] = per_s
                top = ", ".join(f"{k} {v:,.0f}" for k, v in list(per_s.items())[:8])
                print(f"  syscalls/s under strace, {f.name}: {sum(per_s.values()):,.0f} ({top})")
            wait_counted(followers, writer.written, 60)
        return result
    finally:
        if writer:
            writer.close()
        for f in followers:
            f.stop()


WAKE_FLOOR = r"""
import os, select, sys, threading
n, ms = int(sys.argv[1]), int(sys.argv[2])
tid = threading.get_native_id()
def ns():
    with open(f"/proc/self/task/{tid}/schedstat") as f:
        return int(f.read().split()[0])
p = select.poll()
c0 = ns()
for _ in range(n):
    p.poll(ms)
print((ns() - c0) / n)
"""


def wake_floor(wakes_per_s=50, seconds=5):
    """CPU (ns) of one wake-up that does nothing: a process that sleeps in poll(2) and wakes
    `wakes_per_s` times a second, measured now, on this machine (the reference for the wake-ups
    a follower cannot avoid)."""
    out = subprocess.run([sys.executable, "-c", WAKE_FLOOR, str(int(wakes_per_s * seconds)),
                          str(int(1000 / wakes_per_s))], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def print_cost(name, r):
    c = r["cost"]
    ours = c["accesslog_exporter"]
    print(f"{name}: {c['lines']:,} lines in {c['seconds']:.1f} s ({c['lines_per_s']:,.0f} lines/s, "
          f"{r['files']} file(s), {r['lines_per_write']} per write, labels {r['labels']}"
          f"{', %d scrapes' % c['scrapes'] if r['scrape_every_15s'] else ''}), all counted")
    for who in ("accesslog_exporter", "mtail"):
        if who not in c:
            continue
        x = c[who]
        extra = ""
        if "series" in x:
            extra = f", {x['series']:,} series, one scrape alone {x['cpu_ms_per_scrape']:.1f} ms CPU"
        ratio = f" ({x['cpu_s'] / ours['cpu_s']:.1f}x ours)" if who == "mtail" and ours["cpu_s"] > 0 else ""
        print(f"  {who}: CPU {x['cpu_s'] * 1000:.1f} ms = {x['cores']:.5f} cores = "
              f"{x['cores_per_1k_lines_per_s']:.5f} per 1,000 lines/s{ratio}; "
              f"{x['wakeups_per_s']:.0f} wake-ups/s; RSS {x['rss_mib']:.1f} MiB{extra}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("exporter")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--latency-seconds", type=float, default=10)
    ap.add_argument("--strace-seconds", type=float, default=5)
    ap.add_argument("--cases", help="comma-separated case names (default: all)")
    ap.add_argument("--mtail", default=shutil.which("mtail") or "none")
    ap.add_argument("--workdir")
    ap.add_argument("--smoke", action="store_true", help="a few seconds in all")
    ap.add_argument("--json-out")
    ap.add_argument("--exporter-arg", action="append", default=[],
                    help="one more flag for the exporter (repeatable), e.g. --tail.batch-window=20")
    a = ap.parse_args()
    a.exporter = os.path.abspath(a.exporter)
    cases = SMOKE_CASES if a.smoke else CASES
    if a.smoke:
        a.seconds, a.latency_seconds, a.strace_seconds = 1, 1, 0
    if a.cases:
        names = a.cases.split(",")
        unknown = [n for n in names if n not in CASES and n not in SMOKE_CASES]
        if unknown:
            fail(f"unknown case(s) {unknown}; known: {', '.join(CASES)}")
        cases = {n: CASES.get(n) or SMOKE_CASES[n] for n in names}
    if a.mtail == "none":
        a.mtail = None
    workdir = a.workdir or tempfile.mkdtemp(prefix="accesslog-live-cost-")
    os.makedirs(workdir, exist_ok=True)
    rng = random.Random(21)
    pool = [line(rng, 1764000000 + i // 1000).encode() for i in range(60000)]
    results = {"load_average_start": os.getloadavg()[0], "mtail": a.mtail, "cases": {}}
    print(f"# {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
          f"mtail: {a.mtail or 'not run'}")
    try:
        floor = wake_floor(seconds=1 if a.smoke else 5)
        results["wake_floor_us"] = floor / 1000
        print(f"# wake-up floor: a process that only sleeps 20 ms in poll(2) and wakes costs "
              f"{floor / 1000:.1f} us of CPU per wake-up here now ({50 * floor / 1e9:.5f} cores "
              "at 50 wake-ups/s)")
        for name, spec in cases.items():
            results["cases"][name] = run_case(a, name, spec, pool, workdir)
        floor = wake_floor(seconds=1 if a.smoke else 5)
        results["wake_floor_end_us"] = floor / 1000
        print(f"# wake-up floor at the end: {floor / 1000:.1f} us per wake-up")
    finally:
        if not a.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    results["load_average_end"] = os.getloadavg()[0]
    print(f"# load average at the end {results['load_average_end']:.2f}")
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
