#!/usr/bin/env python3
"""End-to-end benchmark: accesslog_exporter --oneshot vs mtail vs `wc -l`, on the same files, in one run.

  bench/run_bench.sh [options] path/to/accesslog_exporter
  bench/run_bench.sh --smoke path/to/accesslog_exporter       # CI: small input, checks counts

Generates (bench/gen_logs.py, cached in --workdir) an nginx "timed" log (combined + rt= urt=) and
an nginx JSON log, then runs every case --repeat times, round-robin (so that a change in the
machine's load hits every case alike), each under /usr/bin/time -f '%U %S %M' (user CPU, system
CPU, peak RSS; os.wait4 when GNU time is missing), and prints the medians: CPU-seconds per 1M
lines, lines per CPU-second, wall-clock lines/s, peak RSS and the CPU-per-line ratios against
mtail and against `wc -l` on the same file. With --big-mb, the timed log is repeated into one
large file and the exporter's peak RSS is measured on it.

Every exporter and mtail run is also checked against the generator's totals (lines parsed and
malformed, responses by code, class and method, request-duration count). The exit status is 0
whatever the timings; 1 only when something is broken: a tool failed, or counts disagree.
"""

import argparse
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

TIMED_FORMAT = ('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                '"$http_referer" "$http_user_agent" rt=$request_time urt="$upstream_response_time"')
# What a user would write for the same log with --log.format=regex:...
REGEX_FORMAT = (r'regex:^(?P<remote_addr>\S+) \S+ (?P<remote_user>\S+) \[(?P<time_local>[^\]]+)\] '
                r'"(?P<request>[^"]*)" (?P<status>\d{3}) (?P<body_bytes>\d+|-) '
                r'"(?P<referer>[^"]*)" "(?P<user_agent>[^"]*)" '
                r'rt=(?P<request_time>[0-9.]+) urt="(?P<upstream_time>[^"]*)"$')
# The same line with only the groups the metrics use (5 instead of 10). RE2 extracts four groups
# at most in one one-pass match, so the parser matches both in pieces (src/parse/regex_groups.h).
REGEX_LEAN_FORMAT = (r'regex:^\S+ \S+ \S+ \[[^\]]+\] "(?P<request>[^"]*)" (?P<status>\d{3}) '
                     r'(?P<body_bytes>\d+|-) "[^"]*" "[^"]*" '
                     r'rt=(?P<request_time>[0-9.]+) urt="(?P<upstream_time>[^"]*)"$')
# Four groups: one one-pass match, not cut; the yardstick for the two above (docs/performance.md).
# No upstream time here.
REGEX_4GROUPS_FORMAT = (r'regex:^\S+ \S+ \S+ \[[^\]]+\] "(?P<request>[^"]*)" (?P<status>\d{3}) '
                        r'(?P<body_bytes>\d+|-) "[^"]*" "[^"]*" rt=(?P<request_time>[0-9.]+) ')
KNOWN_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"]


class Broken(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Inputs

def generate(workdir, shape, lines, seed):
    base = os.path.join(workdir, "%s-%d-s%d" % (shape, lines, seed))
    log, totals = base + ".log", base + ".totals.json"
    gen = os.path.join(HERE, "gen_logs.py")
    fresh = (os.path.exists(log) and os.path.exists(totals) and
             os.path.getmtime(totals) >= os.path.getmtime(gen))
    if fresh:
        with open(totals) as f:
            t = json.load(f)
        fresh = t.get("lines") == lines and t.get("bytes") == os.path.getsize(log)
    if not fresh:
        subprocess.run([sys.executable, gen, "--shape", shape, "--lines", str(lines),
                        "--seed", str(seed), "--out", log, "--totals", totals], check=True)
    with open(totals) as f:
        return log, json.load(f)


def make_big(workdir, small_log, small_totals, target_mb):
    copies = max(1, math.ceil(target_mb * 1024 * 1024 / small_totals["bytes"]))
    big = os.path.join(workdir, "big-%dx-%s" % (copies, os.path.basename(small_log)))
    want = copies * small_totals["bytes"]
    if not (os.path.exists(big) and os.path.getsize(big) == want):
        with open(big, "wb") as out:
            for _ in range(copies):
                with open(small_log, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
    t = json.loads(json.dumps(small_totals))
    for key in ("lines", "bytes", "truncated", "tls_probes", "scanners", "invalid_utf8"):
        t[key] *= copies
    for group in ("by_code", "by_class", "by_method"):
        t[group] = {k: v * copies for k, v in t[group].items()}
    t["request_time_sum"] *= copies
    return big, t, copies


# ---------------------------------------------------------------------------------------------
# Running one measured process

def measure(argv, stdout_path, gnu_time):
    """Runs argv; returns dict(cpu, user, sys, rss_kib, wall, rc, gnu_cpu). stdout goes to
    stdout_path. The process runs under `/usr/bin/time -f '%U %S %M'` when there is one; its peak
    RSS (%M) is reported. CPU comes from wait4's rusage of the measured process tree (GNU time
    and its child): microseconds, where %U and %S print hundredths, too coarse for `wc -l`. GNU
    time's own share is about a millisecond; its %U+%S are kept as gnu_cpu to compare."""
    err_path = stdout_path + ".err"
    tfile = stdout_path + ".time"
    cmd = ([gnu_time, "-o", tfile, "-f", "%U %S %M"] if gnu_time else []) + argv
    with open(stdout_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.monotonic() - t0
        proc.returncode = rc = os.waitstatus_to_exitcode(status)
    r = {"user": ru.ru_utime, "sys": ru.ru_stime, "cpu": ru.ru_utime + ru.ru_stime,
         "rss_kib": ru.ru_maxrss, "wall": wall, "rc": rc, "gnu_cpu": None}
    if gnu_time:
        with open(tfile) as f:
            # GNU time prints "Command exited with non-zero status N" first when rc != 0.
            last = f.read().strip().splitlines()[-1].split()
        r["gnu_cpu"] = float(last[0]) + float(last[1])
        r["rss_kib"] = int(last[2])
    return r


# ---------------------------------------------------------------------------------------------
# Reading expositions and checking them against the generator's totals

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def read_exposition(path):
    samples = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            m = SAMPLE.match(line.rstrip("\n"))
            if not m:
                continue
            labels = dict(LABEL.findall(m.group(2) or ""))
            samples.append((m.group(1), labels, float(m.group(3))))
    return samples


def total(samples, name, **match):
    return sum(v for n, labels, v in samples
               if n == name and all(labels.get(k) == want for k, want in match.items()))


def check_exporter(samples, t, case):
    """Returns a list of disagreements (empty: the counts agree)."""
    problems = []

    def expect(what, got, want_low, want_high=None):
        want_high = want_low if want_high is None else want_high
        if not (want_low <= got <= want_high):
            rng = "%d" % want_low if want_low == want_high else "%d..%d" % (want_low, want_high)
            problems.append("%s: %s: got %d, want %s" % (case, what, got, rng))

    parsed = total(samples, "accesslog_lines_total", result="parsed")
    malformed = total(samples, "accesslog_lines_total", result="malformed")
    skipped = total(samples, "accesslog_lines_total", result="skipped")
    expect("lines parsed+malformed+skipped", parsed + malformed + skipped, t["lines"])
    # JSON: nginx escape=json writes a TLS probe's bytes >= 0x80 as they are, so those lines may
    # be rejected as invalid UTF-8 (they are 400s); every other count is exact.
    slack = t["invalid_utf8"]
    expect("lines malformed", malformed, t["truncated"], t["truncated"] + slack)
    for code, n in t["by_code"].items():
        got = total(samples, "accesslog_http_responses_total", code=code)
        expect("responses code=%s" % code, got, n - (slack if code == "400" else 0), n)
    for cls, n in t["by_class"].items():
        got = total(samples, "accesslog_http_responses_by_class_total", **{"class": cls})
        expect("responses class=%s" % cls, got, n - (slack if cls == "4xx" else 0), n)
    for method in KNOWN_METHODS:
        n = t["by_method"].get(method, 0)
        got = total(samples, "accesslog_http_responses_total", method=method)
        expect("responses method=%s" % method, got, n)
    if "combined" not in case:  # every other format carries $request_time
        got = total(samples, "accesslog_http_request_duration_seconds_count")
        expect("request_duration count", got, parsed)
        s = total(samples, "accesslog_http_request_duration_seconds_sum")
        if slack == 0 and abs(s - t["request_time_sum"]) > 1e-6 * max(1.0, t["request_time_sum"]):
            problems.append("%s: request_duration sum: got %.6f, want %.6f" %
                            (case, s, t["request_time_sum"]))
    return problems


def check_mtail(samples, t):
    problems = []
    parsed = total(samples, "accesslog_lines_total", result="parsed")
    malformed = total(samples, "accesslog_lines_total", result="malformed")
    if parsed != t["lines"] - t["truncated"] or malformed != t["truncated"]:
        problems.append("mtail: lines parsed/malformed %d/%d, want %d/%d" %
                        (parsed, malformed, t["lines"] - t["truncated"], t["truncated"]))
    for code, n in t["by_code"].items():
        got = total(samples, "accesslog_http_responses_total", code=code)
        if got != n:
            problems.append("mtail: responses code=%s: got %d, want %d" % (code, got, n))
    return problems


# ---------------------------------------------------------------------------------------------

def fmt(v, digits=2):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    if v >= 1e6:
        return "%.2fM" % (v / 1e6)
    if v >= 1e4:
        return "%.0fk" % (v / 1e3)
    return ("%." + str(digits) + "f") % v


def main():
    ap = argparse.ArgumentParser(
        description="accesslog_exporter vs mtail vs wc -l (bench/README.md)",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("exporter", help="path to the accesslog_exporter binary")
    ap.add_argument("--smoke", action="store_true",
                    help="small input, one repetition, temporary files: checks that it works")
    ap.add_argument("--lines", type=int, default=1_000_000, help="lines per generated log")
    ap.add_argument("--repeat", type=int, default=3, help="runs per case; medians are reported")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--big-mb", type=int, default=0,
                    help="also measure the exporter on the timed log repeated to this size (MiB)")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "accesslog-bench"),
                    help="where generated logs are kept between runs")
    ap.add_argument("--mtail", default=shutil.which("mtail"), help="mtail binary (skipped if absent)")
    ap.add_argument("--no-mtail", action="store_true")
    ap.add_argument("--cases", default="", help="comma-separated subset of case names")
    ap.add_argument("--json-out", help="also write the results as JSON")
    a = ap.parse_args()

    if not os.access(a.exporter, os.X_OK):
        print("run_bench: %s is not an executable" % a.exporter, file=sys.stderr)
        return 2
    exporter = os.path.abspath(a.exporter)
    cleanup = None
    if a.smoke:
        a.lines, a.repeat, a.big_mb = min(a.lines, 20_000), 1, 0
        cleanup = tempfile.mkdtemp(prefix="accesslog-bench-smoke-")
        a.workdir = cleanup
    os.makedirs(a.workdir, exist_ok=True)
    gnu_time = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    mtail = None if a.no_mtail else a.mtail
    load_start = open("/proc/loadavg").read().split()[:3]

    try:
        timed_log, timed_t = generate(a.workdir, "timed", a.lines, a.seed)
        json_log, json_t = generate(a.workdir, "json", a.lines, a.seed)

        def exp(fmt_, log):
            return [exporter, "--oneshot", "--log.file=" + log, "--log.format=" + fmt_,
                    "--labels=method"]

        cases = [
            # name, input, totals, argv, kind
            ("exporter-combined-timed", timed_log, timed_t, exp("combined", timed_log), "exporter"),
            ("exporter-nginx-timed", timed_log, timed_t, exp(TIMED_FORMAT, timed_log), "exporter"),
            ("exporter-regex-timed", timed_log, timed_t, exp(REGEX_FORMAT, timed_log), "exporter"),
            ("exporter-regex-lean-timed", timed_log, timed_t, exp(REGEX_LEAN_FORMAT, timed_log),
             "exporter"),
            ("exporter-regex-4groups-timed", timed_log, timed_t,
             exp(REGEX_4GROUPS_FORMAT, timed_log), "exporter"),
            ("exporter-json", json_log, json_t, exp("json", json_log), "exporter"),
        ]
        if mtail:
            cases.append(("mtail-timed", timed_log, timed_t,
                          [mtail, "-one_shot", "-one_shot_format", "prometheus", "-progs",
                           os.path.join(HERE, "mtail"), "-logs", timed_log, "-logtostderr",
                           "-address", "127.0.0.1", "-port", "0"], "mtail"))
        cases += [
            ("wc-l-timed", timed_log, timed_t, ["wc", "-l", timed_log], "wc"),
            ("wc-l-json", json_log, json_t, ["wc", "-l", json_log], "wc"),
        ]
        big = None
        if a.big_mb:
            big_log, big_t, copies = make_big(a.workdir, timed_log, timed_t, a.big_mb)
            big = (big_log, big_t, copies)
            cases += [
                ("exporter-nginx-timed-big", big_log, big_t, exp(TIMED_FORMAT, big_log), "exporter"),
                ("wc-l-big", big_log, big_t, ["wc", "-l", big_log], "wc"),
            ]
        if a.cases:
            keep = set(a.cases.split(","))
            cases = [c for c in cases if c[0] in keep]

        results = {c[0]: [] for c in cases}
        problems = []
        out_dir = os.path.join(a.workdir, "out")
        os.makedirs(out_dir, exist_ok=True)
        for rep in range(a.repeat):
            for name, log, t, argv, kind in cases:
                out = os.path.join(out_dir, name + ".out")
                r = measure(argv, out, gnu_time)
                results[name].append(r)
                print("  run %d/%d %-26s cpu %7.2f s  rss %7.1f MiB  wall %7.2f s  rc %d" % (
                    rep + 1, a.repeat, name, r["cpu"], r["rss_kib"] / 1024, r["wall"], r["rc"]),
                    file=sys.stderr)
                if r["rc"] != 0:
                    with open(out + ".err", errors="replace") as f:
                        tail = f.read()[-600:]
                    raise Broken("%s exited with %d: %s" % (name, r["rc"], tail.strip()))
                if rep == 0:  # the counts do not depend on the run
                    if kind == "exporter":
                        problems += check_exporter(read_exposition(out), t, name)
                    elif kind == "mtail":
                        problems += check_mtail(read_exposition(out), t)
                    else:
                        with open(out) as f:
                            n = int(f.read().split()[0])
                        if n != t["lines"]:
                            problems.append("%s: %d lines, want %d" % (name, n, t["lines"]))
        load_end = open("/proc/loadavg").read().split()[:3]

        # Medians, per 1M lines, and ratios.
        rows = {}
        for name, log, t, argv, kind in cases:
            rs = results[name]
            cpu = statistics.median(r["cpu"] for r in rs)
            rows[name] = {
                "input": os.path.basename(log), "lines": t["lines"], "bytes": t["bytes"],
                "cpu_s": cpu, "cpu_runs": [round(r["cpu"], 3) for r in rs],
                "gnu_time_cpu_runs": [r["gnu_cpu"] for r in rs],
                "rss_mib_runs": [round(r["rss_kib"] / 1024, 1) for r in rs],
                "cpu_s_per_1m": cpu / t["lines"] * 1e6 if t["lines"] else None,
                "lines_per_cpu_s": t["lines"] / cpu if cpu > 0 else None,
                "wall_lines_per_s": t["lines"] / statistics.median(r["wall"] for r in rs),
                "rss_mib": statistics.median(r["rss_kib"] for r in rs) / 1024,
                "rss_mib_max": max(r["rss_kib"] for r in rs) / 1024,
            }

        def per_line(name):
            r = rows.get(name)
            return r["cpu_s"] / r["lines"] if r and r["cpu_s"] > 0 else None

        mtail_pl = per_line("mtail-timed")
        for name, row in rows.items():
            pl = per_line(name)
            wc = per_line("wc-l-json" if "json" in name else
                          "wc-l-big" if name.endswith("-big") else "wc-l-timed")
            row["mtail_cpu_per_line_over_this"] = (mtail_pl / pl if mtail_pl and pl and
                                                   name.endswith("-timed") else None)
            row["this_cpu_per_line_over_wc"] = pl / wc if pl and wc else None

        print()
        print("accesslog benchmark: %d lines per log, %d run(s) per case, medians" %
              (a.lines, a.repeat))
        print("machine: %s, %d CPUs; load average %s at start, %s at end" % (
            platform.processor() or platform.machine(), os.cpu_count(), " ".join(load_start),
            " ".join(load_end)))
        print("timed log: %d B/line; json log: %d B/line" % (
            timed_t["bytes"] / timed_t["lines"], json_t["bytes"] / json_t["lines"]))
        print()
        print("| case | input | lines | CPU s (median of %d) | CPU s / 1M lines | lines / CPU s "
              "| wall lines/s | peak RSS MiB | mtail CPU/line ÷ this | this ÷ wc -l |" % a.repeat)
        print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
        for name, r in rows.items():
            ratio_m = r["mtail_cpu_per_line_over_this"]
            ratio_w = r["this_cpu_per_line_over_wc"]
            print("| %s | %s | %d | %.3f | %.3f | %s | %s | %.1f | %s | %s |" % (
                name, r["input"], r["lines"], r["cpu_s"], r["cpu_s_per_1m"] or 0,
                fmt(r["lines_per_cpu_s"]), fmt(r["wall_lines_per_s"]), r["rss_mib"],
                ("%.1fx" % ratio_m) if ratio_m else "",
                ("%.1fx" % ratio_w) if ratio_w else ""))
        if big:
            print("\nbig file: %s = %d copies of the timed log, %.0f MiB" % (
                big[0], big[2], big[1]["bytes"] / 1048576))
        print("\nCPU: user+sys from wait4 (µs); peak RSS: %s" % (
            "/usr/bin/time %M" if gnu_time else "wait4 ru_maxrss (/usr/bin/time not found)"))
        if a.json_out:
            with open(a.json_out, "w") as f:
                json.dump({"lines": a.lines, "repeat": a.repeat, "load_start": load_start,
                           "load_end": load_end, "rows": rows}, f, indent=1)
        if problems:
            print("\nCOUNTS DISAGREE WITH THE GENERATOR:", file=sys.stderr)
            for p in problems:
                print("  " + p, file=sys.stderr)
            return 1
        print("\ncounts: every run agrees with the generator's totals")
        return 0
    except Broken as e:
        print("run_bench: BROKEN: %s" % e, file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as e:
        print("run_bench: BROKEN: %s" % e, file=sys.stderr)
        return 1
    finally:
        if cleanup:
            shutil.rmtree(cleanup, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
