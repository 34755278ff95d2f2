#!/usr/bin/env python3
"""Checks for the Grafana dashboards in dashboards/ (driven by run_dashboard_tests.sh).

    dashboard_checks.py static ROOT
        The JSON parses, is what dashboards/generate.py writes, and has the structure Grafana
        users expect (import inputs, variables, datasource on every panel and target, unique ids
        and uids, units, thresholds, the panels issue 6 asks for); provisioning files are present.
    dashboard_checks.py names-selftest ROOT
        The metric-name extractor finds the names it must and ignores functions and keywords.
    dashboard_checks.py semantics ROOT WORKDIR
        promtool unit test of what a query must answer where a live setup cannot show it: the API
        dashboard's "Operations without traffic" with and without labels.log, two sources that
        share a template, and a label set born inside the range.
    dashboard_checks.py backend PORT
        A small upstream for nginx to proxy to: /v1/kittens/<n>?status=S&delay=SECONDS.
    dashboard_checks.py traffic BASE_URL SECONDS
        Sends a mix of requests (200 201 404 429 500 503 502 ...) for at most SECONDS.
    dashboard_checks.py live ROOT PROM_URL EXPORTER_URL JOB
        Every PromQL expression of every panel, annotation and variable of every dashboard, with
        the template variables substituted (All, and each variable's real values), is run against
        the live Prometheus: no errors, and data wherever the setup must produce data. Then every
        metric name used by a dashboard or a rule must exist in the exporter's /metrics or be a
        recording rule.

Python 3 standard library only. Every loop is bounded in time and count.
"""

import http.client
import http.server
import json
import math
import pathlib
import random
import re
import socketserver
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

DASHBOARD_FILES = {
    # file name -> the uid it must keep: links, bookmarks and provisioning rely on it.
    "accesslog-overview.json": "accesslog-overview",
    "accesslog-exporter-health.json": "accesslog-exporter-health",
    "accesslog-api-operations.json": "accesslog-api-operations",
}

# Panels issue 6 asks for, by title. A rename here is a rename in docs/dashboards.md too.
REQUIRED_PANELS = {
    "accesslog-overview": [
        "Request rate", "Responses by class", "Status codes", "5xx ratio", "429 ratio",
        "Error budget remaining (30d)", "Error budget burn rate", "Request duration",
        "Request duration heatmap", "Upstream duration", "Top routes by 5xx", "Top routes by 429",
        "Undocumented codes seen",
    ],
    "accesslog-exporter-health": [
        "Lines read by result", "Malformed line ratio", "Bytes read", "Read lag", "File rotations",
        "Last line age", "Label overflow", "Scrape duration",
    ],
    # Issue 29's "API operations".
    "accesslog-api-operations": [
        "Operations", "Responses outside the contract", "Traffic outside the spec",
        "Operations without traffic",
    ],
}

# (dashboard uid, panel title) -> a text every target set of that panel must contain somewhere:
# the thresholds come from the rules' constants, the meaning from the status-code table.
REQUIRED_EXPR_PARTS = {
    ("accesslog-overview", "5xx ratio"): ["accesslog:http_5xx_page_threshold:ratio",
                                          "accesslog:http_5xx_warning_threshold:ratio"],
    ("accesslog-overview", "429 ratio"): ["accesslog:http_429_threshold:ratio"],
    ("accesslog-overview", "Status codes"): ["accesslog_status_code_info", "group_left (meaning)"],
    ("accesslog-overview", "Error budget burn rate"): ["accesslog:slo_error_budget:ratio"],
    ("accesslog-overview", "Error budget remaining (30d)"): ["accesslog:slo_error_budget:ratio"],
    ("accesslog-overview", "Request duration"): ["histogram_quantile"],
    ("accesslog-overview", "Top routes by 5xx"): ["route"],
    ("accesslog-overview", "Top routes by 429"): ["route"],
    ("accesslog-exporter-health", "Malformed line ratio"): ["accesslog:malformed_lines_threshold:ratio"],
    # The table: rate, 5xx, 429, undocumented and p99 per operation.
    ("accesslog-api-operations", "Operations"): ['class="5xx"', 'code="429"', 'documented="false"',
                                                 "histogram_quantile(0.99", "operation"],
    ("accesslog-api-operations", "Responses outside the contract"): ['documented="false"', "operation, code"],
    ("accesslog-api-operations", "Traffic outside the spec"): ['route="__unmatched__"',
                                                               "accesslog:api_unmatched_threshold:ratio"],
    ("accesslog-api-operations", "Operations without traffic"): ["accesslog_api_operation_info",
                                                                 "unless on (job, log, method, route)"],
    ("accesslog-api-operations", "5xx ratio by operation"): ["accesslog:http_5xx_page_threshold:ratio"],
    ("accesslog-exporter-health", "Last line age"): ["accesslog:log_silence_threshold:seconds"],
}

