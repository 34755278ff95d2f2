#!/usr/bin/env python3
"""What a remote-write push of the ~5,000-series exposition costs the exporter, against a scrape
of the same exposition, in one run (issue 32: a push at most twice a scrape; docs/performance.md).

    python3 bench/push_bench.py path/to/accesslog_exporter [--rounds 3] [--seconds 10]
        [--scrapes 20] [--label-sets 320]

The exporter serves a 200,000-line timed log from bench/gen_logs.py (bench/scrape_bench.sh's)
with the method and route labels, label sets capped at LABEL_SETS (320: about 5,000 series on
that log; scrape_bench.sh's 31 now give about 1,650, the histograms carrying class and method
only). Once the whole log
is counted, each round measures, by the CPU time of every thread of the exporter
(/proc/PID/task/*/schedstat, ns):
  - scrapes: SCRAPES GETs of /metrics (text, as the target is stated), back to back;
  - pushes: remote_write switched on by a reload (interval 1s) towards a receiver on loopback
    (Python's http.server, answering 204 on a kept-alive connection), for SECONDS seconds;
  - idle: remote_write switched off again, for SECONDS seconds: what the exporter costs doing
    neither, taken off the pushes' window (and the scrapes', for their duration).
Per push: (CPU of the push window - idle) / pushes (a push: the requests of one collection, 2,000
samples each). Prints each round and the medians, and the ratio push / scrape. A benchmark, not a
test: exit 0 whatever the timings; 1 when the exporter does not start, count the log or push.
"""

import argparse
import http.client
import http.server
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from proc_stats import schedstat_ns  # noqa: E402

FORMAT = ('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
          '"$http_referer" "$http_user_agent" rt=$request_time urt="$upstream_response_time"')


def die(msg):
    print(f"push_bench: {msg}", file=sys.stderr)
    sys.exit(1)


class Receiver(http.server.ThreadingHTTPServer):
    """Accepts every remote-write request (204), on kept-alive connections; counts them."""

    def __init__(self):
        self.requests = 0
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(h):
                h.rfile.read(int(h.headers.get("Content-Length", 0)))
                with self.lock:
                    self.requests += 1
                h.send_response(204)
                h.send_header("Content-Length", "0")
                h.end_headers()

            def log_message(h, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    def count(self):
        with self.lock:
            return self.requests


def scrape(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("GET", "/metrics")
        return c.getresponse().read().decode()
    finally:
        c.close()


def value(text, prefix):
    return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith(prefix))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--scrapes", type=int, default=20)
    p.add_argument("--label-sets", type=int, default=320)
    a = p.parse_args()
    cache = os.path.join(os.environ.get("TMPDIR", "/tmp"), "accesslog-bench")
    os.makedirs(cache, exist_ok=True)
    log = os.path.join(cache, "timed-200000-s7.log")
    if not os.path.exists(log) or os.path.getsize(log) == 0:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_logs.py"), "--shape", "timed",
                        "--lines", "200000", "--out", log, "--totals",
                        os.path.join(cache, "timed-200000-s7.totals.json")], check=True)
    lines = sum(1 for _ in open(log, "rb"))
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/api/v1/write"
    with tempfile.TemporaryDirectory() as work:
        config = os.path.join(work, "config.yaml")

        def write_config(push):
            with open(config, "w") as f:
                f.write(f"sources:\n  - name: api\n    files: [\"{log}\"]\n    format: '{FORMAT}'\n"
                        "labels:\n  method: true\n  route: true\n  limits:\n"
                        f"    label_sets: {a.label_sets}\n"
                        "tail:\n  from: start\n" +
                        (f"remote_write:\n  url: {url}\n  interval: 1s\n" if push else ""))

        write_config(False)
        err = open(os.path.join(work, "stderr"), "w+")
        proc = subprocess.Popen([os.path.abspath(a.binary), "--config.file=" + config,
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
                die("the exporter did not start: " + open(err.name).read())
            for _ in range(600):
                if value(scrape(port), "accesslog_lines_total") >= lines:
                    break
                time.sleep(0.5)
            else:
                die("the exporter did not count the log")
            text = scrape(port)
            series = sum(1 for l in text.splitlines() if l and not l.startswith("#"))
            print(f"push_bench: {series} series ({len(text)} bytes of text), load average "
                  f"{open('/proc/loadavg').read().split()[:3]}", flush=True)

            def reload(push):
                write_config(push)
                proc.send_signal(1)  # SIGHUP

            scrape_ms, push_ms, idle_ms_per_s = [], [], []
            for r in range(a.rounds):
                # Idle first: the previous round's pusher is off.
                reload(False)
                time.sleep(0.5)
                c0, t0 = schedstat_ns(proc.pid), time.monotonic()
                time.sleep(a.seconds)
                idle = (schedstat_ns(proc.pid) - c0) / 1e6 / (time.monotonic() - t0)
                c0, t0 = schedstat_ns(proc.pid), time.monotonic()
                for _ in range(a.scrapes):
                    scrape(port)
                spent = (schedstat_ns(proc.pid) - c0) / 1e6 - idle * (time.monotonic() - t0)
                per_scrape = spent / a.scrapes
                reload(True)
                deadline = time.monotonic() + 20
                while receiver.count() == 0 and time.monotonic() < deadline:
                    time.sleep(0.05)
                if receiver.count() == 0:
                    die("no push arrived: " + open(err.name).read()[-2000:])
                time.sleep(1.5)  # the first push's requests are all in
                # A push: one request per 2,000 samples of the exposition (a sample a line).
                samples = sum(1 for l in scrape(port).splitlines() if l and l[0] != "#")
                requests_per_push = -(-samples // 2000)
                n0, c0, t0 = receiver.count(), schedstat_ns(proc.pid), time.monotonic()
                time.sleep(a.seconds)
                n1, c1, t1 = receiver.count(), schedstat_ns(proc.pid), time.monotonic()
                pushes = (n1 - n0) / requests_per_push
                if pushes < 1:
                    die(f"{n1 - n0} requests in {a.seconds} s")
                per_push = ((c1 - c0) / 1e6 - idle * (t1 - t0)) / pushes
                scrape_ms.append(per_scrape)
                push_ms.append(per_push)
                idle_ms_per_s.append(idle)
                print(f"  round {r + 1}: scrape {per_scrape:.2f} ms CPU, push {per_push:.2f} ms "
                      f"CPU ({pushes:.0f} pushes of {requests_per_push} requests), idle "
                      f"{idle:.2f} ms CPU a second: push/scrape {per_push / per_scrape:.2f}",
                      flush=True)
            s, q = statistics.median(scrape_ms), statistics.median(push_ms)
            print(f"push_bench: medians over {a.rounds} rounds: scrape {s:.2f} ms, push {q:.2f} "
                  f"ms CPU: a push costs {q / s:.2f}x a scrape (target: at most 2x)", flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            receiver.shutdown()


if __name__ == "__main__":
    main()
