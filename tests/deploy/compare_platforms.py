#!/usr/bin/env python3
"""Two builds of the exporter for two platforms give the same answers on the same logs.

    compare_platforms.py --reference 'CMD...' --candidate 'CMD...' --work DIR [--sample LOG]

Each CMD is a command line that runs one build's accesslog_exporter (its arguments follow), e.g.
`podman run --rm --read-only -v DIR:DIR:ro localhost/accesslog_exporter:image-test` for the amd64
image and `qemu-aarch64-static -L ROOTFS ROOTFS/usr/local/bin/accesslog_exporter` for the arm64
image's binary in its own root file system. Logs are written under DIR (which both commands
must see at the same path), made from the sample log (examples/sample-access.log): combined,
common, an nginx log_format with request and upstream times, JSON lines (nginx escape=json), an
RE2 regex, and the timed lines in containerd's CRI envelope and Docker's json-file envelope
(escaped quotes and backslashes, \\u escapes, lines split into partial records). For each:
--oneshot's exposition (with the route, method and log labels, so that paths are normalised),
process_* metrics and the last-line timestamp left out; and `analyze` as text and JSON.
Prints one line per case; exit 0 when every case gives the same output, 1 otherwise (with a
diff), 2 usage.
"""

import argparse
import difflib
import json
import pathlib
import re
import shlex
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
TIMED = ('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
         '"$http_referer" "$http_user_agent" $request_time $upstream_response_time')
COMBINED = re.compile(r'^(\S+) - (\S+) \[([^\]]+)\] "([^"\\]*(?:\\.[^"\\]*)*)" (\d{3}) (\d+|-) '
                      r'"([^"\\]*(?:\\.[^"\\]*)*)" "([^"\\]*(?:\\.[^"\\]*)*)"$')
REGEX = (r'regex:^(?P<remote_addr>\S+) \S+ \S+ \[[^\]]+\] "(?P<method>[A-Z]+) (?P<path>\S+) '
         r'[^"]*" (?P<status>\d{3}) (?P<bytes>\d+|-) ')


