#!/usr/bin/env python3
"""Appends a pool of generated access-log lines to a log, over and over, at a steady rate.

The writer of the load test and the soak (tests/load/load_test.sh, tests/load/soak.sh). The
lines come from the benchmarks' generator (bench/gen_logs.py: realistic nginx `combined` lines
with timings, and its totals by code); this script only replays them, so the load tests and the
benchmarks read the same traffic.

  replay_writer.py --pool POOL.log --out access.log --rate 550000 --status status.json

- Writes whole lines, in large write() calls on an O_APPEND descriptor, as a server does:
  every ~5 ms, the lines owed at --rate since the start, at most --max-batch per write().
- SIGTERM or SIGINT: finishes the pass over the pool it is in, then exits 0. The log then holds
  a whole number of pools, so what the exporter counts by code must be that number times the
  pool's totals (gen_logs.py --totals).
- SIGUSR1: opens --out again before the next write, as nginx does on USR1 after logrotate has
  renamed the log (`create` + postrotate); until then it writes into the renamed file.
- --status: a JSON file, replaced atomically every 0.1 s and at the end: lines and pools
  written, seconds from the first write to the last, the rate achieved, reopens, done.
- --seconds N: stop by itself after N seconds (as if sent SIGTERM then).

Exit status: 0, or 1 when a write fails (disk full: the status file says so).
"""

import argparse
import json
import os
import signal
import sys
import time


def write_all(fd, view):
    while len(view):
        n = os.write(fd, view)
        view = view[n:]


class Status:
    def __init__(self, path):
        self.path = path
        self.last = 0.0

    def save(self, fields, force=False):
        now = time.monotonic()
        if not self.path or (not force and now - self.last < 0.1):
            return
        self.last = now
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(fields, f)
        os.replace(tmp, self.path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pool", required=True, help="lines to replay (gen_logs.py --out)")
    ap.add_argument("--out", required=True, help="the log to append to")
    ap.add_argument("--rate", type=float, required=True, help="lines per second")
    ap.add_argument("--status", help="JSON progress file")
    ap.add_argument("--seconds", type=float, default=0, help="stop after this long (0: signal)")
    ap.add_argument("--max-batch", type=int, default=20000, help="lines per write at most")
    a = ap.parse_args()

    with open(a.pool, "rb") as f:
        pool = f.read()
    if not pool.endswith(b"\n"):
        sys.exit("replay_writer: %s does not end with a newline" % a.pool)
    # ends[i]: the offset just after line i's newline; starts at 0 for slicing.
    ends = [0]
    pos = pool.find(b"\n")
    while pos >= 0:
        ends.append(pos + 1)
        pos = pool.find(b"\n", pos + 1)
    pool_lines = len(ends) - 1
    view = memoryview(pool)

    flags = {"stop": False, "reopen": False}
    signal.signal(signal.SIGTERM, lambda *_: flags.update(stop=True))
    signal.signal(signal.SIGINT, lambda *_: flags.update(stop=True))
    signal.signal(signal.SIGUSR1, lambda *_: flags.update(reopen=True))

    def open_out():
        return os.open(a.out, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)

    fd = open_out()
    status = Status(a.status)
    lines = pools = reopens = 0
    cursor = 0  # next line of the pool
    first = last = None
    error = ""
    start = time.monotonic()

    def fields(done):
        secs = (last - first) if first is not None else 0.0
        return {"lines": lines, "pools": pools, "pool_lines": pool_lines, "seconds": secs,
                "rate": lines / secs if secs > 0 else 0.0, "reopens": reopens, "done": done,
                "error": error}

    status.save(fields(False), force=True)
    while True:
        now = time.monotonic()
        if a.seconds and now - start >= a.seconds:
            flags["stop"] = True
        if flags["stop"] and cursor == 0:
            break
        if flags["reopen"]:
            flags["reopen"] = False
            new_fd = open_out()
            os.close(fd)
            fd = new_fd
            reopens += 1
        owed = int(a.rate * (now - start)) - lines
        if owed < min(a.max_batch, max(1, int(a.rate * 0.005))):
            time.sleep(0.001)
            continue
        # Up to the end of the pool at most: a pass ends exactly on a pool boundary.
        n = min(owed, a.max_batch, pool_lines - cursor)
        try:
            write_all(fd, view[ends[cursor]:ends[cursor + n]])
        except OSError as e:
            error = "%s: %s" % (a.out, e)
            status.save(fields(True), force=True)
            print("replay_writer: " + error, file=sys.stderr)
            return 1
        if first is None:
            first = now
        last = time.monotonic()
        lines += n
        cursor += n
        if cursor == pool_lines:
            cursor = 0
            pools += 1
        status.save(fields(False))
    os.close(fd)
    status.save(fields(True), force=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
