#!/usr/bin/env python3
"""Measures what accesslog_exporter costs per 1,000 requests/s, beside mtail, in one run.

    measure_cost.py --exporter build/accesslog_exporter [--lines 1000000] [--live-seconds 60]
                    [--live-rate 1000] [--mtail /usr/bin/mtail] [--markdown]

1. Bulk: generates LINES nginx `combined` lines (deterministic, a fake kittens API: ids in paths,
   a mix of codes including 429 and 5xx), then reads them with
     - `wc -l` (the floor),
     - `accesslog_exporter --oneshot --log.format=combined` (default labels),
     - the same with `--labels=method,route`,
     - `mtail --one_shot` with an equivalent program (count by code; then by code and method:
       mtail has no route normalisation),
   and reports CPU seconds (user + sys), wall time and peak RSS, from GNU time (`/usr/bin/time`)
   when it is installed (else CPU from wait4, no RSS). Every tool's total count is checked against LINES, so they did the
   same work.
2. Live (--live-seconds > 0): a writer appends LIVE_RATE lines/s for LIVE_SECONDS, one write(2)
   per line as nginx does without a log buffer (and then 100 lines per write, as with
   `access_log ... buffer=`; --live-batches), to a file that the exporter (serving, with --labels=method,route) and
   mtail (serving) follow; each is scraped every 15 s. CPU seconds are read from
   /proc/PID/stat. This is the sizing figure: it includes a wake-up per write and the scrapes.
   Then, per follower: the series it exports, the CPU of one scrape (mean of 5) and its CPU
   while nothing happens (IDLE_SECONDS without writes or scrapes).

Cost per 1,000 requests/s in CPU cores = CPU seconds per 1,000 lines (1,000 lines arrive per
second at that rate). Ports are chosen at run time on 127.0.0.1; every process started here is
stopped by PID. One run: figures vary by a few percent between runs.
"""

import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

MTAIL_BY_CODE = r'''
counter accesslog_http_responses_total by code
/^\S+ \S+ \S+ \[[^\]]+\] "(?P<method>[A-Z]+) (?P<path>\S+) [^"]*" (?P<code>\d{3}) (?P<bytes>\d+|-) "[^"]*" "[^"]*"/ {
  accesslog_http_responses_total[$code]++
}
'''

MTAIL_BY_CODE_METHOD = r'''
counter accesslog_http_responses_total by code, method
/^\S+ \S+ \S+ \[[^\]]+\] "(?P<method>[A-Z]+) (?P<path>\S+) [^"]*" (?P<code>\d{3}) (?P<bytes>\d+|-) "[^"]*" "[^"]*"/ {
  accesslog_http_responses_total[$code][$method]++
}
'''

CODES = [(200, 70), (201, 5), (204, 3), (304, 2), (400, 2), (401, 1), (403, 1), (404, 5),
         (429, 6), (500, 2), (502, 1), (503, 1), (504, 1)]
METHODS = [("GET", 80), ("POST", 10), ("PUT", 4), ("DELETE", 4), ("HEAD", 2)]
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
          "curl/7.88.1", "kittens-ios/4.2 (iPhone; iOS 17.5)", "Go-http-client/1.1",
          "Prometheus/2.42.0"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def weighted(rng, table):
    total = sum(w for _, w in table)
    x = rng.uniform(0, total)
    for value, w in table:
        x -= w
        if x <= 0:
            return value
    return table[-1][0]


def line(rng, t):
    ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    r = rng.random()
    if r < 0.35:
        path = "/api/kittens"
    elif r < 0.65:
        path = f"/api/kittens/{rng.randrange(1, 100000)}"
    elif r < 0.80:
        path = f"/api/owners/{rng.choice(['alice', 'bob', 'carol', 'dave', 'erin'])}/kittens?page={rng.randrange(1, 20)}"
    elif r < 0.90:
        path = f"/static/img/{rng.randrange(1000):04d}.jpg"
    else:
        path = "/api/kittens/search?q=" + rng.choice(["tabby", "black", "calico", "siamese"])
    gm = time.gmtime(t)
    stamp = f"{gm.tm_mday:02d}/{MONTHS[gm.tm_mon - 1]}/{gm.tm_year}:{gm.tm_hour:02d}:{gm.tm_min:02d}:{gm.tm_sec:02d} +0000"
    code = weighted(rng, CODES)
    size = 0 if code in (204, 304) else rng.randrange(20, 20000)
    return (f'{ip} - - [{stamp}] "{weighted(rng, METHODS)} {path} HTTP/1.1" {code} {size} '
            f'"-" "{rng.choice(AGENTS)}"\n')


