#!/usr/bin/env python3
"""A real Prometheus (Debian 2.42) reads the exporter's native histograms and exemplars:

    python3 tests/e2e/prometheus_native_test.py PATH/TO/accesslog_exporter

The exporter, with histograms.native on (schema 3), reads a generated nginx log with request
times to its end. A Prometheus started with --enable-feature=native-histograms scrapes it
(protobuf, which it asks for first) every second. Then, for each status class in the log:
the stored series is a native histogram whose bucket bounds grow by 2^(1/8); histogram_count
and histogram_sum equal the count and sum computed from the log; histogram_quantile at 0.5,
0.9 and 0.99 lies within the schema's error bound of the quantile computed from the log: in
the bucket (a factor 2^(1/8) wide) that holds it.

The log's lines carry a W3C traceparent ($http_traceparent, the source's exemplars.trace_id)
most of the time. A second Prometheus, with --enable-feature=exemplar-storage (it scrapes
OpenMetrics), returns through /api/v1/query_exemplars trace ids that are in the log, each on
the right series: accesslog_http_responses_total of the line's code, and the request-duration
bucket its time fell in (the lowest le at or above it), with the line's time as the value.
The dashboards' latency query (classic buckets `or` the native histogram) gives the native
quantile on the first Prometheus and the classic one on the second.
Every loop is bounded; every process is stopped by PID; loopback only. Exit 0 passed, 1 failed.
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
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from exporter import Exporter, ExporterError, Proc, free_port, get  # noqa: E402
from prometheus_formats_test import FORMAT  # noqa: E402

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


def start_prometheus(work, name, port, target_port, feature):
    pdir = os.path.join(work, name)
    os.mkdir(pdir)
    with open(os.path.join(pdir, "prometheus.yml"), "w") as f:
        f.write("global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                "scrape_configs:\n  - job_name: accesslog\n"
                f"    static_configs: [{{targets: ['127.0.0.1:{target_port}']}}]\n")
    return Proc(["prometheus", "--config.file=" + os.path.join(pdir, "prometheus.yml"),
                 "--storage.tsdb.path=" + os.path.join(pdir, "data"),
                 f"--web.listen-address=127.0.0.1:{port}", f"--enable-feature={feature}"],
                os.path.join(pdir, "prometheus.log"))


def api_get(port, path, **params):
    url = f"http://127.0.0.1:{port}/api/v1/{path}?" + urllib.parse.urlencode(params)
    return json.loads(get(url))["data"]


def main():
    exporter = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="accesslog-native.")
    rng = random.Random(18)
    lines = []
    times = {"2xx": [], "5xx": []}
    traces = {}  # trace id -> (code, request time)
    for i in range(4000):
        code = rng.choice([200, 200, 200, 201, 500, 503])
        # Log-normal around 40 ms (2xx) and 400 ms (5xx), in nginx's millisecond resolution;
        # never 0, so no quantile falls in the zero bucket.
        rt = max(0.001, round(rng.lognormvariate(math.log(0.04 if code < 500 else 0.4), 1.2), 3))
        times["2xx" if code < 500 else "5xx"].append(rt)
        tp = "-"
        if i % 10 != 0:  # most lines are traced
            trace = f"{rng.getrandbits(128):032x}"
            traces[trace] = (code, rt)
            tp = f"00-{trace}-{rng.getrandbits(64):016x}-01"
        lines.append(f'192.0.2.{i % 250} - - [01/Dec/2026:10:00:00 +0000] "GET /v1/items/{i} '
                     f'HTTP/1.1" {code} {rng.randint(0, 50000)} "-" "curl/8" rt={rt:.3f} '
                     f'urt="{rt * 0.8:.3f}" tp={tp}')
    log = os.path.join(work, "access.log")
    with open(log, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(work, "config.yaml"), "w") as f:
        f.write(f"sources:\n  - name: api\n    files: [{log}]\n"
                f"    format: '{FORMAT} tp=$http_traceparent'\n"
                "    exemplars: {trace_id: $http_traceparent}\n"
                f"histograms:\n  native: {{schema: {SCHEMA}}}\ntail:\n  from: start\n")
    try:
        ex = Exporter(exporter, ["--config.file=" + os.path.join(work, "config.yaml")],
                      os.path.join(work, "exporter.log"))
    except ExporterError as e:
        fail(str(e))
    port = ex.port
    nport = free_port()  # Prometheus cannot say which port it bound: picked free
    eport = free_port()
    procs = [ex]
    try:
        native = start_prometheus(work, "native", nport, port, "native-histograms")
        procs.append(native)
        exemplars = start_prometheus(work, "exemplars", eport, port, "exemplar-storage")
        procs.append(exemplars)

        def query(q, p=nport):
            return api_get(p, "query", query=q)["result"]

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
                 f"{got}; " + open(native.log).read()[-2000:])

        # Both scrape cleanly (the exemplar one scrapes OpenMetrics with exemplars).
        for p, fmt in ((nport, "protobuf"), (eport, "openmetrics")):
            deadline = time.monotonic() + 20
            target = api_get(p, "targets")["activeTargets"][0]
            while target["health"] == "unknown" and time.monotonic() < deadline:
                time.sleep(0.5)
                target = api_get(p, "targets")["activeTargets"][0]
            if target["health"] != "up" or target["lastError"]:
                fail(f"{fmt} scrape: {target['health']} {target['lastError']}")
            served = query(f'accesslog_web_scrapes_total{{format="{fmt}"}}', p)
            if not served or float(served[0]["value"][1]) < 1:
                fail(f"the exporter served no {fmt} scrape to that Prometheus: {served}")

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
            # The dashboards' latency query (dashboards/generate.py quantile_expr, here without
            # rate(): the log is read, the counters no longer move) serves either kind: on this
            # Prometheus it is the native quantile, on the classic one the classic quantile.
            either = (f'histogram_quantile(0.9, sum by (le) ({name}_bucket{{class="{cls}"}}) '
                      f'or sum({name}{{class="{cls}"}}))')
            native_q = float(query(f"histogram_quantile(0.9, {sel})")[0]["value"][1])
            classic_q = float(query(f'histogram_quantile(0.9, sum by (le) ({name}_bucket'
                                    f'{{class="{cls}"}}))', eport)[0]["value"][1])
            got_native = float(query(either)[0]["value"][1])
            got_classic = float(query(either, eport)[0]["value"][1])
            if got_native != native_q or got_classic != classic_q:
                fail(f"{cls}: the dashboards' query gives {got_native} (native {native_q}) and "
                     f"{got_classic} (classic {classic_q})")
            print(f"{TAG}: {cls}: {len(buckets)} native buckets, count {count:.0f} and sum "
                  f"{total:.3f} as in the log", flush=True)

        # Exemplars, from the OpenMetrics scrapes of the second Prometheus.
        checked = {"responses": 0, "buckets": 0}
        deadline = time.monotonic() + 30
        found = []
        while time.monotonic() < deadline:
            try:
                now = time.time()
                found = api_get(eport, "query_exemplars",
                                query='{__name__=~"accesslog_http_responses_total|'
                                      'accesslog_http_request_duration_seconds_bucket"}',
                                start=now - 300, end=now + 60)
                if any(f["seriesLabels"]["__name__"].endswith("_bucket") for f in found) and \
                        any(f["seriesLabels"]["__name__"].endswith("_total") for f in found):
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            fail(f"no exemplars from the exemplar-storage Prometheus: {found}; "
                 + open(exemplars.log).read()[-2000:])
        for series in found:
            labels = series["seriesLabels"]
            # Kept as the last one seen: the newest exemplar of a response counter is the last
            # traced line of its code (the log was read to its end before these scrapes).
            if labels["__name__"] == "accesslog_http_responses_total":
                last = [t for t, (c, _) in traces.items() if str(c) == labels["code"]][-1]
                newest = series["exemplars"][-1]["labels"]["trace_id"]
                if newest != last:
                    fail(f"{labels}: newest exemplar {newest}, the log's last is {last}")
            for e in series["exemplars"]:
                trace = e["labels"].get("trace_id")
                if trace not in traces:
                    fail(f"exemplar {e} on {labels}: not a trace id of the log")
                code, rt = traces[trace]
                if labels["__name__"] == "accesslog_http_responses_total":
                    if labels["code"] != str(code) or float(e["value"]) != 1:
                        fail(f"exemplar {e} on {labels}: the line has code {code}")
                    checked["responses"] += 1
                    continue
                le = float(labels["le"])
                bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, math.inf]
                fell = next(b for b in bounds if rt <= b)
                if labels["class"] != ("2xx" if code < 500 else "5xx") or le != fell or \
                        abs(float(e["value"]) - rt) > 1e-9:
                    fail(f"exemplar {e} on {labels}: the line has code {code}, time {rt} "
                         f"(bucket le={fell})")
                checked["buckets"] += 1
        print(f"{TAG}: exemplars: {checked['responses']} on response counters and "
              f"{checked['buckets']} on request-duration buckets, each a trace id of the log on "
              "the series of its line", flush=True)
    finally:
        for p in procs:
            p.stop()
    print(f"{TAG}: passed")


if __name__ == "__main__":
    main()
