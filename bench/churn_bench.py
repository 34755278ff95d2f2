#!/usr/bin/env python3
"""Pod churn in node mode: series and memory return to their baseline.

    churn_bench.py EXPORTER [--pods 10000] [--wave 500] [--workdir DIR] [--smoke] [--malloc-stats]

A tree laid out as /var/log/pods; the exporter follows it (wrapper: cri, path_labels:
kubernetes, labels.expire_after: 1s, tail.poll_interval: 100ms). In waves of --wave pods, until
--pods pods have come and gone: the pods appear (a directory and a 0.log each), each writes 3
access lines (one split at 16 KiB), the exporter counts them, then the pods are deleted; the
next wave starts once every file of this one is drained and forgotten (accesslog_files_followed
is 0) and their series have expired. After each wave it prints the exporter's resident memory
(VmRSS) when the wave is gone and again 2 s later, the response series on /metrics and the
inotify watches and descriptors it holds.

Checks (exit 1 when broken, never on a timing): every line counted exactly, nothing malformed,
and after the last wave no series of any pod left, accesslog_series_expired_total equal to the
label sets made, descriptors and watches back to their baseline. RSS is printed, not checked.
--smoke: 2 waves of 50 pods.
--malloc-stats: after the last wave, attach gdb to the exporter and print glibc's malloc_stats()
(bytes the arena holds from the system against bytes in use), then call malloc_trim(0) and print
the RSS again: what is in use is retained by the exporter; what is free but resident is the
allocator's.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proc_stats import fds_and_watches, status_kib  # noqa: E402


def fail(message):
    print("churn_bench: FAIL:", message, file=sys.stderr)
    sys.exit(1)


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        return r.read().decode("utf-8", "replace")


def value(body, series):
    for line in body.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return None


def wait(cond, bound, what):
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    fail(f"{what} within {bound} s")


ACCESS = '10.1.2.3 - - [06/May/2024:07:08:09 +0000] "GET {path} HTTP/1.1" {code} 42 "-" "probe"'


def record(n, line):
    out = []
    for at in range(0, len(line), 16384):
        last = at + 16384 >= len(line)
        out.append(f"2024-05-06T07:08:09.{n:09d}Z stdout {'F' if last else 'P'} {line[at:at + 16384]}\n")
    return "".join(out)


def malloc_stats(pid, err_path):
    """glibc's own account of the heap, then the RSS after a trim (see --malloc-stats)."""
    before = os.path.getsize(err_path)
    subprocess.run(["gdb", "-p", str(pid), "-batch", "-ex", "call (void)malloc_stats()"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=False)
    with open(err_path) as f:
        f.seek(before)
        stats = [l.rstrip() for l in f if "bytes" in l or "Arena" in l]
    print("malloc_stats:", "; ".join(stats[-4:]))
    rss = status_kib(pid, "VmRSS:")
    subprocess.run(["gdb", "-p", str(pid), "-batch", "-ex", "call (int)malloc_trim(0)"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=False)
    print(f"RSS {rss} KiB; after malloc_trim(0) from gdb: {status_kib(pid, 'VmRSS:')} KiB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("exporter")
    ap.add_argument("--pods", type=int, default=10000)
    ap.add_argument("--wave", type=int, default=500)
    ap.add_argument("--workdir")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--malloc-stats", action="store_true")
    args = ap.parse_args()
    if args.smoke:
        args.pods, args.wave = 100, 50
    work = args.workdir or tempfile.mkdtemp(prefix="churn-")
    root = os.path.join(work, "var/log/pods")
    os.makedirs(root, exist_ok=True)
    config = os.path.join(work, "c.yaml")
    with open(config, "w") as f:
        f.write(f"sources:\n  - {{name: pods, files: '{root}/*/*/*.log', wrapper: cri, "
                "path_labels: kubernetes}\nlabels: {expire_after: 1s, limits: {label_sets: "
                f"{2 * args.wave + 10}, paths: {2 * args.wave + 10}}}}}\n"
                "tail: {from: start, poll_interval: 100ms}\n")
    err = open(os.path.join(work, "err"), "w")
    p = subprocess.Popen([args.exporter, f"--config.file={config}",
                          "--web.listen-address=127.0.0.1:0"], stdout=err, stderr=err)
    try:
        port = 0
        deadline = time.monotonic() + 10
        while not port and time.monotonic() < deadline:
            m = re.search(r"port=(\d+)", open(os.path.join(work, "err")).read())
            port = int(m.group(1)) if m else 0
            time.sleep(0.05)
        if not port:
            fail("the exporter did not start")
        time.sleep(0.3)
        base_rss = status_kib(p.pid, "VmRSS:")
        base_fds, base_watches = fds_and_watches(p.pid)
        print(f"baseline: RSS {base_rss} KiB, {base_fds} fds, {base_watches} inotify watches")
        lines = n = 0
        made = 0
        for wave_start in range(0, args.pods, args.wave):
            dirs = []
            for i in range(wave_start, min(args.pods, wave_start + args.wave)):
                d = os.path.join(root, f"ns{i % 5}_pod-{i}_uid-{i}")
                os.makedirs(os.path.join(d, "app"))
                text = ""
                for j, code in enumerate((200, 404, 503)):
                    path = "/" + "x" * 20000 if j == 0 else "/api"
                    n += 1
                    text += record(n, ACCESS.format(path=path, code=code))
                with open(os.path.join(d, "app", "0.log"), "w") as f:
                    f.write(text)
                lines += 3
                made += 1
                dirs.append(d)
            wait(lambda: value(scrape(port), 'accesslog_lines_total{log="pods",result="parsed"}') == lines,
                 60, f"{lines} lines counted")
            peak_body = scrape(port)
            peak_series = sum(1 for l in peak_body.splitlines()
                              if l.startswith("accesslog_http_responses_total{"))
            peak_rss = status_kib(p.pid, "VmRSS:")
            for d in dirs:
                shutil.rmtree(d)
            wait(lambda: value(scrape(port), 'accesslog_files_followed{log="pods"}') == 0, 60,
                 "every deleted pod's file forgotten")
            wait(lambda: "pod=\"pod-" not in scrape(port), 30, "every deleted pod's series expired")
            fds, watches = fds_and_watches(p.pid)
            after_rss = status_kib(p.pid, "VmRSS:")
            # The exporter looks at its free heap once a second (app/heap_trim.h).
            time.sleep(2)
            print(f"wave {wave_start // args.wave + 1}: {made} pods so far; with the wave: "
                  f"{peak_series} series, RSS {peak_rss} KiB; after it: RSS "
                  f"{after_rss} KiB, 2 s later {status_kib(p.pid, 'VmRSS:')} KiB, {fds} fds, "
                  f"{watches} watches", flush=True)
        body = scrape(port)
        if value(body, 'accesslog_lines_total{log="pods",result="malformed"}') != 0:
            fail("malformed lines")
        if value(body, "accesslog_series_expired_total") != made:  # one label set per pod
            fail(f"expired {value(body, 'accesslog_series_expired_total')} != {made}")
        fds, watches = fds_and_watches(p.pid)
        if fds > base_fds or watches > base_watches:
            fail(f"descriptors {fds} (baseline {base_fds}) or watches {watches} ({base_watches})")
        print(f"after {made} pods: RSS {status_kib(p.pid, 'VmRSS:')} KiB (baseline {base_rss}, peak "
              f"{status_kib(p.pid, 'VmHWM:')}), {fds} fds, {watches} watches, "
              f"{value(body, 'accesslog_series_expired_total'):.0f} label sets expired")
        if args.malloc_stats:
            malloc_stats(p.pid, os.path.join(work, "err"))
    finally:
        p.terminate()
        p.wait(timeout=10)
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