def generate(path, n, seed=10):
    rng = random.Random(seed)
    t0 = 1764000000
    with open(path, "w", encoding="ascii", buffering=1 << 20) as f:
        for i in range(n):
            f.write(line(rng, t0 + i // 1000))


def timed(argv, stdout_path):
    """Runs argv, stdout to a file; returns (wall s, cpu s, peak RSS MiB or None).

    With GNU time (/usr/bin/time, Debian package `time`), its figures: user + sys, elapsed and
    maximum resident set size. Without it, wait4's rusage for CPU; no RSS (a child's ru_maxrss
    can include the forking Python's own pages)."""
    gnu_time = shutil.which("time", path="/usr/bin")
    report = stdout_path + ".time"
    cmd = ([gnu_time, "-f", "%e %U %S %M", "-o", report] + argv) if gnu_time else argv
    with open(stdout_path, "wb") as out:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}\n{err[-2000:]}")
    if gnu_time:
        e, u, s_, m = open(report).read().split()[-4:]
        return float(e), float(u) + float(s_), int(m) / 1024
    return wall, usage.ru_utime + usage.ru_stime, None


def total(exposition, metric):
    s = 0.0
    for l in exposition.splitlines():
        if l.startswith(metric + "{") or l.startswith(metric + " "):
            s += float(l.rsplit(" ", 1)[1])
    return s


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1]) / 1024
    return 0.0


