#!/usr/bin/env python3
"""Deterministic generator of realistic HTTP access logs for the benchmarks (bench/README.md).

Two shapes, the same traffic model:

  timed  nginx "combined" plus timings, ~252 B/line:
           log_format timed '$remote_addr - $remote_user [$time_local] "$request" $status '
                            '$body_bytes_sent "$http_referer" "$http_user_agent" '
                            'rt=$request_time urt="$upstream_response_time"';
         (the plain `combined` parser reads the same file: it ignores what follows the agent)
  json   nginx JSON lines, ~443 B/line:
           log_format json escape=json '{"time_local":"$time_local","remote_addr":"$remote_addr",'
             '"request":"$request","request_method":"$request_method","request_uri":"$request_uri",'
             '"status":$status,"body_bytes_sent":$body_bytes_sent,"request_time":$request_time,'
             '"upstream_response_time":"$upstream_response_time","host":"$host",'
             '"http_user_agent":"$http_user_agent"}';

Traffic: an API behind nginx with some static files and the usual internet noise. About 1 % 429
(nginx limit_req: no upstream), 1.5 % 5xx (502 with upstream retries "0.004, 0.031", 504 after
the 60 s upstream timeout), 499, IPv4 and IPv6 clients, basic-auth users, user agents with
quotes (nginx writes them as \\x22 in text logs and \\" with escape=json), scanners (odd methods,
/.env, /wp-login.php) and TLS handshakes sent to the plain-HTTP port (400 with a binary request
line: \\xHH escapes in text logs; raw bytes >= 0x80 with escape=json, which makes those JSON lines
invalid UTF-8, as real nginx JSON logs are). A small share of lines is cut short (a writer that
died mid-line) and must be counted as malformed.

The output depends only on --seed and --lines (Python's Mersenne Twister through random() and
gauss(), whose sequences for an integer seed are stable across Python 3 versions). --totals writes what was
generated, so a run can check the exporter's counts against it (run_bench.sh --smoke).

  bench/gen_logs.py --shape timed --lines 1000000 --out /tmp/timed.log --totals /tmp/timed.json
"""

import argparse
import json
import math
import random
import sys
import time

# (code, weight per 10,000 lines, kind). kind decides timings and body sizes.
CODES = [
    (200, 7740, "ok"), (201, 180, "ok"), (204, 260, "empty"), (206, 15, "ok"),
    (301, 60, "redirect"), (302, 90, "redirect"), (304, 560, "notmod"),
    (400, 90, "client"), (401, 150, "client"), (403, 55, "client"), (404, 260, "client"),
    (405, 8, "client"), (409, 20, "client"), (413, 4, "client"), (422, 38, "client"),
    (429, 100, "limited"), (499, 30, "closed"),
    (500, 35, "error"), (502, 55, "badgw"), (503, 40, "error"), (504, 20, "timeout"),
]
# The remainder of 10,000 after the weights above is spent on the two kinds of noise below,
# which are also 400 or 404 responses.
TLS_PROBE_PER_10K = 4      # TLS ClientHello sent to port 80 -> 400, binary request line
SCANNER_PER_10K = 6        # /.env, /wp-login.php, PROPFIND ... -> 404/405

METHODS = [("GET", 0.72), ("POST", 0.14), ("PUT", 0.04), ("DELETE", 0.02), ("PATCH", 0.02),
           ("HEAD", 0.03), ("OPTIONS", 0.03)]

API_PATHS = [
    "/api/v1/users/{id}", "/api/v1/users/{id}/orders", "/api/v1/orders/{id}",
    "/api/v1/orders/{id}/items?expand=product&page={n}", "/api/v1/products?category={w}&page={n}",
    "/api/v1/products/{id}", "/api/v1/search?q={w}+{w}&limit=20", "/api/v1/cart",
    "/api/v2/accounts/{uuid}/invoices?from=2024-09-01&to=2024-09-30", "/api/v2/sessions",
    "/api/v1/auth/token", "/api/v1/health", "/api/v2/payments/{uuid}/capture",
    "/api/v1/notifications?since={id}&unread=true", "/graphql",
    "/api/v1/orders?status=open&sort=-created_at&page={n}&per_page=50",
    "/api/v2/accounts/{uuid}/subscriptions/{id}/usage?granularity=hour",
]
STATIC_PATHS = ["/static/js/app.{hex}.js", "/static/css/main.{hex}.css", "/favicon.ico",
                "/static/img/logo.svg", "/robots.txt", "/static/fonts/inter-var.woff2"]