# Targets that may return no data in the live test, with the reason. Everything else must have
# data. Keys: (dashboard uid, panel title or "annotation: NAME", refId).
# The live setup is built so that this list can stay short: nginx proxies some routes to an
# upstream (so the upstream histogram fills), 502/503/500/429 are answered (ratios, SLO, routes,
# undocumented codes), the rules' long-window group evaluates every second in the test copy (so
# the 6h/1d/3d burn rates exist), and counters that stay at zero (rotations, label overflow,
# malformed lines) are still exported as zero-valued series, which is data.
MAY_BE_EMPTY = {
    # Alerts only exist once a rule fires. AccesslogUndocumentedStatusCodes (no `for:`) fires on
    # the test's 502s within seconds, but an annotation is not a panel: not required.
    ("accesslog-overview", "annotation: accesslog alerts", "Anno"):
        "ALERTS exist only while an accesslog alert fires",
    ("accesslog-exporter-health", "annotation: accesslog alerts", "Anno"):
        "ALERTS exist only while an accesslog alert fires",
    # Each proxied location has one upstream server: nginx never contacts a second one here.
    ("accesslog-overview", "Upstream retries", "A"):
        "no request is retried in this setup (one server per upstream; the retries are counted "
        "exactly in tests/e2e/ingress_nginx_e2e_test.cc)",
}

# Series Prometheus itself creates for each target or rule, not in any exposition.
PROMETHEUS_SERIES = {
    "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
    "scrape_series_added", "ALERTS", "ALERTS_FOR_STATE",
}

# What Grafana substitutes for its built-in variables in the live test.
BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__range": "5m", "__range_s": "300",
            "__interval_ms": "15000"}

DS_REF = {"type": "prometheus", "uid": "${datasource}"}


class Failures:
    def __init__(self):
        self.items = []

    def add(self, msg):
        self.items.append(msg)
        print("  FAIL: " + msg)

    def check(self, cond, msg):
        if not cond:
            self.add(msg)
        return cond

    def exit(self, what):
        if self.items:
            print(f"{what}: {len(self.items)} failure(s)")
            return 1
        print(f"{what}: PASS")
        return 0


# --- PromQL name extraction ----------------------------------------------------------------------

PROMQL_FUNCTIONS = {
    # Prometheus 2.42 functions
    "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh",
    "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh",
    "count_over_time", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg",
    "delta", "deriv", "exp", "floor", "histogram_count", "histogram_fraction", "histogram_quantile",
    "histogram_sum", "holt_winters", "hour", "idelta", "increase", "irate", "label_join",
    "label_replace", "last_over_time", "ln", "log10", "log2", "max_over_time", "min_over_time",
    "minute", "month", "pi", "predict_linear", "present_over_time", "quantile_over_time", "rad",
    "rate", "resets", "round", "scalar", "sgn", "sin", "sinh", "sort", "sort_desc", "sqrt",
    "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp",
    "vector", "year",
    # aggregation operators
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk",
    "topk", "quantile",
    # @ modifiers
    "start", "end",
}
PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool",
                   "and", "or", "unless", "atan2", "inf", "nan"}
GROUPING_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}