def make_logs(work, sample):
    lines = [l for l in sample.read_text(encoding="utf-8").splitlines() if l.strip()]
    logs = {}

    def write(name, text_lines):
        path = work / name
        path.write_text("".join(l + "\n" for l in text_lines), encoding="utf-8")
        logs[name] = path

    write("combined.log", lines)
    common, timed, js = [], [], []
    for n, line in enumerate(lines):
        m = COMBINED.match(line)
        if not m:
            common.append(line)
            timed.append(line)
            js.append(line)  # malformed in every format: counted as such on both
            continue
        addr, user, when, request, status, size, referer, agent = m.groups()
        if n % 17 == 0:  # non-ASCII referers: UTF-8 in the logs, \u escapes in some records
            line = line[: m.start(7)] + "https://example.com/caf\u00e9/\u20ac" + line[m.end(7):]
            referer = "https://example.com/caf\u00e9/\u20ac"
        common.append(line[: m.end(6)])
        # Times with 3 decimals, deterministic, some with two upstreams and some without one.
        rt = (n * 7919 % 4000) / 1000
        up = "-" if n % 11 == 0 else f"{rt / 2:.3f}, {rt / 4:.3f}" if n % 7 == 0 else f"{rt * 0.9:.3f}"
        timed.append(f"{line} {rt:.3f} {up}")
        parts = request.split(" ")
        js.append(json.dumps({
            "time_local": when, "remote_addr": addr, "remote_user": user,
            "request": request.replace('\\"', '"'),
            "request_method": parts[0] if parts else "",
            "status": status, "body_bytes_sent": 0 if size == "-" else int(size),
            "request_time": rt, "upstream_response_time": up,
            "http_referer": referer, "http_user_agent": agent.replace('\\"', '"'),
            "host": f"api{n % 3}.example.com"}, separators=(",", ":")))
    write("common.log", common)
    write("timed.log", timed)
    write("json.log", js)
    # The container envelopes, the timed lines inside: every 9th line split into two records.
    cri, docker = [], []
    for n, line in enumerate(timed):
        stamp = f"2026-11-25T10:{n // 60 % 60:02d}:{n % 60:02d}.{n:09d}Z"
        stream = "stderr" if n % 13 == 0 else "stdout"
        pieces = [line[: len(line) // 2], line[len(line) // 2:]] if n % 9 == 0 else [line]
        for k, piece in enumerate(pieces):
            last = k == len(pieces) - 1
            cri.append(f"{stamp} {stream} {'F' if last else 'P'} {piece}")
            text = piece + ("\n" if last else "")
            # json.dumps escapes quotes and backslashes; \u escapes for some non-ASCII text.
            encoded = json.dumps(text, ensure_ascii=(n % 5 == 0))
            docker.append(f'{{"log":{encoded},"stream":"{stream}","time":"{stamp}"}}')
    write("cri.log", cri)
    write("docker.log", docker)
    return logs


def cases(logs):
    labels = "--labels=log,method,route"
    yield "combined", ["--oneshot", labels, f"--log.file={logs['combined.log']}"]
    yield "common", ["--oneshot", labels, "--log.format=common", f"--log.file={logs['common.log']}"]
    yield "nginx log_format", ["--oneshot", labels, f"--log.format={TIMED}",
                               f"--log.file={logs['timed.log']}"]
    yield "json", ["--oneshot", "--labels=log,method,route,host", "--log.format=json",
                   f"--log.file={logs['json.log']}"]
    yield "regex", ["--oneshot", labels, f"--log.format={REGEX}", f"--log.file={logs['combined.log']}"]
    yield "cri envelope", ["--oneshot", labels, "--log.wrapper=cri", f"--log.format={TIMED}",
                           f"--log.file={logs['cri.log']}"]
    yield "docker envelope", ["--oneshot", labels, "--log.wrapper=docker", f"--log.format={TIMED}",
                              f"--log.file={logs['docker.log']}"]
    yield "auto envelope", ["--oneshot", labels, "--log.wrapper=auto", f"--log.format={TIMED}",
                            f"--log.file={logs['docker.log']}", f"--log.file={logs['cri.log']}"]
    yield "analyze text", ["analyze", f"--log.format={TIMED}", str(logs["timed.log"])]
    yield "analyze json", ["analyze", "--output=json", str(logs["combined.log"])]
    yield "analyze docker", ["analyze", "--log.wrapper=docker", f"--log.format={TIMED}",
                             str(logs["docker.log"])]


def normalise(text):
    """What may differ between two runs of one build: process metrics, the wall-clock time of
    the last line read, how long analyze took."""
    out = []
    for line in text.splitlines():
        if re.match(r"^(# (HELP|TYPE) )?(process_|accesslog_last_line_timestamp_seconds)", line):
            continue
        line = re.sub(r'"(elapsed|duration)_seconds": [0-9.e+-]+', r'"\1_seconds": X', line)
        line = re.sub(r"\b[0-9.]+ (s|ms|seconds)\b(, [0-9.,]+ (k )?lines/s)?", "X", line)
        out.append(line)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", required=True)
    ap.add_argument("--candidate", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--sample", default=str(ROOT / "examples" / "sample-access.log"))
    a = ap.parse_args()
    work = pathlib.Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    logs = make_logs(work, pathlib.Path(a.sample))
    failed = 0
    for name, args in cases(logs):
        outputs = []
        for cmd in (a.reference, a.candidate):
            r = subprocess.run(shlex.split(cmd) + args, capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                print(f"FAIL {name}: `{cmd} ...` exited {r.returncode}:\n{r.stderr[-2000:]}")
                failed += 1
                break
            outputs.append(normalise(r.stdout))
        else:
            if outputs[0] != outputs[1]:
                failed += 1
                diff = "\n".join(list(difflib.unified_diff(outputs[0], outputs[1], "reference",
                                                           "candidate", lineterm=""))[:40])
                print(f"FAIL {name}: the outputs differ:\n{diff}")
            elif not outputs[0]:
                failed += 1
                print(f"FAIL {name}: no output")
            else:
                samples = sum(1 for l in outputs[0] if l and not l.startswith("#"))
                print(f"  same: {name} ({samples} lines)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