SCANNER_PATHS = ["/.env", "/wp-login.php", "/.git/config", "/phpmyadmin/index.php",
                 "/cgi-bin/../../../../bin/sh", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
                 "/actuator/health", "/owa/auth/logon.aspx?url=%22%3E%3Cscript%3E"]
SCANNER_METHODS = ["GET", "GET", "POST", "PROPFIND", "CONNECT"]
WORDS = ["shoes", "red", "laptop", "coffee", "desk", "lamp", "phone", "case", "usb", "cable",
         "chair", "book", "garden", "kids", "sale"]

AGENTS = [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36", 0.30),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.4.1 Safari/605.1.15", 0.12),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.4 Mobile/15E148 Safari/604.1", 0.10),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", 0.07),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67", 0.07),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.6367.82 Mobile Safari/537.36", 0.12),
    ("okhttp/4.12.0", 0.05),
    ("MyShopApp/3.14.2 (Android 14; Pixel 8) okhttp/4.12.0", 0.06),
    ("python-requests/2.31.0", 0.04),
    ("Go-http-client/1.1", 0.03),
    ("curl/8.5.0", 0.02),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 0.04),
    ("Prometheus/2.51.0", 0.01),
    # A quote inside the user agent: the writer escapes it (\x22 or \").
    ('Mozilla/5.0 (compatible; "Monitor" probe/1.2; +https://status.example.net)', 0.02),
    ('Java/17.0.10 "internal-batch" client', 0.01),
]
REFERERS = ["", "", "", "https://app.example.com/", "https://app.example.com/dashboard",
            "https://www.google.com/", "https://app.example.com/checkout?step=2",
            'https://app.example.com/search?q="red shoes"']
USERS = ["alice", "bob", "svc-billing", "partner-acme"]
HOSTS = ["api.example.com", "api.example.com", "api.example.com", "app.example.com",
         "static.example.com"]


def cumulative(pairs):
    total, out = 0.0, []
    for _, w in pairs:
        total += w
        out.append(total)
    return [c / total for c in out]


