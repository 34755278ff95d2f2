#!/usr/bin/env python3
"""The exporter pushes with remote write to a real Prometheus (Debian's, started with
--web.enable-remote-write-receiver), beside its /metrics:

    python3 tests/e2e/prometheus_remote_write_test.py PATH/TO/accesslog_exporter

1. After a generated log is read, every stored accesslog_http_*, line and byte counter, info
   and rotation sample equals the exporter's own text exposition, every accesslog_* family of
   the exposition is stored, and every series carries job="accesslog_exporter" and
   instance="<hostname>:<port>"; the exemplars (trace ids of the log) are stored too
   (--enable-feature=exemplar-storage).
2. The receiver is stopped while more lines are written, then started again: the totals it
   stores afterwards are exact, and samples collected during the outage were delivered from the
   queue (their timestamps fall inside it).
3. A reload points the exporter at a receiver (Python's http.server on loopback: Prometheus
   cannot be made to answer these) that answers 400: each request is sent once, counted failed,
   its samples dropped; the configured tenant header and the protocol's headers arrive. Then the
   receiver answers 429 with Retry-After: 2 once: the request comes again no sooner.
4. A reload points it at a second Prometheus serving HTTPS with basic auth (its own
   --web.config.file; a CA made with openssl): the pushes are stored there.

Every loop is bounded; every process is stopped by PID; loopback only. Exit 0 passed, 1 failed.
"""

import base64
import http.server
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from exporter import (Exporter, ExporterError, Proc, free_port, get,  # noqa: E402
                      make_test_certs)

TAG = "prometheus_remote_write_test"
FORMAT = ('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
          '"$http_referer" "$http_user_agent" rt=$request_time urt="$upstream_response_time"')
# Families whose values no longer move once the log is read.
STABLE = ("accesslog_http_", "accesslog_lines_total", "accesslog_bytes_read_total",
          "accesslog_status_code_info", "accesslog_build_info", "accesslog_file_rotations_total")
# bcrypt of PASSWORD (cost 4), for Prometheus' basic_auth_users.
BCRYPT = "$2b$04$9fqjZO.Ffr/Cj6hwtOri4eo7zcDTbyQCEecaMrP3v0o86M6W1d0dG"
PASSWORD = "secret"


def fail(msg):
    print(f"{TAG}: FAIL: {msg}", flush=True)
    sys.exit(1)