def scrape(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode()
    except OSError:
        return ""


def wait_http(url, proc, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{url}: the server exited ({proc.returncode})")
        if scrape(url):
            return
        time.sleep(0.2)
    raise SystemExit(f"{url}: no answer in {seconds} s")


def live(args, work, prog_dir, batch):
    log = os.path.join(work, f"live-{batch}.log")
    open(log, "w").close()
    eport, mport = free_port(), free_port()
    procs = []
    try:
        exp = subprocess.Popen([args.exporter, f"--log.file={log}", "--log.format=combined",
                                "--labels=method,route", "--tail.from=start",
                                f"--web.listen-address=127.0.0.1:{eport}", "--log.level=warn"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(exp)
        mt = None
        if args.mtail:
            mt = subprocess.Popen([args.mtail, "--progs", prog_dir, "--logs", log,
                                   "--address", "127.0.0.1", "--port", str(mport),
                                   "--logtostderr", "--stderrthreshold=ERROR"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(mt)
        wait_http(f"http://127.0.0.1:{eport}/-/ready", exp)
        if mt:
            wait_http(f"http://127.0.0.1:{mport}/metrics", mt)
        time.sleep(1)
        c0 = {p.pid: cpu_seconds(p.pid) for p in procs}
        rng = random.Random(11)
        fd = os.open(log, os.O_WRONLY | os.O_APPEND)
        stop = threading.Event()

        def scraper():
            while not stop.wait(15):
                scrape(f"http://127.0.0.1:{eport}/metrics")
                if mt:
                    scrape(f"http://127.0.0.1:{mport}/metrics")

        th = threading.Thread(target=scraper, daemon=True)
        th.start()
        n = args.live_seconds * args.live_rate
        start = time.monotonic()
        for i in range(0, n, batch):
            chunk = "".join(line(rng, 1764000000 + j // args.live_rate) for j in range(i, min(n, i + batch)))
            os.write(fd, chunk.encode())
            due = start + (i + batch) / args.live_rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        os.close(fd)
        elapsed = time.monotonic() - start
        # Let both catch up (a loaded machine may delay them) before reading CPU and counts.
        deadline = time.monotonic() + 15
        urls = [f"http://127.0.0.1:{eport}/metrics"] + ([f"http://127.0.0.1:{mport}/metrics"] if mt else [])
        while time.monotonic() < deadline:
            if all(int(total(scrape(u), "accesslog_http_responses_total")) >= n for u in urls):
                break
            time.sleep(0.5)
        stop.set()
        c1 = {p.pid: cpu_seconds(p.pid) for p in procs}
        results = []
        for name, proc, port in (("accesslog_exporter, --labels=method,route, following", exp, eport),
                                 ("mtail, by code and method, following", mt, mport)):
            if proc is None:
                continue
            url = f"http://127.0.0.1:{port}/metrics"
            text = scrape(url)
            got = total(text, "accesslog_http_responses_total")
            series = sum(1 for l in text.splitlines() if l and not l.startswith("#"))
            # What one scrape costs, and what doing nothing costs (no writes, no scrapes).
            s0 = cpu_seconds(proc.pid)
            for _ in range(5):
                scrape(url)
            per_scrape = (cpu_seconds(proc.pid) - s0) / 5
            i0 = cpu_seconds(proc.pid)
            time.sleep(args.idle_seconds)
            idle = (cpu_seconds(proc.pid) - i0) / args.idle_seconds if args.idle_seconds else 0.0
            results.append((name, c1[proc.pid] - c0[proc.pid], rss_mib(proc.pid), got, series,
                            per_scrape, idle))
        return n, elapsed, results
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exporter", required=True)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--mtail", default=shutil.which("mtail"))
    ap.add_argument("--live-seconds", type=int, default=60)
    ap.add_argument("--live-rate", type=int, default=1000)
    ap.add_argument("--idle-seconds", type=int, default=10,
                    help="after each live run, seconds without writes or scrapes to measure idle CPU")
    ap.add_argument("--live-batches", type=lambda v: [int(x) for x in v.split(",")], default=[1, 100],
                    help="lines per write in the live runs, comma-separated (1: nginx without a "
                         "log buffer; 100: about nginx's access_log buffer= with flush=)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    if args.mtail in ("", "none"):
        args.mtail = None

    work = tempfile.mkdtemp(prefix="accesslog-cost.")
    try:
        log = os.path.join(work, "access.log")
        t = time.monotonic()
        generate(log, args.lines)
        size = os.path.getsize(log)
        print(f"# {args.lines:,} combined lines, {size / 1e6:.1f} MB, generated in {time.monotonic() - t:.1f} s")
        print(f"# machine: {os.cpu_count()} cores, {platform_cpu()}; one run")
        prog_dir = os.path.join(work, "progs")
        os.mkdir(prog_dir)
        runs = [("wc -l (floor)", ["wc", "-l", log], None, None)]
        runs.append(("accesslog_exporter --oneshot", [args.exporter, "--oneshot", f"--log.file={log}",
                                                       "--log.format=combined"],
                     "accesslog_http_responses_total", None))
        runs.append(("accesslog_exporter --oneshot --labels=method,route",
                     [args.exporter, "--oneshot", f"--log.file={log}", "--log.format=combined",
                      "--labels=method,route"], "accesslog_http_responses_total", None))
        if args.mtail:
            for name, prog in (("by code", MTAIL_BY_CODE), ("by code and method", MTAIL_BY_CODE_METHOD)):
                d = os.path.join(work, "progs-" + name.replace(" ", "-"))
                os.mkdir(d)
                with open(os.path.join(d, "accesslog.mtail"), "w") as f:
                    f.write(prog)
                runs.append((f"mtail --one_shot, {name}",
                             [args.mtail, "--one_shot", "--one_shot_format=prometheus", "--progs", d,
                              "--logs", log, "--logtostderr", "--stderrthreshold=ERROR"],
                             "accesslog_http_responses_total", d))
            with open(os.path.join(prog_dir, "accesslog.mtail"), "w") as f:
                f.write(MTAIL_BY_CODE_METHOD)

        print("\n| reader | wall s | CPU s (user+sys) | lines per CPU-second | CPU s per 1M lines "
              "| CPU cores per 1,000 req/s | peak RSS MiB |")
        print("|---|---|---|---|---|---|---|")
        cpu = {}
        for name, argv, metric, _ in runs:
            out = os.path.join(work, "out.txt")
            wall, c, rss = timed(argv, out)
            if metric:
                got = total(open(out, errors="replace").read(), metric)
                if int(got) != args.lines:
                    raise SystemExit(f"{name}: counted {got:.0f} responses, expected {args.lines}")
            cpu[name] = max(c, 0.01)  # GNU time's resolution is 10 ms
            per_m = cpu[name] / args.lines * 1e6
            approx = "<" if c < 0.01 else ""
            print(f"| {name} | {wall:.2f} | {approx}{cpu[name]:.2f} | {'>' if approx else ''}"
                  f"{args.lines / cpu[name] / 1e3:,.0f} k | {approx}{per_m:.2f} "
                  f"| {approx}{per_m / 1000:.5f} | {'n/a' if rss is None else f'{rss:.0f}'} |")
        ours = "accesslog_exporter --oneshot --labels=method,route"
        base = "accesslog_exporter --oneshot"
        for name in cpu:
            if name.startswith("mtail"):
                ref = ours if "method" in name else base
                print(f"\n# {name}: {cpu[name] / cpu[ref]:.1f}x the CPU of {ref}")

        for batch in (args.live_batches if args.live_seconds > 0 else []):
            n, elapsed, results = live(args, work, prog_dir, batch)
            how = "one write(2) per line" if batch == 1 else f"{batch} lines per write(2)"
            print(f"\n# live: {n:,} lines at {args.live_rate}/s, {how}, for {elapsed:.1f} s; "
                  "scraped every 15 s\n")
            print("| follower | CPU s | CPU cores per 1,000 req/s | RSS MiB at the end | responses counted "
                  "| series | CPU ms per scrape | idle CPU cores |")
            print("|---|---|---|---|---|---|---|---|")
            for name, c, rss, got, series, per_scrape, idle in results:
                print(f"| {name} | {c:.2f} | {c / elapsed * 1000 / args.live_rate:.4f} | {rss:.0f} "
                      f"| {got:.0f} of {n} | {series} | {per_scrape * 1000:.0f} | {idle:.4f} |")
                if int(got) != n:
                    raise SystemExit(f"{name}: counted {got:.0f} of {n} lines")
    finally:
        if args.keep:
            print(f"# kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def platform_cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for l in f:
                if l.startswith("model name"):
                    return l.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
