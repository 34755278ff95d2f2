#!/usr/bin/env python3
"""Syslog listeners against the file path, in one run (issue #16; docs/performance.md).

    python3 bench/syslog_bench.py PATH/TO/accesslog_exporter [--lines 500000] [--rate 150000]
        [--rates 100000,200000,300000,400000,500000] [--seconds 3]

1. Messages per CPU-second: the same generated lines (bench/gen_logs.py --shape timed) read
   from a file (serving, --tail.from=start), received over UDP (paced at --rate, so that the
   kernel drops none) and over TCP (LF framing, as fast as TCP goes), each by a fresh exporter;
   CPU of the whole process from /proc/PID/stat, from its start to the last message counted.
2. The highest paced UDP rate with 0 kernel drops: for each of --rates, --seconds of messages
   paced per millisecond; accesslog_syslog_dropped_total and the counted lines tell whether
   every message arrived.
The sender (bench/syslog_sender.cc, compiled here with c++) uses sendmmsg; it runs on the same
2 cores. A benchmark, not a test: exit 0 whatever the figures (1 if a run never counts).
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        return r.read().decode()


def total(text, prefix):
    return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith(prefix))


class Exporter:
    def __init__(self, binary, args, work):
        self.err = open(os.path.join(work, "stderr"), "w+")
        self.proc = subprocess.Popen([binary, "--web.listen-address=127.0.0.1:0"] + args,
                                     stdout=subprocess.DEVNULL, stderr=self.err)
        self.port = self.syslog_port = 0
        for _ in range(200):
            text = open(self.err.name).read()
            m = re.search(r"msg=listening .*port=(\d+)", text)
            s = re.search(r'msg="listening for syslog" .*port=(\d+)', text)
            if m:
                self.port = int(m.group(1))
            if s:
                self.syslog_port = int(s.group(1))
            if self.port and ("--log.listen" not in " ".join(args) or self.syslog_port):
                break
            time.sleep(0.05)
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=5)
                break
            except OSError:
                time.sleep(0.05)

    def wait_counted(self, n, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if total(metrics(self.port), "accesslog_lines_total") >= n:
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("--lines", type=int, default=500000)
    p.add_argument("--rate", type=int, default=150000)
    p.add_argument("--rates", default="100000,200000,300000,400000,500000")
    p.add_argument("--seconds", type=float, default=3)
    a = p.parse_args()
    binary = os.path.abspath(a.binary)
    cache = os.path.join(os.environ.get("TMPDIR", "/tmp"), "accesslog-bench")
    os.makedirs(cache, exist_ok=True)
    log = os.path.join(cache, f"timed-{a.lines}-s7.log")
    if not os.path.exists(log) or os.path.getsize(log) == 0:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_logs.py"), "--shape", "timed",
                        "--lines", str(a.lines), "--out", log], check=True)
    work = tempfile.mkdtemp()
    sender = os.path.join(work, "syslog_sender")
    subprocess.run(["c++", "-O2", "-std=c++20", "-o", sender,
                    os.path.join(HERE, "syslog_sender.cc")], check=True)
    print(f"syslog_bench: {a.lines} lines, load average {open('/proc/loadavg').read().split()[:3]}")

    results = {}
    # 1. The same lines three ways.
    for how in ("file", "udp", "tcp"):
        args = {"file": ["--log.file=" + log, "--tail.from=start"],
                "udp": ["--log.listen=udp://127.0.0.1:0"],
                "tcp": ["--log.listen=tcp://127.0.0.1:0"]}[how]
        ex = Exporter(binary, args, work)
        # The whole process from its start: a file source is read from the start at once, before
        # the endpoint answers; start-up costs every run the same.
        c0 = 0
        t0 = time.monotonic()
        if how == "udp":
            subprocess.run([sender, "udp", str(ex.syslog_port), log, str(a.rate)], check=True,
                           stdout=subprocess.DEVNULL)
        elif how == "tcp":
            subprocess.run([sender, "tcp", str(ex.syslog_port), log], check=True,
                           stdout=subprocess.DEVNULL)
        ok = ex.wait_counted(a.lines)
        cpu = cpu_seconds(ex.proc.pid) - c0
        wall = time.monotonic() - t0
        text = metrics(ex.port)
        counted = total(text, "accesslog_lines_total")
        drops = total(text, "accesslog_syslog_dropped_total")
        ex.stop()
        if not ok:
            print(f"  {how}: counted {counted:.0f} of {a.lines} (kernel drops {drops:.0f})")
            sys.exit(1)
        results[how] = a.lines / cpu if cpu > 0 else float("inf")
        print(f"  {how}: {a.lines} lines in {wall:.2f} s wall, {cpu:.2f} CPU-s: "
              f"{results[how] / 1000:.0f} k lines per CPU-second"
              f"{f' (paced at {a.rate}/s)' if how == 'udp' else ''}", flush=True)
    for how in ("udp", "tcp"):
        print(f"  {how}: {results['file'] / results[how]:.2f}x the CPU per line of the file path")

    # 2. The highest paced UDP rate with no drop.
    ex = Exporter(binary, ["--log.listen=udp://127.0.0.1:0"], work)
    best = 0
    for rate in [int(r) for r in a.rates.split(",")]:
        before = metrics(ex.port)
        n0 = total(before, "accesslog_lines_total")
        d0 = total(before, "accesslog_syslog_dropped_total")
        out = subprocess.run([sender, "udp", str(ex.syslog_port), log, str(rate), str(a.seconds)],
                             check=True, capture_output=True, text=True).stdout
        sent = int(out.strip())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = metrics(ex.port)
            if total(now, "accesslog_lines_total") - n0 >= sent:
                break
        now = metrics(ex.port)
        got = total(now, "accesslog_lines_total") - n0
        drops = total(now, "accesslog_syslog_dropped_total") - d0
        print(f"  udp paced at {rate}/s for {a.seconds:g} s: sent {sent}, counted {got:.0f}, "
              f"kernel drops {drops:.0f}", flush=True)
        if drops == 0 and got >= sent:
            best = rate
        else:
            break
    ex.stop()
    print(f"  highest paced UDP rate with 0 drops: {best}/s")


if __name__ == "__main__":
    main()
