#!/usr/bin/env python3
"""A real Prometheus (Debian) scrapes the exporter in each exposition format it negotiates:

    python3 tests/e2e/prometheus_formats_test.py PATH/TO/accesslog_exporter

The exporter reads a log with request and upstream times (nginx log_format) to its end. Then a
Prometheus started with its defaults (it asks for OpenMetrics first) and one started with
--enable-feature=native-histograms (it asks for protobuf first) each scrape it every second. For
each: the scrape is healthy (up == 1, no error), the exporter says it served that format
(accesslog_web_scrapes_total{format}), and every sample of every accesslog_* series Prometheus
stored equals the exporter's own text exposition (counters, gauges, histogram buckets, counts
and sums), so the three writers agree on every value. Every loop is bounded; every process is
stopped by PID; loopback only. Exit 0 passed, 1 failed.
"""

import json
import os
import random
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from exporter import Exporter, ExporterError, Proc, free_port, get  # noqa: E402

TAG = "prometheus_formats_test"
FORMAT = ('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
          '"$http_referer" "$http_user_agent" rt=$request_time urt="$upstream_response_time"')


def fail(msg):
    print(f"{TAG}: FAIL: {msg}", flush=True)
    sys.exit(1)


def parse_text(text):
    """{series: value} of a text 0.0.4 exposition, series as Prometheus prints them."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        out[series] = float(value)
    return out


def canonical(metric):
    name = metric.pop("__name__")
    labels = ",".join(f'{k}="{v}"' for k, v in sorted(metric.items()))
    return f"{name}{{{labels}}}" if labels else name


def canonical_text(series):
    if "{" not in series:
        return series
    name, rest = series.split("{", 1)
    pairs = []
    for part in rest[:-1].split('",'):
        k, v = part.split('="', 1)
        pairs.append((k, v.rstrip('"')))
    return f"{name}{{" + ",".join(f'{k}="{v}"' for k, v in sorted(pairs)) + "}"


def le_canonical(series):
    # Prometheus stores le as the exposition wrote it: OpenMetrics "1.0", text "1".
    if 'le="' not in series:
        return series
    head, rest = series.split('le="', 1)
    value, tail = rest.split('"', 1)
    if value not in ("+Inf",):
        value = repr(float(value))
    return f'{head}le="{value}"{tail}'


def main():
    exporter = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="accesslog-formats.")
    rng = random.Random(7)
    lines = []
    for i in range(3000):
        code = rng.choice([200, 200, 200, 201, 404, 429, 500, 503, 302])
        method = rng.choice(["GET", "GET", "POST", "PUT"])
        rt = rng.expovariate(20)
        lines.append(f'192.0.2.{i % 250} - - [01/Dec/2026:10:00:00 +0000] "{method} /v1/items/{i} '
                     f'HTTP/1.1" {code} {rng.randint(0, 50000)} "-" "curl/8" rt={rt:.3f} '
                     f'urt="{rt * 0.8:.3f}"')
    log = os.path.join(work, "access.log")
    with open(log, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(work, "config.yaml"), "w") as f:
        f.write(f"sources:\n  - name: api\n    files: [{log}]\n    format: '{FORMAT}'\n"
                "labels:\n  method: true\ntail:\n  from: start\n")
    try:
        ex = Exporter(exporter, ["--config.file=" + os.path.join(work, "config.yaml")],
                      os.path.join(work, "exporter.log"))
    except ExporterError as e:
        fail(str(e))
    port = ex.port
    procs = [ex]
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                text = get(f"http://127.0.0.1:{port}/metrics")
                if sum(v for k, v in parse_text(text).items()
                       if k.startswith("accesslog_lines_total")) >= len(lines):
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            fail("the exporter did not count the log")

        for mode, flags, fmt in (("default", [], "openmetrics"),
                                 ("native-histograms", ["--enable-feature=native-histograms"],
                                  "protobuf")):
            pport = free_port()  # Prometheus cannot say which port it bound: picked free
            pdir = os.path.join(work, mode)
            os.mkdir(pdir)
            with open(os.path.join(pdir, "prometheus.yml"), "w") as f:
                f.write("global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                        "scrape_configs:\n  - job_name: accesslog\n"
                        f"    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n")
            prom = Proc(["prometheus", "--config.file=" + os.path.join(pdir, "prometheus.yml"),
                         "--storage.tsdb.path=" + os.path.join(pdir, "data"),
                         f"--web.listen-address=127.0.0.1:{pport}"] + flags,
                        os.path.join(pdir, "prometheus.log"))
            procs.append(prom)
            api = f"http://127.0.0.1:{pport}/api/v1"

            def query(q):
                return json.loads(get(f"{api}/query?query=" + urllib.parse.quote(q)))["data"][
                    "result"]

            deadline = time.monotonic() + 60
            up = []
            while time.monotonic() < deadline:
                try:
                    up = query('up{job="accesslog"}')
                    if up and up[0]["value"][1] == "1" and query("accesslog_lines_total"):
                        break
                except OSError:
                    pass
                time.sleep(0.5)
            else:
                fail(f"{mode}: Prometheus did not scrape the exporter: {up}; "
                     + open(prom.log).read()[-2000:])
            targets = json.loads(get(f"{api}/targets"))["data"]["activeTargets"]
            if targets[0]["lastError"]:
                fail(f"{mode}: scrape error: {targets[0]['lastError']}")
            # The stored samples against the exporter's own text exposition (the log is read to
            # its end, so the accesslog_http_* and line counters no longer move).
            ours = {le_canonical(canonical_text(k)): v
                    for k, v in parse_text(get(f"http://127.0.0.1:{port}/metrics")).items()
                    if k.startswith(("accesslog_http_", "accesslog_lines_total",
                                     "accesslog_bytes_read_total", "accesslog_status_code_info"))}
            stored = {}
            for r in query('{__name__=~"accesslog_http_.*|accesslog_lines_total|'
                           'accesslog_bytes_read_total|accesslog_status_code_info",'
                           'job="accesslog"}'):
                m = dict(r["metric"])
                m.pop("job")
                m.pop("instance")
                stored[le_canonical(canonical(m))] = float(r["value"][1])
            # OpenMetrics' _created samples are stored as series of their own by this Prometheus:
            # they must be the exporter's start (within the test's run), and exist only there.
            created = {k: v for k, v in stored.items() if "_created" in k.split("{")[0]}
            for k in created:
                del stored[k]
            if fmt == "openmetrics" and not created:
                fail("default: no _created series from the OpenMetrics scrape")
            bad = [k for k, v in created.items() if not time.time() - 600 < v <= time.time()]
            if bad:
                fail(f"{mode}: _created not the exporter's start: {bad[:3]}")
            missing = sorted(set(ours) - set(stored))
            extra = sorted(set(stored) - set(ours))
            # Text writes 16 significant digits; protobuf carries the double whole.
            wrong = sorted(k for k in set(ours) & set(stored)
                           if abs(ours[k] - stored[k]) > 1e-12 * max(1.0, abs(ours[k])))
            if missing or extra or wrong:
                fail(f"{mode}: {len(missing)} series missing (e.g. {missing[:3]}), {len(extra)} "
                     f"extra (e.g. {extra[:3]}), {len(wrong)} with other values (e.g. "
                     f"{[(k, ours[k], stored[k]) for k in wrong[:3]]})")
            served = query(f'accesslog_web_scrapes_total{{format="{fmt}"}}')
            if not served or float(served[0]["value"][1]) < 1:
                fail(f"{mode}: the exporter served no {fmt} scrape: {served}")
            print(f"{TAG}: {mode}: Prometheus scraped {fmt}; {len(ours)} accesslog series "
                  f"stored with the exporter's values ({len(created)} _created series)",
                  flush=True)
            prom.stop()
            procs.remove(prom)
    finally:
        for p in procs:
            p.stop()
    print(f"{TAG}: passed")


if __name__ == "__main__":
    main()