class Gen:
    def __init__(self, seed, shape):
        self.r = random.Random(seed)
        self.shape = shape
        r = self.r
        self.code_table = []  # cumulative per 10k: (threshold, code, kind)
        acc = 0
        for code, w, kind in CODES:
            acc += w
            self.code_table.append((acc, code, kind))
        self.code_total = acc + TLS_PROBE_PER_10K + SCANNER_PER_10K
        self.method_cum = cumulative(METHODS)
        self.agent_cum = cumulative(AGENTS)
        # Client pools: 4,000 IPv4 and 800 IPv6 addresses; a few are busy.
        self.v4 = ["%d.%d.%d.%d" % (int(r.random() * 223) + 1, int(r.random() * 256),
                                    int(r.random() * 256), int(r.random() * 254) + 1)
                   for _ in range(4000)]
        self.v6 = ["2001:db8:%x:%x::%x" % (int(r.random() * 65536), int(r.random() * 65536),
                                           int(r.random() * 65535) + 1) for _ in range(700)]
        self.v6 += ["2a02:8108:%x:%x:%x:%x:%x:%x" % tuple(int(r.random() * 65536) for _ in range(6))
                    for _ in range(100)]
        self.t0 = 1728518400  # 2024-10-10T00:00:00Z
        self.clock = 0.0
        self.time_cache = (None, None)

    def pick(self, cum, items):
        x = self.r.random()
        for i, c in enumerate(cum):
            if x < c:
                return items[i][0]
        return items[-1][0]

    def time_local(self):
        self.clock += self.r.random() * 0.01  # ~200 lines per second
        sec = self.t0 + int(self.clock)
        if self.time_cache[0] != sec:
            self.time_cache = (sec, time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(sec)))
        return self.time_cache[1]

    def fill(self, template):
        r = self.r
        out = []
        for part in template.split("{"):
            if "}" not in part:
                out.append(part)
                continue
            key, rest = part.split("}", 1)
            if key == "id":
                out.append(str(int(10 ** (1 + r.random() * 6))))
            elif key == "n":
                out.append(str(1 + int(r.random() * 20)))
            elif key == "w":
                out.append(WORDS[int(r.random() * len(WORDS))])
            elif key == "uuid":
                h = "%032x" % int(r.random() * (1 << 53)) + "%032x" % int(r.random() * (1 << 53))
                h = h[-32:]
                out.append("%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:]))
            elif key == "hex":
                out.append("%08x" % int(r.random() * (1 << 32)))
            out.append(rest)
        return "".join(out)

    def duration(self, median, sigma):
        # Log-normal around `median` seconds, as nginx prints it (milliseconds).
        return median * math.exp(sigma * self.r.gauss(0, 1)) if sigma else median

    def line(self):
        """Returns (fields dict, kind) for one request."""
        r = self.r
        x = r.random() * self.code_total
        kind, code = None, None
        for threshold, c, k in self.code_table:
            if x < threshold:
                code, kind = c, k
                break
        if code is None:
            kind = "tls" if x < self.code_table[-1][0] + TLS_PROBE_PER_10K else "scanner"
        f = {}
        f["remote_addr"] = (self.v6[int(r.random() ** 2 * len(self.v6))] if r.random() < 0.15
                            else self.v4[int(r.random() ** 2 * len(self.v4))])
        f["remote_user"] = USERS[int(r.random() * len(USERS))] if r.random() < 0.03 else ""
        f["time_local"] = self.time_local()
        f["host"] = HOSTS[int(r.random() * len(HOSTS))]
        f["referer"] = REFERERS[int(r.random() * len(REFERERS))]
        f["agent"] = self.pick(self.agent_cum, AGENTS)
        upstream = True
        if kind == "tls":
            code = 400
            f["method"], f["uri"], f["proto"] = "", "", ""
            n = 24 + int(r.random() * 40)
            f["request_bytes"] = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03,
                                        0x03] + [int(r.random() * 256) for _ in range(n)])
            f["referer"], f["agent"] = "", ""
            upstream = False
            body = 157
            rt = r.random() * 0.2
        elif kind == "scanner":
            method = SCANNER_METHODS[int(r.random() * len(SCANNER_METHODS))]
            code = 405 if method in ("PROPFIND", "CONNECT") else 404
            f["method"], f["proto"] = method, "HTTP/1.1"
            f["uri"] = SCANNER_PATHS[int(r.random() * len(SCANNER_PATHS))]
            f["agent"] = "Mozilla/5.0 zgrab/0.x" if r.random() < 0.5 else ""
            upstream = False
            body = 153 + int(r.random() * 10)
            rt = 0.0
        else:
            static = r.random() < 0.12 and kind in ("ok", "notmod")
            method = "GET" if static else self.pick(self.method_cum, METHODS)
            f["method"] = method
            f["uri"] = self.fill(STATIC_PATHS[int(r.random() * len(STATIC_PATHS))] if static else
                                 API_PATHS[int(r.random() * len(API_PATHS))])
            f["proto"] = "HTTP/2.0" if r.random() < 0.6 else "HTTP/1.1"
            if static:
                upstream = False
            if kind == "ok":
                body = 0 if method == "HEAD" else int(self.duration(1800, 1.2))
                rt = self.duration(0.025, 0.9)
            elif kind == "empty":
                body, rt = 0, self.duration(0.015, 0.7)
            elif kind == "redirect":
                body, rt = 162, self.duration(0.004, 0.5)
            elif kind == "notmod":
                body, rt = 0, self.duration(0.003, 0.6)
            elif kind == "client":
                body, rt = 40 + int(r.random() * 200), self.duration(0.008, 0.8)
            elif kind == "limited":
                body, rt, upstream = 169, 0.0, False
            elif kind == "closed":
                body, rt = 0, self.duration(1.5, 1.0)
            elif kind == "error":
                body, rt = 120 + int(r.random() * 400), self.duration(0.3, 1.0)
            elif kind == "badgw":
                body, rt = 157, self.duration(0.05, 0.8)
            else:  # timeout
                body, rt = 167, 60.0 + r.random() * 0.05
        f["status"] = code
        f["body"] = body
        f["rt"] = "%.3f" % rt
        if not upstream:
            f["urt"] = "-"
        elif kind == "badgw" and r.random() < 0.5:
            # proxy_next_upstream retried: two upstreams, the second also failed
            a = rt * r.random()
            f["urt"] = "%.3f, %.3f" % (a, max(0.0, rt - a - 0.001))
        else:
            f["urt"] = "%.3f" % max(0.0, rt - r.random() * 0.002)
        return f, kind


def esc_text(s):
    """nginx's default log escaping: ", \\ and bytes < 0x20 or >= 0x7f as \\xHH."""
    if isinstance(s, str):
        s = s.encode()
    out = []
    for b in s:
        if b == 0x22 or b == 0x5C or b < 0x20 or b >= 0x7F:
            out.append("\\x%02X" % b)
        else:
            out.append(chr(b))
    return "".join(out)


