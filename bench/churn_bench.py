#!/usr/bin/env python3
"""Pod churn in node mode: series and memory return to their baseline; rollouts under both presets.

    churn_bench.py EXPORTER [--pods 10000] [--wave 500] [--workdir DIR] [--smoke] [--malloc-stats]
    churn_bench.py EXPORTER --rollout [--deployments 50] [--replicas 4] [--pods 2000] [--no-settle]
                   [--smoke]

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

--rollout (issue 30): --deployments Deployments (in 5 namespaces, one container "app" each) of
--replicas pods, rolled over in waves until --pods pods have come and gone, once per preset
(path_labels: kubernetes, then kubernetes-workload; no labels.expire_after). A wave is a
rollout of every Deployment: a new ReplicaSet hash, its pods appear and write 3 lines each
(200, 404, 503), then the old ReplicaSet's pods are deleted. Per wave it prints the response
series and label sets on /metrics, the exporter's RSS and the CPU it used in the wave, and the
lag from the wave's last pod's first write to the first scrape that counts every line of the
wave (scrapes every 20 ms; an upper bound of the lag of every pod of the wave). Before the next
wave, the old pods' files are drained (5 s idle) and forgotten, and the RSS printed again
(--no-settle: the next wave starts at once, with the old files still draining). Checks (exit 1):
every line counted, nothing malformed, and with kubernetes-workload exactly --deployments label
sets per container name after every wave; with kubernetes one per pod seen (none expire).
--smoke: 5 Deployments of 2 pods, 3 waves, --no-settle.
"""

import argparse
import os
import random
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


def start_exporter(exporter, config, err_path):
    """The exporter on a loopback port of its choosing: (process, port)."""
    err = open(err_path, "w")
    p = subprocess.Popen([exporter, f"--config.file={config}", "--web.listen-address=127.0.0.1:0"],
                         stdout=err, stderr=err)
    port = 0
    deadline = time.monotonic() + 10
    while not port and time.monotonic() < deadline and p.poll() is None:
        m = re.search(r"port=(\d+)", open(err_path).read())
        port = int(m.group(1)) if m else 0
        time.sleep(0.05)
    if not port:
        p.kill()
        fail("the exporter did not start: " + open(err_path).read()[-2000:])
    return p, port


# What Kubernetes draws generated name parts from (src/counters/workload.h).
ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def label_sets(body):
    """Distinct label sets of accesslog_http_responses_total without code, class, documented."""
    sets = set()
    for line in body.splitlines():
        if line.startswith("accesslog_http_responses_total{"):
            labels = line[line.index("{") + 1:line.rindex("}")]
            sets.add(",".join(l for l in labels.split(",")
                              if not l.startswith(("code=", "class=", "documented="))))
    return sets


