#!/usr/bin/env python3
"""Hostile connections against the real binary (issue #20): the endpoint must keep answering.

    python3 tests/load/connections_test.py PATH/TO/accesslog_exporter [--tls] [--sanitized]
        [--idle 1000] [--slow 200] [--kept 50] [--scrapes 50]

Phase "held": the exporter runs with a long --web.header-timeout so that nothing is timed out
while the test holds, all at once, IDLE connections that send nothing, SLOW connections that send
a request head one byte a second and never finish it, and KEPT clients that finished a request
and keep their connection open; with --tls the idle ones never send a ClientHello, the slow ones
stop halfway through a real ClientHello, and a flood of full TLS handshakes runs beside them.
Meanwhile SCRAPES scrapes of /metrics and as many /-/healthy probes, each from a new client,
must all answer 200 within the client's timeout. Latency (p50/p99/max) is printed, never
asserted tighter than that timeout (the machine is shared). Asserted too: the exporter's thread
count does not grow; its RSS grows by at most a few KiB per connection and comes back once they
are closed (plain HTTP, and not under the sanitizers, which change every allocation); the
self-metric accesslog_web_connections_open saw them all.

Phase "cap": with --web.max-connections=100, 150 idle connections and then a scrape: the scrape
is answered, idle connections were closed to make room (reason="evicted").

Phase "deadlines": with --web.header-timeout=1s and --web.idle-timeout=2s, a slow head, a silent
connection and a kept-alive one are each closed by the server and counted by reason.

Every loop is bounded in time and count; every process started is stopped by PID; traffic goes
to 127.0.0.1 only. Exit 0 passed, 1 failed.
"""

import argparse
import http.client
import os
import resource
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import exporter as harness  # noqa: E402

TAG = "connections_test"
LINE = ('192.0.2.{i} - - [01/Dec/2026:10:00:00 +0000] "GET /v1/items/{i} HTTP/1.1" {code} 512 '
        '"-" "curl/8.0"\n')


def fail(msg):
    print(f"{TAG}: FAIL: {msg}", flush=True)
    sys.exit(1)


def status_field(pid, name):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return -1


class Exporter(harness.Exporter):
    def __init__(self, binary, work, args, tls_dir=None):
        self.work = work
        self.tls_dir = tls_dir
        args = ["--log.file=" + os.path.join(work, "access.log"), "--tail.from=start"] + args
        if tls_dir:
            args.append("--web.config.file=" + os.path.join(tls_dir, "web.yml"))
        try:
            super().__init__(binary, args, os.path.join(work, "stderr"))
        except harness.ExporterError as e:
            fail(str(e))
        self.proc = self.p

    def log(self):
        return self.text()

    def context(self):
        ctx = ssl.create_default_context(cafile=os.path.join(self.tls_dir, "ca.crt"))
        return ctx

    def connection(self, timeout):
        if self.tls_dir:
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=self.context())
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def get(self, path, timeout=10):
        c = self.connection(timeout)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read().decode("utf-8", "replace")
        finally:
            c.close()

    def sample(self, text, name):
        total = None
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                total = (total or 0) + float(line.rsplit(" ", 1)[1])
        return total

    def metric(self, name):
        status, body = self.get("/metrics")
        if status != 200:
            fail(f"/metrics answered {status}")
        return self.sample(body, name)

    def stop(self):
        rc = super().stop(timeout=20)
        if rc is None:
            fail("the exporter did not stop within 20 s of SIGTERM")
        if rc != 0:
            fail(f"the exporter exited {rc} on SIGTERM: " + self.log()[-2000:])


def make_certs(d):
    try:
        harness.make_test_certs(d)
    except RuntimeError as e:
        fail(str(e))
    with open(os.path.join(d, "web.yml"), "w") as f:
        f.write("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n")