TOKEN = re.compile(r"""
    (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<num>0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[a-zA-Z]*)
  | (?P<id>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<open>[{\[(])
  | (?P<close>[}\])])
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


def tokens(expr):
    return [(m.lastgroup, m.group()) for m in TOKEN.finditer(expr) if m.lastgroup != "space"]


def skip_group(toks, i):
    """toks[i] is an opening bracket: returns the index after its matching close."""
    depth = 0
    while i < len(toks):
        kind, text = toks[i]
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced brackets")


def metric_names(expr):
    """(metric names, unknown functions) used by a PromQL expression.

    Label matchers ({...}), ranges ([...]), string literals and grouping label lists
    (by/without/on/ignoring/group_left/group_right (...)) are skipped; an identifier followed by
    "(" is a function or aggregation; keywords are ignored; what is left is a metric name.
    """
    toks = tokens(expr)
    names, unknown = set(), set()
    i = 0
    while i < len(toks):
        kind, text = toks[i]
        if kind == "open" and text in "{[":
            i = skip_group(toks, i)
            continue
        if kind != "id":
            i += 1
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else ("", "")
        low = text.lower()
        if low in GROUPING_KEYWORDS:
            i += 1
            if nxt == ("open", "("):
                i = skip_group(toks, i)
            continue
        if low in PROMQL_KEYWORDS:
            i += 1
            continue
        if nxt == ("open", "(") or nxt[1].lower() in ("by", "without"):
            if text not in PROMQL_FUNCTIONS:
                unknown.add(text)
            i += 1
            continue
        names.add(text)
        i += 1
    return names, unknown


LABEL_VALUES = re.compile(r"^\s*label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$", re.DOTALL)


# --- reading dashboards and rules ----------------------------------------------------------------

def load_dashboards(root):
    out = {}
    for name in DASHBOARD_FILES:
        path = root / "dashboards" / name
        with open(path, encoding="utf-8") as f:
            out[name] = json.load(f)
    return out


def all_panels(dash):
    for p in dash.get("panels", []):
        yield p
        for sub in p.get("panels", []) or []:  # panels inside a collapsed row
            yield sub


def queries(dash):
    """Every PromQL text of a dashboard: (where, refId, expr, instant, kind)."""
    uid = dash["uid"]
    for p in all_panels(dash):
        for t in p.get("targets", []) or []:
            yield ((uid, p["title"], t.get("refId", "?")), t.get("expr", ""),
                   bool(t.get("instant")) and not t.get("range"), "panel")
    for a in dash.get("annotations", {}).get("list", []):
        if a.get("expr"):
            yield ((uid, "annotation: " + a["name"], "Anno"), a["expr"], False, "annotation")
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            yield ((uid, "variable: " + v["name"], "Var"), q, True, "variable")


def yaml_values(text, key):
    """Values of KEY in a simple YAML file: plain or quoted scalars and block scalars (| or >)."""
    lines = text.splitlines()
    out = []
    pat = re.compile(r"^(\s*)(?:-\s+)?" + re.escape(key) + r":\s*(.*)$")
    i = 0
    while i < len(lines):
        m = pat.match(lines[i])
        if not m:
            i += 1
            continue
        indent, value = len(m.group(1)), m.group(2).strip()
        if value[:1] in ("|", ">"):
            block = []
            i += 1
            while i < len(lines) and (not lines[i].strip() or
                                      len(lines[i]) - len(lines[i].lstrip()) > indent):
                block.append(lines[i].strip())
                i += 1
            out.append("\n".join(block).strip())
            continue
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
            if m.group(2).strip()[0] == "'":
                value = value.replace("''", "'")
        out.append(value)
        i += 1
    return out


def rules_exprs(root):
    """[(file, expr)] of every rule, plus the queries inside alert annotation templates."""
    out, records = [], set()
    for path in sorted((root / "rules").glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        for e in yaml_values(text, "expr"):
            out.append((path.name, e))
        records.update(yaml_values(text, "record"))
        # {{ with query "EXPR" }} and {{ with printf "EXPR" ... | query }} in annotations
        for m in re.finditer(r'query "((?:[^"\\]|\\.)*)"', text):
            out.append((path.name + " (annotation)", m.group(1).replace('\\"', '"')))
        for m in re.finditer(r'printf "((?:[^"\\]|\\.)*)"', text):
            q = m.group(1).replace('\\"', '"').replace("%q", '"x"')
            if re.search(r"[a-z_]+[({]", q):
                out.append((path.name + " (annotation)", q))
    return out, records


# --- static checks -------------------------------------------------------------------------------

# $name, ${name}, ${name:format}, [[name]]: the forms Grafana interpolates.
VARIABLE_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)|\[\[([A-Za-z_][A-Za-z0-9_]*)\]\]")
# Grafana's global variables (docs: "Global variables").
GRAFANA_VARIABLES = {
    "__interval", "__interval_ms", "__rate_interval", "__rate_interval_ms", "__range", "__range_s",
    "__range_ms", "__from", "__to", "__all", "__dashboard", "__org", "__user", "__name",
    "__timeFilter", "__timezone", "timeFilter", "__auto",
}


def strings_outside(node, skip_key):
    """Every string in a JSON value, except the values of keys named skip_key."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            if k != skip_key:
                yield from strings_outside(v, skip_key)
    elif isinstance(node, list):
        for v in node:
            yield from strings_outside(v, skip_key)


def overlaps(a, b):
    return not (a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"] or
                a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"])


def static(root):
    fails = Failures()
    print("static checks of dashboards/*.json")
    try:
        dashes = load_dashboards(root)
    except (OSError, json.JSONDecodeError) as e:
        fails.add(f"cannot load the dashboards: {e}")
        return fails.exit("static")

    uids, titles = set(), set()
    for name, d in dashes.items():
        where = name
        uid = d.get("uid")
        fails.check(uid == DASHBOARD_FILES[name], f"{where}: uid {uid!r}, want the stable {DASHBOARD_FILES[name]!r}")
        fails.check(isinstance(uid, str) and re.fullmatch(r"[a-zA-Z0-9_-]{1,40}", uid or ""),
                    f"{where}: uid {uid!r} is not a valid Grafana uid")
        fails.check(uid not in uids, f"{where}: uid {uid} used twice")
        uids.add(uid)
        fails.check(d.get("title") and d["title"] not in titles, f"{where}: missing or duplicate title")
        titles.add(d.get("title"))
        fails.check(d.get("id") is None, f"{where}: top-level id must be null for import")
        fails.check(isinstance(d.get("schemaVersion"), int) and d["schemaVersion"] >= 39,
                    f"{where}: schemaVersion {d.get('schemaVersion')} (want >= 39)")
        fails.check("accesslog" in d.get("tags", []), f"{where}: tag 'accesslog' missing (dashboard links use it)")

        # Import metadata.
        inputs = d.get("__inputs", [])
        fails.check(len(inputs) == 1 and inputs[0].get("type") == "datasource"
                    and inputs[0].get("pluginId") == "prometheus" and inputs[0].get("name") == "DS_PROMETHEUS",
                    f"{where}: __inputs must hold one Prometheus datasource input DS_PROMETHEUS")
        req = {(r.get("type"), r.get("id")) for r in d.get("__requires", [])}
        fails.check(("grafana", "grafana") in req and ("datasource", "prometheus") in req,
                    f"{where}: __requires must name grafana and the prometheus datasource")

        # Variables.
        tvars = {v.get("name"): v for v in d.get("templating", {}).get("list", [])}

        # Grafana's import step: every ${VAR} / $VAR is an __input or a variable (or one of
        # Grafana's own), every __input is used. Descriptions are prose (they quote nginx's
        # $request_time), so only the other strings are scanned.
        used = set()
        for text in strings_outside(d, "description"):
            for m in VARIABLE_REF.finditer(text):
                used.add(m.group(1) or m.group(2) or m.group(3))
        input_names = {i.get("name") for i in inputs}
        for name in sorted(used - set(tvars) - input_names - GRAFANA_VARIABLES):
            fails.add(f"{where}: ${name} is neither a variable nor an __inputs entry")
        for name in sorted(input_names - used):
            fails.add(f"{where}: __inputs {name} is never used as ${{{name}}}")
        ds = tvars.get("datasource", {})
        fails.check(ds.get("type") == "datasource" and ds.get("query") == "prometheus",
                    f"{where}: needs a 'datasource' variable of type datasource for prometheus")
        for vname, needs in (("job", []), ("instance", ["$job"]), ("log", ["$job", "$instance"])):
            v = tvars.get(vname)
            if not fails.check(v is not None, f"{where}: variable {vname} missing"):
                continue
            q = v["query"]["query"] if isinstance(v.get("query"), dict) else v.get("query", "")
            fails.check(v.get("type") == "query", f"{where}: variable {vname} must be a query variable")
            fails.check(v.get("datasource") == DS_REF, f"{where}: variable {vname} must use ${{datasource}}")
            fails.check(v.get("includeAll") is True and v.get("allValue") == ".*",
                        f"{where}: variable {vname} needs 'All' with allValue .* (matches a missing label)")
            fails.check(LABEL_VALUES.match(q or "") is not None, f"{where}: variable {vname}: query {q!r} is not label_values()")
            for n in needs:
                fails.check(n in (q or ""), f"{where}: variable {vname} should be filtered by {n}")
        fails.check(list(tvars)[:4] == ["datasource", "job", "instance", "log"],
                    f"{where}: variables should be datasource, job, instance, log in that order")

        # Annotations other than Grafana's built-in one use the variable too.
        for a in d.get("annotations", {}).get("list", []):
            if a.get("builtIn"):
                continue
            fails.check(a.get("datasource") == DS_REF, f"{where}: annotation {a.get('name')} must use ${{datasource}}")

        # Panels.
        ids, grid = set(), []
        titles_here = set()
        for p in all_panels(d):
            pw = f"{where}: panel {p.get('id')} {p.get('title')!r}"
            pid = p.get("id")
            fails.check(isinstance(pid, int) and pid > 0, f"{pw}: id must be a positive integer")
            fails.check(pid not in ids, f"{pw}: id {pid} shared with another panel")
            ids.add(pid)
            fails.check(p.get("datasource") == DS_REF, f"{pw}: datasource must be {DS_REF}, is {p.get('datasource')}")
            gp = p.get("gridPos", {})
            fails.check(all(isinstance(gp.get(k), int) for k in "xywh") and gp["x"] >= 0 and gp["x"] + gp["w"] <= 24,
                        f"{pw}: gridPos {gp} outside the 24-column grid")
            for other_title, og in grid:
                if overlaps(gp, og):
                    fails.add(f"{pw}: overlaps panel {other_title!r}")
            grid.append((p.get("title"), gp))
            if p.get("type") == "row":
                continue
            titles_here.add(p.get("title"))
            fails.check(bool(p.get("description")), f"{pw}: no description")
            defaults = p.get("fieldConfig", {}).get("defaults", {})
            fails.check(bool(defaults.get("unit")), f"{pw}: no unit")
            steps = defaults.get("thresholds", {}).get("steps", [])
            fails.check(steps and steps[0].get("value") is None, f"{pw}: thresholds must start with a base step")
            targets = p.get("targets") or []
            fails.check(targets, f"{pw}: no targets")
            refs = set()
            for t in targets:
                tw = f"{pw} target {t.get('refId')}"
                fails.check(t.get("datasource") == DS_REF, f"{tw}: datasource must be {DS_REF}")
                fails.check(bool(t.get("expr", "").strip()), f"{tw}: empty expr")
                fails.check(t.get("refId") and t["refId"] not in refs, f"{tw}: missing or duplicate refId")
                refs.add(t.get("refId"))
                if p["type"] in ("table", "bargauge"):
                    fails.check(t.get("instant") is True and t.get("range") is False, f"{tw}: {p['type']} targets must be instant")
                if p["type"] == "heatmap":
                    fails.check(t.get("format") == "heatmap", f"{tw}: heatmap targets need format heatmap")
                    fails.check("_bucket" in t.get("expr", ""), f"{tw}: heatmap must read histogram buckets")
        for title in REQUIRED_PANELS[DASHBOARD_FILES[name]]:
            fails.check(title in titles_here, f"{where}: required panel {title!r} missing")
        for (duid, title), parts in REQUIRED_EXPR_PARTS.items():
            if duid != DASHBOARD_FILES[name]:
                continue
            exprs = " ".join(t.get("expr", "") for p in all_panels(d) if p.get("title") == title
                             for t in p.get("targets", []))
            for part in parts:
                fails.check(part in exprs, f"{where}: panel {title!r} should use {part}")

        # No datasource is hard-coded: every "uid" inside a datasource reference is the variable.
        text = json.dumps(d)
        for m in re.finditer(r'"datasource": \{[^{}]*\}', text):
            ref = json.loads(m.group()[len('"datasource": '):])
            fails.check(ref.get("uid") in ("${datasource}", "-- Grafana --"), f"{where}: hard-coded datasource {ref}")
        fails.check(text.count("${DS_PROMETHEUS}") == 1,
                    f"{where}: ${{DS_PROMETHEUS}} must only be the datasource variable's default")

    # The JSON is what the generator writes.
    import subprocess
    gen = subprocess.run([sys.executable, str(root / "dashboards" / "generate.py"), "--check"],
                         capture_output=True, text=True, timeout=60)
    fails.check(gen.returncode == 0, "dashboards/*.json differ from dashboards/generate.py's output: " + gen.stderr.strip())

    # Provisioning files: plain text checks (no YAML parser in the standard library).
    prov = root / "dashboards" / "provisioning"
    dsf, dbf = prov / "datasources" / "accesslog-prometheus.yaml", prov / "dashboards" / "accesslog.yaml"
    if fails.check(dsf.is_file(), f"{dsf} missing"):
        t = dsf.read_text(encoding="utf-8")
        for want in ("apiVersion: 1", "datasources:", "type: prometheus", "url:", "uid:"):
            fails.check(want in t, f"{dsf.name}: no '{want}'")
    if fails.check(dbf.is_file(), f"{dbf} missing"):
        t = dbf.read_text(encoding="utf-8")
        for want in ("apiVersion: 1", "providers:", "type: file", "path:"):
            fails.check(want in t, f"{dbf.name}: no '{want}'")

    # Every panel is documented.
    doc = root / "docs" / "dashboards.md"
    if fails.check(doc.is_file(), "docs/dashboards.md missing"):
        t = doc.read_text(encoding="utf-8")
        for d in dashes.values():
            fails.check(d["uid"] in t, f"docs/dashboards.md does not name uid {d['uid']}")
            for p in all_panels(d):
                if p.get("type") != "row":
                    fails.check(f"**{p['title']}**" in t, f"docs/dashboards.md does not describe panel **{p['title']}**")
    n = sum(1 for d in dashes.values() for p in all_panels(d) if p.get("type") != "row")
    print(f"  {len(dashes)} dashboards, {n} panels")
    return fails.exit("static")


# --- metric names ---------------------------------------------------------------------------------

def used_names(dashes, rules):
    """{name: [where, ...]} and [(where, unknown function)] over dashboards and rules."""
    used, unknown = {}, []
    def add(where, expr):
        m = LABEL_VALUES.match(expr)
        if m:
            expr = m.group(1)
        expr = substitute(expr, {"job": ".*", "instance": ".*", "log": ".*", "upstream": ".*", "namespace": ".*", "workload": ".*"})
        names, unk = metric_names(expr)
        for n in names:
            used.setdefault(n, []).append(where)
        unknown.extend((where, u) for u in unk)
    for d in dashes.values():
        for where, expr, _, _ in queries(d):
            add("/".join(where), expr)
    for where, expr in rules:
        add(where, expr)
    return used, unknown


def names_selftest(root):
    fails = Failures()
    print("self-test of the metric-name extractor")
    cases = [
        ('sum by (job, le) (rate(foo_bucket{job=~"$job", le!="x"}[5m])) / on () group_left (meaning) bar:baz:ratio',
         {"foo_bucket", "bar:baz:ratio"}),
        ('topk(10, sum(increase(a_total{route!=""}[1h])) by (route)) > 0 or vector(0)', {"a_total"}),
        ('x unless x offset 5m and on (job) (up == 1) unless ignoring (code) absent(y)', {"x", "up", "y"}),
        ('label_replace(m, "meaning", "(not documented)", "", "") * 1e3 + Inf - NaN', {"m"}),
        ('time() - max_over_time(ts_seconds[10m:1m]) > bool 900', {"ts_seconds"}),
        ('histogram_quantile(0.99, sum without (instance) (rate(h_bucket[1m])))', {"h_bucket"}),
        ("count_values('v', b)", {"b"}),
    ]
    for expr, want in cases:
        got, unk = metric_names(expr)
        fails.check(got == want and not unk, f"{expr!r}: got {sorted(got)} unknown {sorted(unk)}, want {sorted(want)}")
    _, unk = metric_names("sum(rat(x[5m]))")
    fails.check(unk == {"rat"}, "a misspelt function must be reported as unknown")

    # On the real files: the extractor finds the names it must (not vacuous).
    dashes = load_dashboards(root)
    rules, records = rules_exprs(root)
    used, unknown = used_names(dashes, rules)
    for want in ("accesslog_http_responses_total", "accesslog_http_responses_by_class_total",
                 "accesslog_status_code_info", "accesslog_http_request_duration_seconds_bucket",
                 "accesslog_lines_total", "job:accesslog_http_responses_5xx:ratio_rate5m",
                 "accesslog:slo_error_budget:ratio", "process_start_time_seconds", "up"):
        fails.check(want in used, f"extractor did not find {want} in the dashboards or rules")
    fails.check(not unknown, f"unknown functions: {unknown}")
    fails.check(len(records) >= 20 and "job:accesslog_http_responses_5xx:ratio_rate5m" in records,
                f"only {len(records)} recording rules read from rules/*.yml")
    fails.check(len(rules) >= 40, f"only {len(rules)} rule expressions read from rules/*.yml")
    return fails.exit("names-selftest")


def check_names(root, exposition, fails):
    dashes = load_dashboards(root)
    rules, records = rules_exprs(root)
    used, unknown = used_names(dashes, rules)
    exported = set()
    for line in exposition.splitlines():
        if line.startswith("# TYPE ") or line.startswith("# HELP "):
            exported.add(line.split()[2])
        elif line and not line.startswith("#"):
            exported.add(re.split(r"[{\s]", line, maxsplit=1)[0])
    known = exported | records | PROMETHEUS_SERIES
    for name, wheres in sorted(used.items()):
        fails.check(name in known, f"metric {name} is used by {sorted(set(wheres))[:3]} but is neither in "
                                   f"the exporter's /metrics nor a recording rule in rules/*.yml")
    for where, fn in unknown:
        fails.add(f"{where}: unknown PromQL function {fn}")
    # The check must bite: rename one exported metric and it has to fail.
    renamed = exposition.replace("accesslog_lines_total", "accesslog_lines_read_total")
    exported2 = {re.split(r"[{\s]", l, maxsplit=1)[0] for l in renamed.splitlines() if l and not l.startswith("#")}
    fails.check("accesslog_lines_total" in used and "accesslog_lines_total" not in exported2 | records | PROMETHEUS_SERIES,
                "renaming accesslog_lines_total in the exposition would go unnoticed")
    print(f"  {len(used)} metric names used by dashboards and rules; all exported, recorded or Prometheus' own"
          if not fails.items else f"  {len(used)} metric names checked")


# --- live checks ----------------------------------------------------------------------------------

def regex_escape(value):
    """Grafana's prometheusSpecialRegexEscape, as the text appears inside a PromQL string."""
    return re.sub(r"[$^*{}\[\]'+?.()|\\]", lambda m: "\\\\" + m.group(), value)


def substitute(expr, values):
    """Replaces $var / ${var} (template and built-in variables) as Grafana would."""
    def rep(m):
        name = m.group(1) or m.group(2)
        if name in BUILTINS:
            return BUILTINS[name]
        if name in values:
            return values[name]
        raise KeyError(f"unknown variable ${name}")
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", rep, expr)


def api(prom, path, params, timeout=10):
    url = prom + path + "?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        try:
            return json.load(e)
        except Exception:  # noqa: BLE001 - report whatever came back
            return {"status": "error", "error": f"HTTP {e.code}"}


def finite_values(data):
    rtype, result = data["resultType"], data["result"]
    if rtype == "scalar":
        return [float(result[1])]
    if rtype == "vector":
        vals = [float(s["value"][1]) for s in result]
    elif rtype == "matrix":
        vals = [float(v[1]) for s in result for v in s["values"]]
    else:
        return []
    return [v for v in vals if math.isfinite(v)]


def wait_until(desc, fn, seconds):
    deadline = time.monotonic() + seconds
    for _ in range(int(seconds * 4) + 1):
        try:
            if fn():
                return True
        except (OSError, ValueError, KeyError):
            pass
        if time.monotonic() > deadline:
            break
        time.sleep(0.25)
    print(f"  timed out waiting for {desc}")
    return False


def live(root, prom, exporter_url, job):
    fails = Failures()
    print("live checks: every dashboard query against Prometheus")
    dashes = load_dashboards(root)

    def has(expr):
        d = api(prom, "/api/v1/query", {"query": expr})
        return d.get("status") == "success" and bool(finite_values(d["data"]))

    # Enough data for every window: 10 s of scrapes with traffic, and every recording rule
    # (including the long-window group) evaluated.
    for desc, expr in (
            ("10 scrapes of the exporter", f'count_over_time(up{{job="{job}"}}[1m]) >= 10'),
            ("5xx responses", f'sum(accesslog_http_responses_by_class_total{{job="{job}", class="5xx"}}) > 0'),
            ("upstream histogram", f'sum(accesslog_http_upstream_duration_seconds_count{{job="{job}"}}) > 0'),
            ("the 3d burn-rate recording rule", f'job:accesslog_http_responses_5xx:ratio_rate3d{{job="{job}"}}'),
            ("the malformed ratio recording rule", f'job_log:accesslog_lines_malformed:ratio_rate5m{{job="{job}"}}'),
            ("the per-operation recording rules",
             f'job_log_route_method_operation:accesslog_http_responses_undocumented:ratio_rate5m{{job="{job}"}} > 0')):
        if not wait_until(desc, lambda e=expr: has(e), 45):
            fails.add(f"no data yet: {desc} ({expr})")
            return fails.exit("live")

    # Every query variable of every dashboard, as Grafana's label_values() would list them with
    # All selected upstream (the dashboards' variables filter by the variables before them).
    now = time.time()
    for dname, dash in sorted(dashes.items()):
        for v in dash.get("templating", {}).get("list", []):
            if v.get("type") != "query":
                continue
            q = v["query"]["query"] if isinstance(v.get("query"), dict) else v.get("query", "")
            m = LABEL_VALUES.match(q or "")
            if not fails.check(m is not None, f"{dname}: variable {v.get('name')}: {q!r} is not label_values()"):
                continue
            match = substitute(m.group(1), {"job": regex_escape(job), "instance": ".*", "log": ".*", "upstream": ".*", "namespace": ".*", "workload": ".*"})
            d = api(prom, f"/api/v1/label/{m.group(2)}/values", {"match[]": match, "start": now - 300, "end": now})
            fails.check(d.get("status") == "success" and d.get("data"),
                        f"{dname}: variable {v.get('name')}: {q} lists nothing ({d.get('error')})")
            print(f"  {dname}: variable {v.get('name')}: {len(d.get('data') or [])} values")

    # Variable values, as Grafana's label_values() would list them.
    real = {}
    for name in ("job", "instance", "log", "upstream", "namespace", "workload"):
        v = next(v for v in dashes["accesslog-overview.json"]["templating"]["list"] if v["name"] == name)
        q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        m = LABEL_VALUES.match(q)
        match = substitute(m.group(1), {"job": regex_escape(job), "instance": ".*", "log": ".*", "upstream": ".*", "namespace": ".*", "workload": ".*"})
        d = api(prom, f"/api/v1/label/{m.group(2)}/values", {"match[]": match, "start": now - 300, "end": now})
        vals = d.get("data") or []
        fails.check(d.get("status") == "success" and vals, f"variable {name}: {q} lists nothing ({d.get('error')})")
        real[name] = vals
        print(f"  variable {name}: {vals}")
    if fails.items:
        return fails.exit("live")

    def one(vals):
        return vals[0] if len(vals) == 1 else "(" + "|".join(vals) + ")"
    substitutions = {
        "All": {"job": ".*", "instance": ".*", "log": ".*", "upstream": ".*", "namespace": ".*", "workload": ".*"},
        "selected": {k: one([regex_escape(x) for x in v]) for k, v in real.items()},
    }

    ran = empty_ok = 0
    empty_seen = set()
    for dname, d in dashes.items():
        for where, expr, instant, kind in queries(d):
            if kind == "variable":
                continue  # listed above
            for sname, values in substitutions.items():
                q = substitute(expr, values)
                calls = [("query", {"query": q, "time": time.time()})]
                if not instant:
                    end = time.time()
                    calls.append(("query_range", {"query": q, "start": end - 60, "end": end, "step": 5}))
                for endpoint, params in calls:
                    ran += 1
                    d_ = api(prom, "/api/v1/" + endpoint, params)
                    label = f"{where[0]} / {where[1]} / {where[2]} ({sname}, {endpoint})"
                    if d_.get("status") != "success":
                        fails.add(f"{label}: {d_.get('errorType')}: {d_.get('error')}\n        query: {q}")
                        continue
                    for w in d_.get("warnings", []) or []:
                        print(f"  warning: {label}: {w}")
                    if finite_values(d_["data"]):
                        continue
                    if where in MAY_BE_EMPTY:
                        empty_ok += 1
                        empty_seen.add(where)
                        continue
                    fails.add(f"{label}: no data\n        query: {q}")
    print(f"  {ran} queries run ({len(substitutions)} variable substitutions, instant and range)")
    for where in sorted(empty_seen):
        print(f"  empty, allowed: {' / '.join(where)}: {MAY_BE_EMPTY[where]}")

    # Metric names against the exporter's exposition.
    with urllib.request.urlopen(exporter_url, timeout=5) as r:
        exposition = r.read().decode("utf-8")
    check_names(root, exposition, fails)
    return fails.exit("live")


# --- query semantics (promtool) ------------------------------------------------------------------

def semantics(root, workdir):
    """The join of "Operations without traffic" (accesslog_api_operation_info unless the counters)
    on synthetic series, through promtool's PromQL engine: the live test shows it returns data,
    this that it returns the right rows."""
    import subprocess
    fails = Failures()
    print("query semantics (promtool test rules)")
    with open(root / "dashboards" / "accesslog-api-operations.json", encoding="utf-8") as f:
        dash = json.load(f)
    expr = next(t["expr"] for p in all_panels(dash) if p["title"] == "Operations without traffic"
                for t in p.get("targets", []))
    expr = substitute(expr, {"job": ".*", "instance": ".*", "log": ".*", "upstream": ".*", "namespace": ".*", "workload": ".*"})
    info = "accesslog_api_operation_info"
    resp = "accesslog_http_responses_by_class_total"
    series = [
        # Job a, labels.log off: the counters carry no log, the info series do.
        (f'{info}{{job="a",instance="i",log="k",method="GET",route="/x",operation="getX"}}', "1x20"),
        (f'{info}{{job="a",instance="i",log="k",method="GET",route="/y",operation="getY"}}', "1x20"),
        (f'{resp}{{job="a",instance="i",method="GET",route="/x",operation="getX",class="2xx"}}', "0+1x20"),
        # Job b, labels.log on, two sources with the same template: only k2 had traffic.
        (f'{info}{{job="b",instance="i",log="k1",method="GET",route="/x",operation="getX"}}', "1x20"),
        (f'{info}{{job="b",instance="i",log="k2",method="GET",route="/x",operation="getX2"}}', "1x20"),
        (f'{resp}{{job="b",instance="i",log="k2",method="GET",route="/x",operation="getX2",class="2xx"}}', "0+1x20"),
        # Job c: a label set born 2m ago and flat since (increase() alone would miss it), and
        # HEAD traffic, which does not count for the GET operation.
        (f'{info}{{job="c",instance="i",log="n",method="GET",route="/z",operation="getZ"}}', "1x20"),
        (f'{resp}{{job="c",instance="i",log="n",method="GET",route="/z",operation="getZ",class="2xx"}}', "_x18 3 3"),
        (f'{info}{{job="c",instance="i",log="n",method="GET",route="/h",operation="getH"}}', "1x20"),
        (f'{resp}{{job="c",instance="i",log="n",method="HEAD",route="/h",operation="getH",class="2xx"}}', "0+1x20"),
    ]
    want = [('{job="a",log="k",method="GET",route="/y",operation="getY"}', 1),
            ('{job="b",log="k1",method="GET",route="/x",operation="getX"}', 1),
            ('{job="c",log="n",method="GET",route="/h",operation="getH"}', 1)]
    test = {"rule_files": [], "evaluation_interval": "1m", "tests": [{
        "interval": "1m",
        "input_series": [{"series": s, "values": v} for s, v in series],
        "promql_expr_test": [{"expr": expr, "eval_time": "20m",
                              "exp_samples": [{"labels": l, "value": v} for l, v in want]}]}]}
    path = pathlib.Path(workdir) / "operations_without_traffic_test.yml"
    path.write_text(json.dumps(test, indent=1), encoding="utf-8")  # JSON is YAML
    r = subprocess.run(["promtool", "test", "rules", path.name], cwd=path.parent,
                       capture_output=True, text=True, timeout=60)
    fails.check(r.returncode == 0, "Operations without traffic: " + (r.stdout + r.stderr).strip()[-2000:])
    return fails.exit("semantics")


# --- traffic ---------------------------------------------------------------------------------------

class Backend(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        qs = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        status = int(qs.get("status", ["200"])[0])
        time.sleep(min(float(qs.get("delay", ["0"])[0]), 2.0))
        body = (json.dumps({"kitten": self.path, "status": status}) + " " * random.randint(0, 3000)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


def backend(port):
    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
    srv = Server(("127.0.0.1", port), Backend)
    srv.timeout = 1
    deadline = time.monotonic() + 600  # never outlive a test by much, even if orphaned
    for _ in range(1_000_000):
        if time.monotonic() > deadline:
            break
        srv.handle_request()
    return 0


# (weight, method, path template, expected status). {n} is a kitten id; the upstream answers
# /v1/kittens/ with the status and delay asked for; /v1/legacy/ is proxied to a closed port (502).
# Against examples/openapi.yaml (server prefix /v1): /v1/kittens/{n} is getKitten (POST: no
# operation), .../photos listKittenPhotos (which does not document 500), /v1/kittens/search
# searchKittensByName; every other path is outside the document.
MIX = [
    (40, "GET", "/v1/kittens/{n}?status=200&delay={d}", 200),
    (5, "POST", "/v1/kittens/{n}?status=201&delay={d}", 201),
    (4, "GET", "/v1/kittens/{n}?status=404&delay={d}", 404),
    (8, "GET", "/v1/kittens/{n}?status=429&delay=0", 429),
    (2, "GET", "/v1/kittens/{n}?status=500&delay={d}", 500),
    (2, "GET", "/v1/kittens/{n}?status=503&delay={d}", 503),
    (4, "GET", "/v1/kittens/{n}/photos?status=200&delay={d}", 200),
    (1, "GET", "/v1/kittens/{n}/photos?status=500&delay=0", 500),
    (2, "GET", "/v1/kittens/search?status=200&delay={d}", 200),
    (10, "GET", "/healthz", 200),
    (3, "POST", "/v1/orders", 201),
    (3, "GET", "/v1/throttled", 429),
    (1, "GET", "/v1/crash", 500),
    (1, "GET", "/v1/maintenance", 503),
    (2, "GET", "/v1/legacy/{n}", 502),
    (3, "GET", "/no/such/page/{n}", 404),
]
DELAYS = [0.001] * 5 + [0.01] * 4 + [0.03] * 3 + [0.08] * 2 + [0.2, 0.4]


def traffic(base, seconds, threads=4, max_requests=20000):
    u = urllib.parse.urlsplit(base)
    deadline = time.monotonic() + seconds
    counts = {}
    lock = threading.Lock()
    weights = [m[0] for m in MIX]
    sent = [0]

    def worker():
        rnd = random.Random()
        conn = None
        while time.monotonic() < deadline:
            with lock:
                if sent[0] >= max_requests:
                    return
                sent[0] += 1
            _, method, path, _ = rnd.choices(MIX, weights)[0]
            path = path.format(n=rnd.randint(1, 500), d=rnd.choice(DELAYS))
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
                conn.request(method, path, body=b"{}" if method == "POST" else None,
                             headers={"User-Agent": "accesslog-dashboard-test"})
                r = conn.getresponse()
                r.read()
                with lock:
                    counts[r.status] = counts.get(r.status, 0) + 1
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.05)
    ts = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(seconds + 10)
    print("traffic: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), flush=True)
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "static":
        return static(pathlib.Path(args[0]))
    if cmd == "names-selftest":
        return names_selftest(pathlib.Path(args[0]))
    if cmd == "backend":
        return backend(int(args[0]))
    if cmd == "traffic":
        return traffic(args[0], float(args[1]))
    if cmd == "semantics":
        return semantics(pathlib.Path(args[0]), args[1])
    if cmd == "live":
        return live(pathlib.Path(args[0]), args[1], args[2], args[3])
    print(f"unknown command {cmd}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
