#!/usr/bin/env python3
"""A real Prometheus (Debian 2.42) reads the exporter's native histograms:

    python3 tests/e2e/prometheus_native_test.py PATH/TO/accesslog_exporter

The exporter, with histograms.native on (schema 3), reads a generated nginx log with request
times to its end. A Prometheus started with --enable-feature=native-histograms scrapes it
(protobuf, which it asks for first) every second. Then, for each status class in the log:
the stored series is a native histogram whose bucket bounds grow by 2^(1/8); histogram_count
and histogram_sum equal the count and sum computed from the log; histogram_quantile at 0.5,
0.9 and 0.99 lies within the schema's error bound of the quantile computed from the log: in
the bucket (a factor 2^(1/8) wide) that holds it. Every loop is bounded; every process is stopped by PID;
loopback only. Exit 0 passed, 1 failed.
"""

import json
import math
import os
import random
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prometheus_formats_test import FORMAT, Proc, free_port, get  # noqa: E402

TAG = "prometheus_native_test"
SCHEMA = 3
BASE = 2 ** (2 ** -SCHEMA)


def fail(msg):
    print(f"{TAG}: FAIL: {msg}", flush=True)
    sys.exit(1)


def true_quantile(values, q):
    """The value at rank ceil(q*n) of the sorted values: the bucket Prometheus interpolates in
    (the first whose cumulative count reaches q*n) holds it."""
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def main():
    exporter = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="accesslog-native.")
    rng = random.Random(18)
    lines = []
    times = {"2xx": [], "5xx": []}
    for i in range(4000):
        code = rng.choice([200, 200, 200, 201, 500, 503])
        # Log-normal around 40 ms (2xx) and 400 ms (5xx), in nginx's millisecond resolution;
        # never 0, so no quantile falls in the zero bucket.
        rt = max(0.001, round(rng.lognormvariate(math.log(0.04 if code < 500 else 0.4), 1.2), 3))
        times["2xx" if code < 500 else "5xx"].append(rt)
        lines.append(f'192.0.2.{i % 250} - - [01/Dec/2026:10:00:00 +0000] "GET /v1/items/{i} '
                     f'HTTP/1.1" {code} {rng.randint(0, 50000)} "-" "curl/8" rt={rt:.3f} '
                     f'urt="{rt * 0.8:.3f}"')
    log = os.path.join(work, "access.log")
    with open(log, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(work, "config.yaml"), "w") as f:
        f.write(f"sources:\n  - name: api\n    files: [{log}]\n    format: '{FORMAT}'\n"
                f"histograms:\n  native: {{schema: {SCHEMA}}}\ntail:\n  from: start\n")
    port = free_port()
    pport = free_port()
    ex = Proc([exporter, "--config.file=" + os.path.join(work, "config.yaml"),
               f"--web.listen-address=127.0.0.1:{port}"], os.path.join(work, "exporter.log"))
    procs = [ex]
    try:
        with open(os.path.join(work, "prometheus.yml"), "w") as f:
            f.write("global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                    "scrape_configs:\n  - job_name: accesslog\n"
                    f"    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n")
        prom = Proc(["prometheus", "--config.file=" + os.path.join(work, "prometheus.yml"),
                     "--storage.tsdb.path=" + os.path.join(work, "data"),
                     f"--web.listen-address=127.0.0.1:{pport}",
                     "--enable-feature=native-histograms"], os.path.join(work, "prometheus.log"))
        procs.append(prom)
        api = f"http://127.0.0.1:{pport}/api/v1"

        def query(q):
            return json.loads(get(f"{api}/query?query=" + urllib.parse.quote(q)))["data"]["result"]

        name = "accesslog_http_request_duration_seconds"
        want = len(lines)
        deadline = time.monotonic() + 60
        got = None
        while time.monotonic() < deadline:
            try:
                got = query(f"sum(histogram_count({name}))")
                if got and float(got[0]["value"][1]) == want:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            fail(f"Prometheus did not store the {want} observations as a native histogram: "
                 f"{got}; " + open(prom.log).read()[-2000:])

        for cls, values in times.items():
            sel = f'{name}{{class="{cls}"}}'
            stored = query(sel)
            if len(stored) != 1 or "histogram" not in stored[0]:
                fail(f"{cls}: not one native histogram series: {stored}")
            buckets = stored[0]["histogram"][1]["buckets"]
            # [boundary rule, lower, upper, count]; the zero bucket (if any) is the one at 0.
            ratios = [float(b[2]) / float(b[1]) for b in buckets if float(b[1]) > 0]
            if not ratios or any(abs(r - BASE) > 1e-9 for r in ratios):
                fail(f"{cls}: bucket bounds do not grow by 2^(1/8): {buckets[:3]}")
            count = float(query(f"histogram_count({sel})")[0]["value"][1])
            total = float(query(f"histogram_sum({sel})")[0]["value"][1])
            if count != len(values):
                fail(f"{cls}: histogram_count {count}, the log has {len(values)}")
            if abs(total - sum(values)) > 1e-9 * sum(values):
                fail(f"{cls}: histogram_sum {total}, the log sums to {sum(values)}")
            for q in (0.5, 0.9, 0.99):
                est = float(query(f"histogram_quantile({q}, {sel})")[0]["value"][1])
                exact = true_quantile(values, q)
                # The schema's error bound: the estimate is inside the bucket that holds the
                # log's quantile, (upper / 2^(1/8), upper] with upper = 2^(ceil(8 log2 v) / 8).
                upper = 2 ** (math.ceil(math.log2(exact) * 2 ** SCHEMA - 1e-9) / 2 ** SCHEMA)
                lower = upper / BASE
                if not lower * (1 - 1e-9) <= est <= upper * (1 + 1e-9):
                    fail(f"{cls}: histogram_quantile({q}) = {est}, outside the bucket "
                         f"({lower}, {upper}] of the log's {exact}")
                print(f"{TAG}: {cls} q{q}: Prometheus {est:.4f}, log {exact:.4f}", flush=True)
            print(f"{TAG}: {cls}: {len(buckets)} native buckets, count {count:.0f} and sum "
                  f"{total:.3f} as in the log", flush=True)
    finally:
        for p in procs:
            p.stop()
    print(f"{TAG}: passed")


if __name__ == "__main__":
    main()