def client_hello():
    """The first flight of a real TLS client (Python's OpenSSL), without a socket."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def connect(port, n, timeout=10):
    out = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        out.append(s)
    return out


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def phase_held(binary, work, tls_dir, a):
    ex = Exporter(binary, work, ["--web.header-timeout=10m", "--web.idle-timeout=10m"], tls_dir)
    try:
        status, _ = ex.get("/metrics")  # warm up: the first render, TLS context, allocator
        if status != 200:
            fail(f"/metrics answered {status} before any hostile connection")
        time.sleep(0.5)
        base_rss = status_field(ex.proc.pid, "VmRSS")
        base_threads = status_field(ex.proc.pid, "Threads")

        idle = connect(ex.port, a.idle)
        slow = connect(ex.port, a.slow)
        hello = client_hello() if tls_dir else b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: "
        # With TLS, the slow ones stop halfway through a ClientHello; plain, they get the request
        # line and one header at once, then a byte a second (below).
        for s in slow:
            s.sendall(hello[: len(hello) // 2] if tls_dir else hello)
        kept = []
        for _ in range(a.kept):
            c = ex.connection(10)
            c.request("GET", "/metrics")
            r = c.getresponse()
            r.read()
            if r.status != 200:
                fail(f"a kept-alive client got {r.status}")
            kept.append(c)

        stop = threading.Event()
        errors = []

        def trickle():  # one byte a second on each slow connection, for as long as the phase
            for _ in range(600):
                if stop.wait(1):
                    return
                for s in slow:
                    try:
                        s.send(b"a")
                    except OSError as e:
                        errors.append(f"slow connection closed by the server: {e}")
                        return

        flood_count = [0]

        def flood():  # full TLS handshakes back to back, closed at once
            ctx = ex.context()
            for _ in range(100000):
                if stop.is_set():
                    return
                try:
                    with socket.create_connection(("127.0.0.1", ex.port), timeout=10) as raw:
                        with ctx.wrap_socket(raw, server_hostname="127.0.0.1"):
                            flood_count[0] += 1
                except OSError as e:
                    errors.append(f"a flood handshake failed: {e}")
                    return

        # TLS: the slow ones stay stalled mid-handshake while full handshakes flood in.
        threads = ([threading.Thread(target=flood) for _ in range(4)] if tls_dir
                   else [threading.Thread(target=trickle)])
        for t in threads:
            t.start()
        try:
            time.sleep(1.5)
            held_rss = status_field(ex.proc.pid, "VmRSS")
            held_threads = status_field(ex.proc.pid, "Threads")
            lat = {"/metrics": [], "/-/healthy": []}
            for i in range(a.scrapes):
                for path in lat:
                    t0 = time.monotonic()
                    try:
                        status, body = ex.get(path, timeout=10)
                    except OSError as e:
                        fail(f"scrape {i} of {path} got no answer within 10 s: {e}")
                    lat[path].append((time.monotonic() - t0) * 1000)
                    if status != 200:
                        fail(f"scrape {i} of {path} answered {status}")
                time.sleep(0.02)
            status, body = ex.get("/metrics")
            opened = ex.sample(body, "accesslog_web_connections_open")
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        if errors:
            fail(errors[0])
        held = a.idle + a.slow + a.kept
        kind = "TLS" if tls_dir else "plain"
        for path, v in lat.items():
            print(f"{TAG}: {kind}: {path} from a new client while {a.idle} idle, {a.slow} slow-"
                  f"{'handshake' if tls_dir else 'header'} and {a.kept} kept-alive connections "
                  f"are held{f' and {flood_count[0]} flood handshakes ran' if tls_dir else ''}: "
                  f"{len(v)} answered, p50 {percentile(v, 50):.1f} ms, p99 "
                  f"{percentile(v, 99):.1f} ms, max {max(v):.1f} ms", flush=True)
        if opened is None or opened < held:
            fail(f"accesslog_web_connections_open is {opened}, expected at least {held}")
        per_conn = (held_rss - base_rss) * 1024 / held
        print(f"{TAG}: {kind}: RSS {base_rss} KiB before, {held_rss} KiB with {held} connections "
              f"held ({per_conn:.0f} B per connection); threads {base_threads} -> {held_threads}",
              flush=True)
        if held_threads != base_threads:
            fail(f"the thread count grew with the connections: {base_threads} -> {held_threads}")
        if not a.sanitized and not tls_dir and per_conn > 8 * 1024:
            fail(f"{per_conn:.0f} bytes of RSS per open connection (at most 8 KiB expected)")

        for s in idle + slow:
            s.close()
        for c in kept:
            c.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if (ex.metric("accesslog_web_connections_open") or 0) <= 1:
                break
            time.sleep(0.2)
        else:
            fail("the server did not notice the closed connections within 20 s")
        # The housekeeping gives freed memory back every 5 s once many connections closed; what
        # stays is kept for the next connections (Asio pools each socket's reactor state), so a
        # second round of the same connections must not grow the RSS. Waits (at most 6 s) until
        # the housekeeping has given memory back, for the figure printed.
        deadline = time.monotonic() + 6
        after_rss = status_field(ex.proc.pid, "VmRSS")
        while time.monotonic() < deadline and after_rss >= held_rss:
            time.sleep(0.2)
            after_rss = status_field(ex.proc.pid, "VmRSS")
        again = connect(ex.port, a.idle + a.slow + a.kept)
        time.sleep(1)
        again_rss = status_field(ex.proc.pid, "VmRSS")
        for s in again:
            s.close()
        print(f"{TAG}: {kind}: RSS {after_rss} KiB after the connections closed, {again_rss} KiB "
              f"with {held} new ones held", flush=True)
        if not a.sanitized and not tls_dir and again_rss > held_rss + 512:
            fail(f"a second round of {held} connections grew the RSS from {held_rss} to "
                 f"{again_rss} KiB: memory is not reused")
    finally:
        ex.stop()


def phase_cap(binary, work, tls_dir):
    ex = Exporter(binary, work, ["--web.max-connections=100", "--web.header-timeout=10m"],
                  tls_dir)
    try:
        idle = connect(ex.port, 150)
        time.sleep(0.5)
        status, body = ex.get("/metrics")
        if status != 200:
            fail(f"at the cap, /metrics answered {status}")
        evicted = ex.sample(body, 'accesslog_web_connections_closed_total{reason="evicted"}')
        opened = ex.sample(body, "accesslog_web_connections_open")
        print(f"{TAG}: cap 100, 150 idle connections then a scrape: answered, {evicted:.0f} "
              f"evicted, {opened:.0f} open", flush=True)
        if evicted is None or evicted < 50:
            fail(f"expected at least 50 idle connections evicted at the cap, got {evicted}")
        if opened is None or opened > 100:
            fail(f"{opened} connections open with a cap of 100")
        for s in idle:
            s.close()
    finally:
        ex.stop()


def closed_by_server(s, within):
    s.settimeout(within)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def phase_deadlines(binary, work, tls_dir):
    ex = Exporter(binary, work, ["--web.header-timeout=1s", "--web.idle-timeout=2s"], tls_dir)
    try:
        silent = socket.create_connection(("127.0.0.1", ex.port), timeout=10)
        slow = socket.create_connection(("127.0.0.1", ex.port), timeout=10)
        slow.sendall(client_hello()[:20] if tls_dir else b"GET /metrics HTTP/1.1\r\n")
        kept = ex.connection(10)
        kept.request("GET", "/-/healthy")
        kept.getresponse().read()
        t0 = time.monotonic()
        if not closed_by_server(silent, 10):
            fail("a connection that sent nothing was not closed within 10 s (header timeout 1s)")
        if not closed_by_server(slow, 10):
            fail("an unfinished request head was not closed within 10 s (header timeout 1s)")
        if not closed_by_server(kept.sock, 10):
            fail("a kept-alive connection was not closed within 10 s (idle timeout 2s)")
        took = time.monotonic() - t0
        status, body = ex.get("/metrics")
        header = ex.sample(body, 'accesslog_web_connections_closed_total{reason="header_timeout"}')
        idle = ex.sample(body, 'accesslog_web_connections_closed_total{reason="idle_timeout"}')
        print(f"{TAG}: deadlines: silent, slow and kept-alive connections closed in {took:.1f} s; "
              f"header_timeout {header:.0f}, idle_timeout {idle:.0f}", flush=True)
        if header is None or header < 2 or idle is None or idle < 1:
            fail(f"closed connections not counted: header_timeout={header}, idle_timeout={idle}")
    finally:
        ex.stop()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("exporter")
    p.add_argument("--tls", action="store_true")
    p.add_argument("--sanitized", action="store_true",
                   help="the binary is built with sanitizers: RSS is printed, not asserted")
    p.add_argument("--idle", type=int, default=1000)
    p.add_argument("--slow", type=int, default=200)
    p.add_argument("--kept", type=int, default=50)
    p.add_argument("--scrapes", type=int, default=50)
    a = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = a.idle + a.slow + a.kept + 256
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(need, soft)), hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < need:
        fail(f"this test needs {need} descriptors; the hard limit is {hard}")
    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, "access.log"), "w") as f:
            for i in range(200):
                f.write(LINE.format(i=i % 250, code=(200, 404, 429, 503)[i % 4]))
        tls_dir = None
        if a.tls:
            tls_dir = os.path.join(work, "tls")
            os.mkdir(tls_dir)
            make_certs(tls_dir)
        phase_held(a.exporter, work, tls_dir, a)
        phase_cap(a.exporter, work, tls_dir)
        phase_deadlines(a.exporter, work, tls_dir)
    print(f"{TAG}: passed", flush=True)


if __name__ == "__main__":
    main()