def esc_json(s):
    """nginx escape=json: \" \\\\ and control bytes escaped; bytes >= 0x80 are written as is."""
    if isinstance(s, str):
        s = s.encode()
    out = bytearray()
    for b in s:
        if b == 0x22:
            out += b'\\"'
        elif b == 0x5C:
            out += b"\\\\"
        elif b < 0x20:
            out += b"\\u%04X" % b
        else:
            out.append(b)
    return bytes(out)


def dash(s):
    return s if s else "-"


def render_timed(f):
    if "request_bytes" in f:
        request = esc_text(f["request_bytes"])
    else:
        request = esc_text("%s %s %s" % (f["method"], f["uri"], f["proto"]))
    text = '%s - %s [%s] "%s" %d %d "%s" "%s" rt=%s urt="%s"\n' % (
        f["remote_addr"], dash(f["remote_user"]), f["time_local"], request, f["status"],
        f["body"], dash(esc_text(f["referer"])), dash(esc_text(f["agent"])), f["rt"], f["urt"])
    return text.encode()


def render_json(f):
    if "request_bytes" in f:
        request = esc_json(f["request_bytes"])
    else:
        request = esc_json("%s %s %s" % (f["method"], f["uri"], f["proto"]))
    # nginx prints an unset variable as "" with escape=json; numbers are unquoted in this
    # log_format, the upstream timing is quoted because it may be "-" or a list.
    return (b'{"time_local":"' + f["time_local"].encode() +
            b'","remote_addr":"' + f["remote_addr"].encode() +
            b'","request":"' + request +
            b'","request_method":"' + f["method"].encode() +
            b'","request_uri":"' + esc_json(f["uri"]) +
            b'","status":' + str(f["status"]).encode() +
            b',"body_bytes_sent":' + str(f["body"]).encode() +
            b',"request_time":' + f["rt"].encode() +
            b',"upstream_response_time":"' + f["urt"].encode() +
            b'","host":"' + f["host"].encode() +
            b'","http_user_agent":"' + esc_json(f["agent"]) + b'"}\n')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shape", choices=["timed", "json"], required=True)
    ap.add_argument("--lines", type=int, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--truncated-per-million", type=int, default=100,
                    help="lines cut short inside the request (malformed for every format)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--totals", help="write what was generated as JSON")
    a = ap.parse_args()

    g = Gen(a.seed, a.shape)
    render = render_timed if a.shape == "timed" else render_json
    totals = {"shape": a.shape, "seed": a.seed, "lines": 0, "bytes": 0, "truncated": 0,
              "by_code": {}, "by_class": {}, "by_method": {}, "tls_probes": 0, "scanners": 0,
              "invalid_utf8": 0, "request_time_sum": 0.0}
    by_code, by_class, by_method = totals["by_code"], totals["by_class"], totals["by_method"]
    truncate_below = a.truncated_per_million / 1e6
    chunk = []
    written = 0
    with open(a.out, "wb") as out:
        for _ in range(a.lines):
            f, kind = g.line()
            data = render(f)
            if g.r.random() < truncate_below:
                # Cut inside the request (after its opening quote): no format can read it.
                cut = data.index(b'"request":"' if a.shape == "json" else b' "') + 12
                data = data[:cut] + b"\n"
                totals["truncated"] += 1
            else:
                code = str(f["status"])
                by_code[code] = by_code.get(code, 0) + 1
                cls = code[0] + "xx"
                by_class[cls] = by_class.get(cls, 0) + 1
                method = f["method"] or "(none)"
                by_method[method] = by_method.get(method, 0) + 1
                totals["request_time_sum"] += float(f["rt"])
                if kind == "tls":
                    totals["tls_probes"] += 1
                    if a.shape == "json" and any(b >= 0x80 for b in f["request_bytes"]):
                        totals["invalid_utf8"] += 1
                elif kind == "scanner":
                    totals["scanners"] += 1
            totals["lines"] += 1
            written += len(data)
            chunk.append(data)
            if len(chunk) >= 4096:
                out.write(b"".join(chunk))
                chunk = []
        out.write(b"".join(chunk))
    totals["bytes"] = written
    totals["request_time_sum"] = round(totals["request_time_sum"], 3)
    totals["by_code"] = dict(sorted(by_code.items()))
    totals["by_class"] = dict(sorted(by_class.items()))
    totals["by_method"] = dict(sorted(by_method.items()))
    if a.totals:
        with open(a.totals, "w") as t:
            json.dump(totals, t, indent=1)
            t.write("\n")
    print("%s: %d lines, %d bytes (%.0f B/line), %d truncated" % (
        a.out, totals["lines"], written, written / max(1, totals["lines"]), totals["truncated"]),
        file=sys.stderr)


if __name__ == "__main__":
    main()