def rollout_preset(args, preset, work):
    """One run of --rollout with PRESET; returns its per-wave rows."""
    rng = random.Random(30)
    root = os.path.join(work, preset, "var/log/pods")
    os.makedirs(root)
    config = os.path.join(work, preset, "c.yaml")
    cap = args.pods + args.deployments * args.replicas + 100
    with open(config, "w") as f:
        f.write(f"sources:\n  - {{name: pods, files: '{root}/*/*/*.log', wrapper: cri, "
                f"path_labels: {preset}}}\n"
                f"labels: {{limits: {{label_sets: {cap}, paths: {cap}, series: {20 * cap}}}}}\n"
                "tail: {from: start, poll_interval: 100ms}\n")
    p, port = start_exporter(args.exporter, config, os.path.join(work, preset, "err"))
    rows = []
    try:
        time.sleep(0.3)
        print(f"{preset}: baseline RSS {status_kib(p.pid, 'VmRSS:')} KiB", flush=True)
        live = {}  # deployment -> its pods' directories
        names = set()
        lines = pods = n = 0
        waves = max(1, args.pods // (args.deployments * args.replicas))
        for wave in range(1, waves + 1):
            cpu0 = schedstat_ns(p.pid)
            new = {}
            first_write = 0.0
            for d in range(args.deployments):
                rs = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(6, 10)))
                new[d] = []
                for _ in range(args.replicas):
                    while True:
                        pod = f"api-{d:02d}-{rs}-" + "".join(rng.choice(ALPHABET) for _ in range(5))
                        if pod not in names:
                            break
                    names.add(pod)
                    pdir = os.path.join(root, f"ns{d % 5}_{pod}_uid-{pods}")
                    os.makedirs(os.path.join(pdir, "app"))
                    text = ""
                    for code in (200, 404, 503):
                        n += 1
                        text += record(n, ACCESS.format(path="/api", code=code))
                    first_write = time.monotonic()
                    with open(os.path.join(pdir, "app", "0.log"), "w") as f:
                        f.write(text)
                    lines += 3
                    pods += 1
                    new[d].append(pdir)
            counted = [None]

            def all_counted():
                body = scrape(port)
                if value(body, 'accesslog_lines_total{log="pods",result="parsed"}') == lines:
                    counted[0] = body
                    return True
                return False
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not all_counted():
                time.sleep(0.02)
            lag_ms = (time.monotonic() - first_write) * 1000
            if counted[0] is None:
                fail(f"{preset} wave {wave}: {lines} lines counted within 60 s")
            body = counted[0]
            for dirs in live.values():  # the old ReplicaSets' pods go
                for pdir in dirs:
                    shutil.rmtree(pdir)
            live = new
            sets = label_sets(body)
            series = sum(1 for l in body.splitlines() if l.startswith("accesslog_http_responses_total{"))
            samples = sum(1 for l in body.splitlines() if l and not l.startswith("#"))
            rss = status_kib(p.pid, "VmRSS:")
            cpu_ms = (schedstat_ns(p.pid) - cpu0) / 1e6
            want_sets = args.deployments if preset == "kubernetes-workload" else pods
            if len(sets) != want_sets:
                fail(f"{preset} wave {wave}: {len(sets)} label sets for container app, want {want_sets}")
            if value(body, 'accesslog_lines_total{log="pods",result="malformed"}') != 0:
                fail(f"{preset}: malformed lines")
            followed = value(body, 'accesslog_files_followed{log="pods"}')
            settled = ""
            if args.settle:  # the old pods' files drained (5 s idle) and forgotten
                wait(lambda: value(scrape(port), 'accesslog_files_followed{log="pods"}') ==
                     args.deployments * args.replicas, 60, "the old ReplicaSets' files forgotten")
                settled = f", RSS {status_kib(p.pid, 'VmRSS:')} KiB once they are forgotten"
            rows.append((wave, pods, len(sets), series, samples, rss, cpu_ms, lag_ms))
            print(f"{preset} wave {wave}: {pods} pods so far, {len(sets)} label sets for container "
                  f"app, {series} response series, {samples} samples on /metrics, CPU {cpu_ms:.0f} "
                  f"ms, lag {lag_ms:.0f} ms, RSS {rss} KiB with {followed:.0f} files followed"
                  f"{settled}", flush=True)
        print(f"{preset}: peak RSS {status_kib(p.pid, 'VmHWM:')} KiB", flush=True)
    finally:
        p.terminate()
        p.wait(timeout=10)
    return rows


def rollout(args):
    if args.smoke:
        args.deployments, args.replicas, args.pods, args.settle = 5, 2, 30, False
    work = args.workdir or tempfile.mkdtemp(prefix="rollout-")
    try:
        print(f"rollout: {args.deployments} Deployments x {args.replicas} pods, "
              f"{args.pods} pods in all, no expire_after", flush=True)
        for preset in ("kubernetes", "kubernetes-workload"):
            rollout_preset(args, preset, work)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("exporter")
    ap.add_argument("--pods", type=int)
    ap.add_argument("--wave", type=int, default=500)
    ap.add_argument("--workdir")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--malloc-stats", action="store_true")
    ap.add_argument("--rollout", action="store_true")
    ap.add_argument("--deployments", type=int, default=50)
    ap.add_argument("--replicas", type=int, default=4)
    ap.add_argument("--no-settle", dest="settle", action="store_false")
    args = ap.parse_args()
    if args.rollout:
        args.pods = args.pods or 2000
        return rollout(args)
    args.pods = args.pods or 10000
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
