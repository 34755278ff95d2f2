#!/usr/bin/env python3
"""Following many container log files at once: idle cost of a node-mode exporter.

    files_bench.py EXPORTER [--files 2000] [--idle-seconds 10] [--mtail PATH|none] [--workdir DIR]
                   [--smoke]

A tree laid out as /var/log/pods with --files containers (one 0.log each, 5 access lines in the
cri envelope); the exporter follows it (wrapper: cri, path_labels: kubernetes,
tail.from: start), and mtail (Debian `mtail`, when installed) follows the same files in the same
run with a program counting the access lines by code. Once every line is counted, nothing is
written for --idle-seconds: each process's CPU time over that interval (every thread's
/proc/PID/task/*/schedstat, in nanoseconds), resident memory, inotify watches and descriptors
are printed. Then one line is appended to every 10th file and the time until each has counted
them all is printed.

Checks (exit 1 when broken, never on a timing): every line counted exactly (mtail: the appended
lines; it may start at the end of the files it finds at start-up). --smoke: 200 files, 2 idle
seconds.
"""

import argparse
import os
import socket
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proc_stats import fds_and_watches, schedstat_ns, status_kib  # noqa: E402


def fail(message):
    print("files_bench: FAIL:", message, file=sys.stderr)
    sys.exit(1)


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        return r.read().decode("utf-8", "replace")


def parsed(port):
    for line in scrape(port).splitlines():
        if line.startswith('accesslog_lines_total{log="pods",result="parsed"} '):
            return int(float(line.split()[-1]))
    return -1


MTAIL_PROG = r'''
counter accesslog_http_responses_total by code
/ stdout F \S+ \S+ \S+ \[[^\]]+\] "[A-Z]+ \S+ [^"]*" (?P<code>\d{3}) / {
  accesslog_http_responses_total[$code]++
}
'''


def mtail_count(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            text = r.read().decode("utf-8", "replace")
    except OSError:
        return -1
    return int(sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
                   if l.startswith("accesslog_http_responses_total{")))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(cond, bound, what):
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if cond():
            return time.monotonic()
        time.sleep(0.02)
    fail(f"{what} within {bound} s")


ACCESS = '10.1.2.3 - - [06/May/2024:07:08:09 +0000] "GET /api HTTP/1.1" {code} 42 "-" "probe"'


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("exporter")
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--idle-seconds", type=float, default=10)
    ap.add_argument("--workdir")
    ap.add_argument("--mtail", default=shutil.which("mtail") or "none")
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    if args.smoke:
        args.files, args.idle_seconds = 200, 2
    work = args.workdir or tempfile.mkdtemp(prefix="files-")
    root = os.path.join(work, "var/log/pods")
    n = 0
    files = []
    for i in range(args.files):
        d = os.path.join(root, f"ns{i % 5}_pod-{i}_uid-{i}", "app")
        os.makedirs(d)
        text = ""
        for code in (200, 200, 404, 500, 503):
            n += 1
            text += f"2024-05-06T07:08:09.{n:09d}Z stdout F {ACCESS.format(code=code)}\n"
        path = os.path.join(d, "0.log")
        with open(path, "w") as f:
            f.write(text)
        files.append(path)
    config = os.path.join(work, "c.yaml")
    with open(config, "w") as f:
        f.write(f"sources:\n  - {{name: pods, files: '{root}/*/*/*.log', wrapper: cri, "
                "path_labels: kubernetes}\n"
                f"labels: {{limits: {{label_sets: {args.files + 10}, paths: {args.files + 10}}}}}\n"
                "tail: {from: start}\n")
    err = open(os.path.join(work, "err"), "w")
    start = time.monotonic()
    p = subprocess.Popen([args.exporter, f"--config.file={config}",
                          "--web.listen-address=127.0.0.1:0"], stdout=err, stderr=err)
    mt = None
    if args.mtail != "none":
        progs = os.path.join(work, "progs")
        os.mkdir(progs)
        with open(os.path.join(progs, "pods.mtail"), "w") as f:
            f.write(MTAIL_PROG)
        mport = free_port()
        mt = subprocess.Popen([args.mtail, "--progs", progs, "--logs", f"{root}/*/*/*.log",
                               "--address", "127.0.0.1", "--port", str(mport), "--logtostderr",
                               "--stderrthreshold=ERROR"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        port = 0
        deadline = time.monotonic() + 30
        while not port and time.monotonic() < deadline:
            m = re.search(r"port=(\d+)", open(os.path.join(work, "err")).read())
            port = int(m.group(1)) if m else 0
            time.sleep(0.05)
        if not port:
            fail("the exporter did not start")
        done = wait(lambda: parsed(port) == n, 120, f"{n} lines counted")
        print(f"{args.files} files: all {n} lines counted {done - start:.2f} s after start")
        base = -1
        if mt:
            wait(lambda: mtail_count(mport) >= 0, 60, "mtail answering")
            time.sleep(2)  # mtail finds its files every 250 ms and reads them
            base = mtail_count(mport)
            if base not in (0, n):
                fail(f"mtail counted {base} of the {n} lines there at start (expected 0 or all)")
        time.sleep(1)
        procs = [("accesslog_exporter", p)] + ([("mtail", mt)] if mt else [])
        c0 = {name: schedstat_ns(q.pid) / 1e9 for name, q in procs}
        time.sleep(args.idle_seconds)
        idle = {name: schedstat_ns(q.pid) / 1e9 - c0[name] for name, q in procs}
        for name, q in procs:
            fds, watches = fds_and_watches(q.pid)
            print(f"{name}: idle {args.idle_seconds:.0f} s: CPU {idle[name] * 1000:.1f} ms "
                  f"({100 * idle[name] / args.idle_seconds:.3f}% of a core), "
                  f"RSS {status_kib(q.pid, 'VmRSS:')} KiB, {fds} descriptors, {watches} inotify watches")
        t0 = time.monotonic()
        appended = 0
        for path in files[::10]:
            with open(path, "a") as f:
                n += 1
                appended += 1
                f.write(f"2024-05-06T07:08:10.{n:09d}Z stdout F {ACCESS.format(code=201)}\n")
        t1 = wait(lambda: parsed(port) == n, 60, "appended lines counted")
        print(f"one line appended to {appended} files: accesslog_exporter counted all in "
              f"{t1 - t0:.3f} s", end="")
        if mt:
            t2 = wait(lambda: mtail_count(mport) == base + appended, 60, "mtail counting the appended lines")
            print(f", mtail in {t2 - t0:.3f} s", end="")
        print()
    finally:
        p.terminate()
        p.wait(timeout=10)
        if mt:
            mt.terminate()
            mt.wait(timeout=10)
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