def parse_text(text):
    """{series with sorted labels: value} of a text 0.0.4 exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        out[canonical_text(series)] = float(value)
    return out


def canonical_text(series):
    if "{" not in series:
        return series
    name, rest = series.split("{", 1)
    pairs = []
    for part in rest[:-1].split('",'):
        k, v = part.split('="', 1)
        pairs.append((k, v.rstrip('"')))
    return f"{name}{{" + ",".join(f'{k}="{v}"' for k, v in sorted(pairs)) + "}"


def canonical(metric):
    name = metric.pop("__name__")
    labels = ",".join(f'{k}="{v}"' for k, v in sorted(metric.items()))
    return f"{name}{{{labels}}}" if labels else name


def wait_until(what, condition, seconds):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            last = condition()
            if last is True:
                return
        except OSError as e:
            last = e
        time.sleep(0.2)
    fail(f"{what} (after {seconds} s: {last})")


class Prometheus:
    """A Prometheus that only receives (no scrape configured)."""

    def __init__(self, work, name, web_config=None):
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir, exist_ok=True)
        with open(os.path.join(self.dir, "prometheus.yml"), "w") as f:
            f.write("global: {scrape_interval: 1m}\n")
        self.port = free_port()  # Prometheus cannot say which port it bound: picked free
        self.web_config = web_config
        self.scheme = "https" if web_config else "http"
        self.context = None
        self.headers = {}
        self.proc = None

    def start(self):
        cmd = ["prometheus", "--config.file=" + os.path.join(self.dir, "prometheus.yml"),
               "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
               f"--web.listen-address=127.0.0.1:{self.port}", "--web.enable-remote-write-receiver",
               "--enable-feature=exemplar-storage"]
        if self.web_config:
            cmd.append("--web.config.file=" + self.web_config)
        self.proc = Proc(cmd, os.path.join(self.dir, "prometheus.log"))
        wait_until(f"Prometheus on :{self.port} ready", lambda: get(
            f"{self.scheme}://127.0.0.1:{self.port}/-/ready", context=self.context,
            headers=self.headers) is not None, 60)

    def stop(self):
        self.proc.stop()

    def write_url(self):
        return f"{self.scheme}://127.0.0.1:{self.port}/api/v1/write"

    def query(self, q, at=None):
        url = (f"{self.scheme}://127.0.0.1:{self.port}/api/v1/query?query=" +
               urllib.parse.quote(q) + (f"&time={at}" if at else ""))
        return json.loads(get(url, context=self.context, headers=self.headers))["data"]["result"]


class Receiver(http.server.ThreadingHTTPServer):
    """Python's http.server answering every POST as `mode` says: 400, or 429 once then 204."""

    def __init__(self):
        self.mode = "400"
        self.requests = []  # (monotonic time, headers)
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(h):
                h.rfile.read(int(h.headers.get("Content-Length", 0)))
                with self.lock:
                    n = len(self.requests)
                    self.requests.append((time.monotonic(), dict(h.headers)))
                    mode = self.mode
                if mode == "400":
                    h.send_response(400)
                    body = b"out of bounds\n"
                elif mode == "429" and n == self.first_429:
                    h.send_response(429)
                    h.send_header("Retry-After", "2")
                    body = b"slow down\n"
                else:
                    h.send_response(204)
                    body = b""
                h.send_header("Content-Length", str(len(body)))
                h.end_headers()
                h.wfile.write(body)

            def log_message(h, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.first_429 = -1

    def count(self):
        with self.lock:
            return len(self.requests)


def main():
    exporter = os.path.abspath(sys.argv[1])
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="accesslog-remote-write.")
    rng = random.Random(11)
    traces = set()

    def lines(n, offset):
        out = []
        for i in range(n):
            code = rng.choice([200, 200, 201, 404, 429, 500, 503, 302])
            rt = rng.expovariate(20)
            tp = "-"
            if i % 4 != 0:  # most lines carry a W3C traceparent: the exemplars' trace ids
                trace = f"{rng.getrandbits(128):032x}"
                traces.add(trace)
                tp = f"00-{trace}-{rng.getrandbits(64):016x}-01"
            out.append(f'192.0.2.{i % 250} - - [01/Dec/2026:10:00:00 +0000] '
                       f'"{rng.choice(["GET", "POST"])} /v1/items/{offset + i} HTTP/1.1" {code} '
                       f'{rng.randint(0, 50000)} "-" "curl/8" rt={rt:.3f} urt="{rt * 0.8:.3f}" '
                       f'tp={tp}\n')
        return "".join(out)

    log = os.path.join(work, "access.log")
    with open(log, "w") as f:
        f.write(lines(2000, 0))
    config = os.path.join(work, "config.yaml")

    def write_config(remote_write):
        with open(config, "w") as f:
            f.write(f"sources:\n  - name: api\n    files: [{log}]\n"
                    f"    format: '{FORMAT} tp=$http_traceparent'\n"
                    "    exemplars: {trace_id: $http_traceparent}\n"
                    "labels:\n  method: true\ntail:\n  from: start\n"
                    "remote_write:\n  interval: 1s\n  timeout: 2s\n"
                    "  queue: {min_backoff: 50ms, max_backoff: 500ms}\n" + remote_write)

    prom = Prometheus(work, "receiver")
    procs = []
    receiver = None
    try:
        prom.start()
        procs.append(prom)
        write_config(f"  url: {prom.write_url()}\n")
        try:
            ex = Exporter(exporter, ["--config.file=" + config], os.path.join(work, "exporter.log"))
        except ExporterError as e:
            fail(str(e))
        procs.append(ex)
        port = ex.port
        metrics_url = f"http://127.0.0.1:{port}/metrics"

        def exposition():
            return parse_text(get(metrics_url))

        def read_lines():
            return sum(v for k, v in exposition().items() if k.startswith("accesslog_lines_total"))

        instance = f"{socket.gethostname()}:{port}"

        def stored_equals_exposition():
            ours_all = exposition()
            ours = {k: v for k, v in ours_all.items() if k.startswith(STABLE)}
            stored, names = {}, set()
            for r in prom.query('{__name__=~"accesslog_.+"}'):
                m = dict(r["metric"])
                if m.get("job") != "accesslog_exporter" or m.get("instance") != instance:
                    return f"a series without job and instance: {m}"
                del m["job"], m["instance"]
                names.add(m["__name__"])
                key = canonical(m)
                if key.startswith(STABLE):
                    stored[key] = float(r["value"][1])
            missing = sorted(set(ours) - set(stored))
            extra = sorted(set(stored) - set(ours))
            wrong = sorted(k for k in set(ours) & set(stored)
                           if abs(ours[k] - stored[k]) > 1e-12 * max(1.0, abs(ours[k])))
            unstored = {k.split("{")[0] for k in ours_all if k.startswith("accesslog_")} - names
            if missing or extra or wrong or unstored:
                return (f"{len(missing)} missing (e.g. {missing[:2]}), {len(extra)} extra "
                        f"(e.g. {extra[:2]}), {len(wrong)} other values (e.g. "
                        f"{[(k, ours[k], stored[k]) for k in wrong[:2]]}), families not "
                        f"stored: {sorted(unstored)[:3]}")
            return True

        # 1. The stored samples are the exposition's.
        wait_until("the exporter read the log", lambda: read_lines() >= 2000 or read_lines(), 30)
        wait_until("Prometheus stores the exposition's samples", stored_equals_exposition, 30)
        series = len([k for k in exposition() if k.startswith(STABLE)])

        # The exemplars arrive with their series: trace ids of the log, on response counters and
        # duration buckets.
        def exemplars():
            now = time.time()
            url = (f"http://127.0.0.1:{prom.port}/api/v1/query_exemplars?query=" +
                   urllib.parse.quote('{__name__=~"accesslog_http_responses_total|'
                                      'accesslog_http_request_duration_seconds_bucket"}') +
                   f"&start={now - 600}&end={now + 60}")
            found = json.loads(get(url))["data"]
            names = {f["seriesLabels"]["__name__"] for f in found}
            ids = {e["labels"]["trace_id"] for f in found for e in f["exemplars"]}
            if len(names) == 2 and ids and ids <= traces:
                return True
            return f"series {sorted(names)}, {len(ids)} trace ids, {len(ids - traces)} not in the log"

        wait_until("Prometheus stores the exemplars", exemplars, 20)
        failed = exposition()['accesslog_remote_write_requests_total{result="failed"}']
        if failed:
            fail(f"Prometheus refused {failed:.0f} requests: " + prom.proc.tail())
        print(f"{TAG}: {series} series stored with the exposition's values, job and instance "
              f"({instance}); exemplars with the log's trace ids", flush=True)

        # 2. An outage: the receiver stops, lines go on, the receiver comes back.
        def pushed(result):
            return exposition()[f'accesslog_remote_write_requests_total{{result="{result}"}}']

        prom.stop()
        down = time.time()
        with open(log, "a") as f:
            f.write(lines(700, 2000))
        wait_until("the exporter read the new lines", lambda: read_lines() == 2700 or read_lines(),
                   30)
        retried = pushed("retried")
        # Two whole snapshots queue (a snapshot: about one sample per line of the exposition).
        snapshot = len(exposition())
        wait_until("two snapshots queue while the receiver is down",
                   lambda: exposition()["accesslog_remote_write_queue_samples"] >= 2 * snapshot
                   or exposition()["accesslog_remote_write_queue_samples"], 20)
        if pushed("retried") <= retried:
            fail("the pusher did not retry while the receiver was down")
        queued = exposition()["accesslog_remote_write_queue_samples"]
        prom.start()
        up = time.time()
        wait_until("Prometheus stores the exact totals after the outage", stored_equals_exposition,
                   30)
        # Samples collected while it was down were delivered from the queue.
        during = prom.query('accesslog_lines_total{result="parsed"}[10m]')
        stamps = [float(t) for r in during for t, _ in r["values"]]
        if not any(down + 0.5 < t < up - 0.5 for t in stamps):
            fail(f"no sample stamped during the outage ({down:.1f}-{up:.1f}): "
                 f"{[round(t, 1) for t in stamps]}")
        print(f"{TAG}: outage of {up - down:.1f} s: totals exact after it, "
              f"{queued:.0f} samples had queued", flush=True)

        # 3. A receiver answering 400, then 429 with Retry-After; the section changed by reload.
        receiver = Receiver()
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        write_config(f"  url: http://127.0.0.1:{receiver.server_address[1]}/push\n"
                     "  headers: {X-Scope-OrgID: tenant-1}\n")
        before = exposition()
        ex.p.send_signal(signal.SIGHUP)
        wait_until("the reloaded pusher sends to the 400 receiver",
                   lambda: receiver.count() >= 3 or receiver.count(), 20)
        prom.stop()
        procs.remove(prom)
        received = receiver.count()
        now = exposition()
        failed = now['accesslog_remote_write_requests_total{result="failed"}'] - before[
            'accesslog_remote_write_requests_total{result="failed"}']
        dropped = now['accesslog_remote_write_samples_total{result="dropped"}'] - before[
            'accesslog_remote_write_samples_total{result="dropped"}']
        retried = now['accesslog_remote_write_requests_total{result="retried"}'] - before[
            'accesslog_remote_write_requests_total{result="retried"}']
        # Each request once: the exporter's count, read after the receiver's, may be one
        # ahead of it (a request sent in between), never behind but for one in flight.
        if not received - 1 <= failed <= received + 1 or failed < 2 or retried != 0 or \
                dropped <= 0:
            fail(f"400: {received} requests received, {failed:.0f} failed, {retried:.0f} "
                 f"retried, {dropped:.0f} samples dropped")
        headers = receiver.requests[0][1]
        want = {"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
                "X-Prometheus-Remote-Write-Version": "0.1.0", "X-Scope-OrgID": "tenant-1"}
        got = {k: headers.get(k) for k in want}
        if got != want:
            fail(f"headers: {got}")
        print(f"{TAG}: 400: {failed:.0f} requests failed once each, {dropped:.0f} samples dropped",
              flush=True)
        with receiver.lock:
            receiver.first_429 = len(receiver.requests)
            receiver.mode = "429"
        wait_until("the request refused with 429 comes again",
                   lambda: receiver.count() >= receiver.first_429 + 2 or receiver.count(), 20)
        gap = receiver.requests[receiver.first_429 + 1][0] - receiver.requests[receiver.first_429][0]
        if gap < 1.9:
            fail(f"429 with Retry-After: 2 was sent again after {gap:.2f} s")
        print(f"{TAG}: 429: sent again after {gap:.2f} s (Retry-After: 2)", flush=True)
        receiver.shutdown()

        # 4. HTTPS and basic auth against Prometheus' own web config.
        tls_dir = os.path.join(work, "tls")
        os.mkdir(tls_dir)
        try:
            make_test_certs(tls_dir)
        except RuntimeError as e:
            fail(str(e))
        web = os.path.join(tls_dir, "web.yml")
        with open(web, "w") as f:
            f.write(f"tls_server_config:\n  cert_file: {tls_dir}/server.crt\n"
                    f"  key_file: {tls_dir}/server.key\n"
                    f"basic_auth_users:\n  pusher: '{BCRYPT}'\n")
        with open(os.path.join(tls_dir, "password"), "w") as f:
            f.write(PASSWORD + "\n")
        secure = Prometheus(work, "secure", web_config=web)
        secure.context = ssl.create_default_context(cafile=os.path.join(tls_dir, "ca.crt"))
        secure.headers = {"Authorization": "Basic " + base64.b64encode(
            f"pusher:{PASSWORD}".encode()).decode()}
        secure.start()
        procs.append(secure)
        write_config(f"  url: {secure.write_url()}\n"
                     f"  basic_auth: {{username: pusher, password_file: {tls_dir}/password}}\n"
                     f"  tls: {{ca_file: {tls_dir}/ca.crt}}\n")
        ex.p.send_signal(signal.SIGHUP)

        def stored_over_tls():
            r = secure.query('sum(accesslog_lines_total{job="accesslog_exporter"})')
            return bool(r) and float(r[0]["value"][1]) == 2700 or r

        wait_until("the HTTPS Prometheus with basic auth stores the pushes", stored_over_tls, 30)
        print(f"{TAG}: HTTPS and basic auth: stored", flush=True)
        ex.stop()
        if ex.p.returncode != 0:
            fail(f"the exporter exited {ex.p.returncode}: " + ex.tail())
    finally:
        if receiver:
            receiver.server_close()
        for p in procs:
            p.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{TAG}: passed in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
