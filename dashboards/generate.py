#!/usr/bin/env python3
"""Writes the Grafana dashboards of accesslog_exporter from one description.

    python3 dashboards/generate.py           # rewrite dashboards/*.json
    python3 dashboards/generate.py --check   # exit 1 if a committed JSON differs from the output

The JSON files are what users import; this script is what we edit. It keeps what is tedious and
easy to get wrong by hand consistent: panel ids, grid positions, the datasource reference of every
panel and target, the template variables and the import metadata (`__inputs`, `__requires`).
docs/dashboards.md describes every panel; tests/dashboards/ proves every query against a live
Prometheus. Python 3 standard library only.
"""

import argparse
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent

SCHEMA_VERSION = 39  # Grafana 10.4
GRAFANA_VERSION = "10.4.0"

# Every panel, target, variable and annotation queries the datasource chosen in this variable.
DS = {"type": "prometheus", "uid": "${datasource}"}

# Label matchers of the template variables. `log` only exists on the response metrics when the
# exporter runs with --labels=log; its "All" value `.*` also matches a missing label, so with All
# selected every panel works whichever labels are configured.
SEL = 'job=~"$job", instance=~"$instance"'
SEL_LOG = 'job=~"$job", instance=~"$instance", log=~"$log"'


def sel(*extra, log=True):
    """The variables' matchers plus EXTRA, inside braces."""
    parts = [SEL_LOG if log else SEL, *extra]
    return "{" + ", ".join(parts) + "}"


# --- panel builders ------------------------------------------------------------------------------

def target(expr, legend="", ref="A", instant=False, fmt="time_series", interval=""):
    t = {
        "datasource": DS,
        "editorMode": "code",
        "expr": expr,
        "legendFormat": legend or "__auto",
        "range": not instant,
        "instant": instant,
        "refId": ref,
    }
    if fmt != "time_series":
        t["format"] = fmt
    else:
        t["format"] = "time_series"
    if interval:
        t["interval"] = interval
    return t


def thresholds(*steps, base="green"):
    """Absolute thresholds: base colour, then (value, colour) pairs."""
    out = [{"color": base, "value": None}]
    out += [{"color": c, "value": v} for v, c in steps]
    return {"mode": "absolute", "steps": out}


def threshold_line(ref, color):
    """Override that draws a constant series (a rules' threshold) as a dashed line."""
    return {
        "matcher": {"id": "byFrameRefID", "options": ref},
        "properties": [
            {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}},
            {"id": "custom.lineWidth", "value": 2},
            {"id": "custom.fillOpacity", "value": 0},
            {"id": "custom.stacking", "value": {"group": "A", "mode": "none"}},
            {"id": "color", "value": {"mode": "fixed", "fixedColor": color}},
        ],
    }


def timeseries(title, description, targets, unit, w=12, h=8, th=None, stack=False, min0=True,
               overrides=None, bars=False, max_=None, legend_calcs=None, thresholds_style="off"):
    custom = {
        "drawStyle": "bars" if bars else "line",
        "lineWidth": 1,
        "fillOpacity": 80 if bars else (25 if stack else 10),
        "gradientMode": "none",
        "showPoints": "never",
        "pointSize": 5,
        "spanNulls": False,
        "lineInterpolation": "linear",
        "axisPlacement": "auto",
        "axisLabel": "",
        "axisBorderShow": False,
        "scaleDistribution": {"type": "linear"},
        "stacking": {"group": "A", "mode": "normal" if stack else "none"},
        "thresholdsStyle": {"mode": thresholds_style},
        "hideFrom": {"legend": False, "tooltip": False, "viz": False},
        "insertNulls": False,
        "barAlignment": 0,
    }
    defaults = {
        "unit": unit,
        "color": {"mode": "palette-classic"},
        "custom": custom,
        "thresholds": th or thresholds(),
        "mappings": [],
    }
    if min0:
        defaults["min"] = 0
    if max_ is not None:
        defaults["max"] = max_
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": targets,
        "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
        "options": {
            "legend": {"displayMode": "table" if legend_calcs else "list", "placement": "bottom",
                       "showLegend": True, "calcs": legend_calcs or []},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
        "_size": (w, h),
    }


def stat(title, description, targets, unit, th, w=4, h=4, decimals=None, mappings=None,
         text_mode="auto", color_mode="value", graph=True, reduce_fields=""):
    defaults = {
        "unit": unit,
        "color": {"mode": "thresholds"},
        "thresholds": th,
        "mappings": mappings or [],
    }
    if decimals is not None:
        defaults["decimals"] = decimals
    return {
        "type": "stat",
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": targets,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": reduce_fields, "values": False},
            "orientation": "auto",
            "textMode": text_mode,
            "colorMode": color_mode,
            "graphMode": "area" if graph else "none",
            "justifyMode": "auto",
            "wideLayout": True,
            "showPercentChange": False,
        },
        "_size": (w, h),
    }


def bargauge(title, description, targets, unit, th, w=12, h=8):
    return {
        "type": "bargauge",
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": targets,
        "fieldConfig": {
            "defaults": {"unit": unit, "color": {"mode": "thresholds"}, "thresholds": th,
                         "mappings": [], "min": 0, "decimals": 0},
            "overrides": [],
        },
        "options": {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "orientation": "horizontal",
            "displayMode": "gradient",
            "valueMode": "color",
            "namePlacement": "auto",
            "showUnfilled": True,
            "sizing": "auto",
            "minVizHeight": 16,
            "minVizWidth": 8,
            "maxVizHeight": 300,
        },
        "_size": (w, h),
    }


def table(title, description, targets, transformations, overrides, w=12, h=8, sort_by=None,
          unit="short", th=None):
    return {
        "type": "table",
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": targets,
        "transformations": transformations,
        "fieldConfig": {
            "defaults": {"unit": unit, "color": {"mode": "thresholds"},
                         "thresholds": th or thresholds(),
                         "mappings": [],
                         "custom": {"align": "auto", "cellOptions": {"type": "auto"},
                                    "inspect": False, "filterable": True}},
            "overrides": overrides,
        },
        "options": {
            "showHeader": True,
            "cellHeight": "sm",
            "footer": {"show": False, "reducer": ["sum"], "countRows": False, "fields": ""},
            "sortBy": sort_by or [],
        },
        "_size": (w, h),
    }


def heatmap(title, description, targets, unit, w=12, h=8):
    return {
        "type": "heatmap",
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": targets,
        "maxDataPoints": 60,
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "thresholds": thresholds(),
                "custom": {"hideFrom": {"legend": False, "tooltip": False, "viz": False},
                           "scaleDistribution": {"type": "linear"}},
            },
            "overrides": [],
        },
        "options": {
            "calculate": False,
            "cellGap": 1,
            "color": {"mode": "scheme", "scheme": "Oranges", "fill": "dark-orange", "scale": "exponential",
                      "exponent": 0.5, "steps": 64, "reverse": False},
            "exemplars": {"color": "rgba(255,0,255,0.7)"},
            "filterValues": {"le": 1e-9},
            "legend": {"show": True},
            "rowsFrame": {"layout": "auto"},
            "tooltip": {"mode": "single", "yHistogram": False, "showColorScale": False},
            "yAxis": {"axisPlacement": "left", "reverse": False, "unit": unit},
            "showValue": "never",
        },
        "_size": (w, h),
    }


def row(title):
    return {"type": "row", "title": title, "collapsed": False, "panels": [], "datasource": DS,
            "_size": (24, 1)}


# --- layout and dashboard -------------------------------------------------------------------------

def layout(panels):
    """Assigns ids (1, 2, ... in order) and grid positions, left to right, top to bottom."""
    x = y = line_h = 0
    for i, p in enumerate(panels, start=1):
        w, h = p.pop("_size")
        if p["type"] == "row" or x + w > 24:
            y += line_h
            x = line_h = 0
        p["id"] = i
        p["gridPos"] = {"h": h, "w": w, "x": x, "y": y}
        x += w
        line_h = max(line_h, h)
        if p["type"] == "row":
            y += h
            x = line_h = 0
    return panels


def variable_query(name, label, query, description):
    return {
        "type": "query",
        "name": name,
        "label": label,
        "description": description,
        "datasource": DS,
        "definition": query,
        "query": query,  # the classic string form: every Grafana version reads it
        "refresh": 2,  # on time range change
        "regex": "",
        "sort": 1,
        "multi": True,
        "includeAll": True,
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "options": [],
        "hide": 0,
        "skipUrlSync": False,
    }


def templating():
    return {"list": [
        {
            "type": "datasource",
            "name": "datasource",
            "label": "Data source",
            "description": "Prometheus that scrapes accesslog_exporter, with rules/*.yml loaded",
            "query": "prometheus",
            "regex": "",
            # Filled in by Grafana's import dialog (__inputs). Provisioned from files, the
            # placeholder is not substituted and Grafana selects an existing Prometheus instead.
            "current": {"selected": False, "text": "Prometheus", "value": "${DS_PROMETHEUS}"},
            "options": [],
            "refresh": 1,
            "includeAll": False,
            "multi": False,
            "hide": 0,
            "skipUrlSync": False,
        },
        variable_query("job", "Job", "label_values(accesslog_build_info, job)",
                       "Prometheus scrape job(s) of the exporters"),
        variable_query("instance", "Instance", 'label_values(accesslog_build_info{job=~"$job"}, instance)',
                       "Exporter instance(s)"),
        variable_query("log", "Log", 'label_values(accesslog_lines_total{job=~"$job", instance=~"$instance"}, log)',
                       "Access log(s). Filters the response panels only when the exporter runs "
                       "with --labels=log; the exporter-health panels always."),
        variable_query("upstream", "Upstream",
                       'label_values(accesslog_http_responses_by_class_total{job=~"$job", instance=~"$instance"}, upstream)',
                       "Upstream(s) (the upstream label: --labels=upstream). Filters the Upstreams "
                       "row only; empty without the label."),
    ]}


def requires(panels):
    names = {"timeseries": "Time series", "stat": "Stat", "table": "Table", "heatmap": "Heatmap",
             "bargauge": "Bar gauge"}
    types = sorted({p["type"] for p in panels if p["type"] != "row"})
    return ([{"type": "grafana", "id": "grafana", "name": "Grafana", "version": GRAFANA_VERSION},
             {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"}]
            + [{"type": "panel", "id": t, "name": names[t], "version": ""} for t in types])


def dashboard(uid, title, description, panels, tags):
    panels = layout(panels)
    return {
        "__inputs": [{
            "name": "DS_PROMETHEUS",
            "label": "Prometheus",
            "description": "Prometheus that scrapes accesslog_exporter, with the rules in rules/ loaded",
            "type": "datasource",
            "pluginId": "prometheus",
            "pluginName": "Prometheus",
        }],
        "__elements": {},
        "__requires": requires(panels),
        "annotations": {"list": [
            {
                "builtIn": 1,
                "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                "enable": True,
                "hide": True,
                "iconColor": "rgba(0, 211, 255, 1)",
                "name": "Annotations & Alerts",
                "type": "dashboard",
            },
            {
                "name": "accesslog alerts",
                "datasource": DS,
                "enable": True,
                "hide": False,
                "iconColor": "red",
                "expr": 'max by (alertname, severity, job) (ALERTS{alertname=~"Accesslog.*", alertstate="firing", job=~"$job"})',
                "step": "60s",
                "titleFormat": "{{alertname}}",
                "textFormat": "{{job}} ({{severity}})",
                "useValueForTime": False,
            },
        ]},
        "description": description,
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": None,
        "links": [{
            "title": "accesslog dashboards",
            "type": "dashboards",
            "tags": ["accesslog"],
            "asDropdown": True,
            "includeVars": True,
            "keepTime": True,
            "icon": "external link",
            "targetBlank": False,
            "tooltip": "",
            "url": "",
        }],
        "liveNow": False,
        "panels": panels,
        "refresh": "30s",
        "schemaVersion": SCHEMA_VERSION,
        "tags": tags,
        "templating": templating(),
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": {},
        "timezone": "",
        "title": title,
        "uid": uid,
        "version": 1,
        "weekStart": "",
    }


# --- Overview ------------------------------------------------------------------------------------

RESP = "accesslog_http_responses_total"
BY_CLASS = "accesslog_http_responses_by_class_total"


def quantile_expr(metric, q):
    """A quantile of either kind of histogram: the classic buckets summed by le or, where
    Prometheus stores the native histogram instead (histograms.native on, and a Prometheus
    started with --enable-feature=native-histograms), the native one. A series is stored as
    one kind or the other, so `or` takes whichever exists (docs/dashboards.md)."""
    return (f"histogram_quantile({q}, sum by (le) (rate({metric}_bucket{sel()}[$__rate_interval])) "
            f"or sum(rate({metric}{sel()}[$__rate_interval])))")


def ratio_expr(num_metric, num_matcher, window="5m"):
    """Per-job ratio of NUM to all responses of the selection, over WINDOW (the alerts use 5m)."""
    return (f"sum by (job) (rate({num_metric}{sel(num_matcher)}[{window}]))\n"
            f"  / sum by (job) (rate({BY_CLASS}{sel()}[{window}]))")


def undocumented_expr(rng):
    # Same trick as the AccesslogUndocumentedStatusCodes alert: increase() cannot see the first
    # responses of a series born inside the range, so those series count with their whole value.
    x = RESP + sel('documented="false"')
    return (f"sum by (job, code, class) (\n"
            f"  (increase({x}[{rng}]) > 0)\n"
            f"  or ({x} unless {x} offset {rng})\n"
            f")")


def overview():
    q = []
    budget_remaining = (
        "1 - (\n"
        f'  sum by (job) (increase({BY_CLASS}{{job=~"$job", class="5xx"}}[30d]))\n'
        f'    / sum by (job) (increase({BY_CLASS}{{job=~"$job"}}[30d]))\n'
        ") / on () group_left () accesslog:slo_error_budget:ratio")
    q += [
        row("Traffic"),
        stat("Request rate", "Responses per second over the selection (all jobs, instances and logs selected).",
             [target(f"sum(rate({BY_CLASS}{sel()}[$__rate_interval]))", "requests/s")],
             "reqps", thresholds(), w=4),
        stat("5xx ratio (5m)",
             "Share of responses that are server errors over the last 5 minutes, per job, as "
             "AccesslogHigh5xxRatio computes it. Colours at the default warning (1%) and page (5%) "
             "thresholds; the 5xx ratio graph below draws the thresholds in force.",
             [target(ratio_expr(BY_CLASS, 'class="5xx"'), "{{job}}")],
             "percentunit", thresholds((0.01, "orange"), (0.05, "red")), w=4, decimals=2),
        stat("429 ratio (5m)",
             "Share of responses that are 429 Too Many Requests over the last 5 minutes, per job. "
             "Red at the default alert threshold (10%).",
             [target(ratio_expr(RESP, 'code="429"'), "{{job}}")],
             "percentunit", thresholds((0.10, "red")), w=4, decimals=2),
        stat("Error budget remaining (30d)",
             "Share of the availability SLO's error budget left over the last 30 days, per job "
             "(5xx responses are errors; objective from accesslog:slo_objective:ratio). Below 0 "
             "the SLO is broken. Per job: the instance and log filters do not apply.",
             [target(budget_remaining, "{{job}}")],
             "percentunit", thresholds((0, "orange"), (0.25, "green"), base="red"), w=4, decimals=1),
        stat("p99 request duration",
             "99th percentile of the request time logged by the server, over the selection.",
             [target(quantile_expr("accesslog_http_request_duration_seconds", "0.99"), "p99")],
             "s", thresholds((0.5, "orange"), (1, "red")), w=4),
        stat("Undocumented codes",
             "Number of distinct status codes answered in the dashboard's time range that the API's "
             "documentation does not list (documented=\"false\"). The table 'Undocumented codes seen' names them.",
             [target(f"count(count by (code) ({undocumented_expr('$__range')})) or vector(0)",
                     "codes", instant=True)],
             "short", thresholds((1, "orange")), w=4, graph=False, decimals=0),

        timeseries("Request rate", "Responses per second, per job.",
                   [target(f"sum by (job) (rate({BY_CLASS}{sel()}[$__rate_interval]))", "{{job}}")],
                   "reqps"),
        timeseries("Responses by class", "Responses per second by status class, stacked.",
                   [target(f"sum by (class) (rate({BY_CLASS}{sel()}[$__rate_interval]))", "{{class}}")],
                   "reqps", stack=True,
                   overrides=[{"matcher": {"id": "byName", "options": c},
                               "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": col}}]}
                              for c, col in (("1xx", "blue"), ("2xx", "green"), ("3xx", "purple"),
                                             ("4xx", "orange"), ("5xx", "red"))]),

        row("Status codes"),
        table("Status codes",
              "Every status code answered in the dashboard's time range: its class, whether the API "
              "documents it, its documented meaning (joined from accesslog_status_code_info), the "
              "number of responses in the range, the current rate and its share of all responses.",
              [
                  target(f"sum by (code, class, documented) (increase({RESP}{sel()}[$__range]))\n"
                         "  * on (code) group_left (meaning)\n"
                         # topk: one meaning per code even if instances run different tables.
                         f'  topk by (code) (1, max by (code, meaning) (accesslog_status_code_info{{{SEL}}}))\n'
                         f"or on (code)\n"
                         f'label_replace(sum by (code, class, documented) (increase({RESP}{sel()}[$__range])), '
                         '"meaning", "(not documented)", "", "")',
                         ref="A", instant=True, fmt="table"),
                  target(f"sum by (code) (rate({RESP}{sel()}[$__rate_interval]))",
                         ref="B", instant=True, fmt="table"),
                  target(f"sum by (code) (increase({RESP}{sel()}[$__range]))\n"
                         f"  / on () group_left () sum(increase({RESP}{sel()}[$__range]))",
                         ref="C", instant=True, fmt="table"),
              ],
              [
                  {"id": "merge", "options": {}},
                  {"id": "organize", "options": {
                      "excludeByName": {"Time": True},
                      "indexByName": {"code": 0, "class": 1, "documented": 2, "meaning": 3,
                                      "Value #A": 4, "Value #B": 5, "Value #C": 6},
                      "renameByName": {"code": "Code", "class": "Class", "documented": "Documented",
                                       "meaning": "Meaning", "Value #A": "Responses",
                                       "Value #B": "Rate", "Value #C": "Share"},
                  }},
              ],
              [
                  {"matcher": {"id": "byName", "options": "Responses"},
                   "properties": [{"id": "unit", "value": "short"}, {"id": "decimals", "value": 0},
                                  {"id": "custom.width", "value": 110}]},
                  {"matcher": {"id": "byName", "options": "Rate"},
                   "properties": [{"id": "unit", "value": "reqps"}, {"id": "custom.width", "value": 110}]},
                  {"matcher": {"id": "byName", "options": "Share"},
                   "properties": [{"id": "unit", "value": "percentunit"}, {"id": "decimals", "value": 1},
                                  {"id": "min", "value": 0}, {"id": "max", "value": 1},
                                  {"id": "custom.cellOptions", "value": {"type": "gauge", "mode": "basic"}},
                                  {"id": "custom.width", "value": 160}]},
                  {"matcher": {"id": "byName", "options": "Code"},
                   "properties": [{"id": "custom.width", "value": 70}]},
                  {"matcher": {"id": "byName", "options": "Class"},
                   "properties": [{"id": "custom.width", "value": 70}]},
                  {"matcher": {"id": "byName", "options": "Documented"},
                   "properties": [{"id": "custom.width", "value": 100},
                                  {"id": "mappings", "value": [{"type": "value", "options": {
                                      "false": {"text": "no", "color": "orange", "index": 0},
                                      "true": {"text": "yes", "color": "green", "index": 1}}}]},
                                  {"id": "custom.cellOptions", "value": {"type": "color-text"}}]},
              ],
              w=17, h=10, sort_by=[{"displayName": "Responses", "desc": True}]),
        table("Undocumented codes seen",
              "Status codes outside the API's documented table answered in the dashboard's time range, "
              "per job, with the number of responses. AccesslogUndocumentedStatusCodes fires on these "
              "(except the codes on its ignore list, 499 by default).",
              [target(undocumented_expr("$__range"), ref="A", instant=True, fmt="table")],
              [{"id": "organize", "options": {
                  "excludeByName": {"Time": True},
                  "indexByName": {"job": 0, "code": 1, "class": 2, "Value": 3},
                  "renameByName": {"job": "Job", "code": "Code", "class": "Class", "Value": "Responses"}}}],
              [{"matcher": {"id": "byName", "options": "Responses"},
                "properties": [{"id": "decimals", "value": 0},
                               {"id": "custom.cellOptions", "value": {"type": "color-background"}},
                               {"id": "color", "value": {"mode": "fixed", "fixedColor": "orange"}}]}],
              w=7, h=10, sort_by=[{"displayName": "Responses", "desc": True}]),

        row("Errors and SLO"),
        timeseries("5xx ratio",
                   "Share of responses that are 5xx over 5 minutes, per job, with the page and warning "
                   "thresholds in force (accesslog:http_5xx_page_threshold:ratio, "
                   "accesslog:http_5xx_warning_threshold:ratio from rules/accesslog-thresholds.rules.yml).",
                   [target(ratio_expr(BY_CLASS, 'class="5xx"'), "{{job}}", "A"),
                    target("accesslog:http_5xx_page_threshold:ratio", "page threshold", "B"),
                    target("accesslog:http_5xx_warning_threshold:ratio", "warning threshold", "C")],
                   "percentunit", overrides=[threshold_line("B", "red"), threshold_line("C", "orange")]),
        timeseries("429 ratio",
                   "Share of responses that are 429 (clients throttled) over 5 minutes, per job, with "
                   "the alert threshold in force (accesslog:http_429_threshold:ratio).",
                   [target(ratio_expr(RESP, 'code="429"'), "{{job}}", "A"),
                    target("accesslog:http_429_threshold:ratio", "alert threshold", "B")],
                   "percentunit", overrides=[threshold_line("B", "red")]),
        timeseries("Error budget burn rate",
                   "How fast each job spends its error budget: the 5xx ratio over a window divided by the "
                   "budget (1 - accesslog:slo_objective:ratio). 1 spends exactly the budget in 30 days. "
                   "From the recording rules, per job (the instance and log filters do not apply). "
                   "Threshold lines: the burn rates of AccesslogErrorBudgetBurn (14.4 for 1h/5m, 6 for "
                   "6h/30m, 3 for 1d/2h, 1 for 3d/6h).",
                   [target(f'job:accesslog_http_responses_5xx:ratio_rate{w}{{job=~"$job"}}\n'
                           "  / on () group_left () accesslog:slo_error_budget:ratio",
                           "{{job}} " + w, ref)
                    for ref, w in (("A", "5m"), ("B", "1h"), ("C", "6h"), ("D", "1d"), ("E", "3d"))],
                   "short",
                   th=thresholds((1, "yellow"), (3, "orange"), (6, "red"), (14.4, "dark-red")),
                   thresholds_style="dashed", w=16),
        stat("SLO",
             "The availability objective and its error budget, from rules/accesslog-thresholds.rules.yml.",
             [target("accesslog:slo_objective:ratio", "objective", "A"),
              target("accesslog:slo_error_budget:ratio", "error budget", "B")],
             "percentunit", thresholds(base="blue"), w=8, h=8, graph=False, decimals=2),

        row("Latency and size"),
        timeseries("Request duration",
                   "Quantiles of the request time the server logged ($request_time for nginx), from "
                   "accesslog_http_request_duration_seconds. Empty when the log format carries no request time.",
                   [target(quantile_expr("accesslog_http_request_duration_seconds", q_), f"p{int(float(q_) * 100)}", ref)
                    for ref, q_ in (("A", "0.5"), ("B", "0.9"), ("C", "0.99"))],
                   "s"),
        heatmap("Request duration heatmap",
                "Responses per request-time bucket (the histogram's own buckets) over time.",
                [target("sum by (le) (increase("
                        f"accesslog_http_request_duration_seconds_bucket{sel()}[$__rate_interval]))",
                        "{{le}}", fmt="heatmap")],
                "s"),
        timeseries("Upstream duration",
                   "Quantiles of the time spent waiting for upstreams ($upstream_response_time), from "
                   "accesslog_http_upstream_duration_seconds. Empty when the server proxies nothing or "
                   "the format carries no upstream time.",
                   [target(quantile_expr("accesslog_http_upstream_duration_seconds", q_), f"p{int(float(q_) * 100)}", ref)
                    for ref, q_ in (("A", "0.5"), ("B", "0.9"), ("C", "0.99"))],
                   "s"),
        timeseries("Response size",
                   "Quantiles of the response body size (bytes sent), from accesslog_http_response_size_bytes.",
                   [target(quantile_expr("accesslog_http_response_size_bytes", q_), f"p{int(float(q_) * 100)}", ref)
                    for ref, q_ in (("A", "0.5"), ("B", "0.9"), ("C", "0.99"))],
                   "bytes"),

        row("Routes"),
        bargauge("Top routes by 5xx",
                 "The 10 routes with the most 5xx responses in the dashboard's time range. Needs the "
                 "exporter's route label (--labels=route); empty without it.",
                 [target("topk(10, sum by (route) (increase(" + BY_CLASS + sel('class="5xx"', 'route!=""') + "[$__range]))) > 0",
                         "{{route}}", instant=True)],
                 "short", thresholds(base="red")),
        bargauge("Top routes by 429",
                 "The 10 routes with the most 429 responses in the dashboard's time range. Needs "
                 "--labels=route; empty without it.",
                 [target("topk(10, sum by (route) (increase(" + RESP + sel('code="429"', 'route!=""') + "[$__range]))) > 0",
                         "{{route}}", instant=True)],
                 "short", thresholds(base="orange")),

        row("Upstreams"),
        bargauge("Top upstreams by 5xx",
                 "The 10 upstreams (of the $upstream selection) with the most 5xx responses in the "
                 "dashboard's time range. Needs the exporter's upstream label (--labels=upstream); "
                 "empty without it. AccesslogUpstreamHigh5xxRatio alerts on one upstream's ratio.",
                 [target("topk(10, sum by (upstream) (increase(" + BY_CLASS
                         + sel('class="5xx"', 'upstream!=""', 'upstream=~"$upstream"') + "[$__range]))) > 0",
                         "{{upstream}}", instant=True)],
                 "short", thresholds(base="red")),
        timeseries("Upstream retries",
                   "Responses per second for which nginx contacted more than one upstream server "
                   "(accesslog_http_upstream_retries_total), per upstream and class of the final "
                   "response. Needs a format with $upstream_status or $upstream_addr.",
                   [target("sum by (upstream, class) (rate(accesslog_http_upstream_retries_total"
                           + sel('upstream=~"$upstream"') + "[$__rate_interval])) > 0",
                           "{{upstream}} {{class}}")],
                   "reqps"),
    ]
    return dashboard(
        "accesslog-overview", "accesslog / Overview",
        "HTTP traffic seen in access logs by accesslog_exporter: rates, status codes with their "
        "documented meaning, 5xx and 429 ratios against the alert thresholds, SLO error budget, "
        "latency and routes.",
        q, ["accesslog", "prometheus", "http"])


# --- Exporter health ---------------------------------------------------------------------------

def health():
    lines = "accesslog_lines_total"
    q = [
        row("Status"),
        stat("Exporters up", "Scrape status of each exporter instance (Prometheus' up).",
             [target(f"up{{{SEL}}}", "{{instance}}")],
             "none", thresholds((1, "green"), base="red"), w=4, graph=False,
             mappings=[{"type": "value", "options": {"0": {"text": "DOWN", "color": "red", "index": 0},
                                                     "1": {"text": "UP", "color": "green", "index": 1}}}]),
        stat("Files followed", "Files currently followed, summed over the selection.",
             [target(f"sum(accesslog_files_followed{sel()})", "files")],
             "short", thresholds((1, "green"), base="red"), w=4, decimals=0),
        stat("Last line age", "Time since the quietest log of the selection last had a new line. "
             "AccesslogLogSilent fires above accesslog:log_silence_threshold:seconds (15m by default).",
             [target(f"time() - min(accesslog_last_line_timestamp_seconds{sel()})", "age")],
             "s", thresholds((300, "orange"), (900, "red")), w=4),
        stat("Malformed lines (5m)", "Share of the lines read over 5 minutes that could not be parsed, "
             "of the lines meant to be counted (dropped lines, left out on purpose by a drop rule, "
             "are not errors and not in the denominator). Red at the default alert threshold (1%).",
             [target("sum(rate(" + lines + sel('result="malformed"') + "[5m]))\n"
                     "  / sum(rate(" + lines + sel('result!="dropped"') + "[5m]))", "malformed")],
             "percentunit", thresholds((0.01, "red")), w=4, decimals=2),
        stat("Uptime", "Time since each exporter process started.",
             [target(f"time() - process_start_time_seconds{{{SEL}}}", "{{instance}}")],
             "s", thresholds((0, "orange"), (300, "green"), base="orange"), w=4, graph=False),
        stat("Version", "accesslog_build_info: version and git revision of each exporter.",
             [target(f"count by (version, revision) (accesslog_build_info{{{SEL}}})",
                     "{{version}} ({{revision}})", instant=True)],
             "none", thresholds(base="blue"), w=4, graph=False, text_mode="name"),

        row("Reading"),
        timeseries("Lines read by result", "Lines read per second, per log and result (parsed, malformed, skipped, "
                   "dropped: left out on purpose by a drop rule or a stream filter, not an error), stacked.",
                   [target(f"sum by (log, result) (rate({lines}{sel()}[$__rate_interval]))", "{{log}} {{result}}")],
                   "short", stack=True,
                   overrides=[{"matcher": {"id": "byRegexp", "options": f".*{r}$"},
                               "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": c}}]}
                              for r, c in (("parsed", "green"), ("malformed", "red"), ("skipped", "yellow"),
                                           ("dropped", "blue"))]),
        timeseries("Malformed line ratio",
                   "Share of lines read that were malformed over 5 minutes, per job and log, from the "
                   "recording rule job_log:accesslog_lines_malformed:ratio_rate5m (the instance filter "
                   "does not apply), with the alert threshold accesslog:malformed_lines_threshold:ratio.",
                   [target('job_log:accesslog_lines_malformed:ratio_rate5m{job=~"$job", log=~"$log"}',
                           "{{job}} {{log}}", "A"),
                    target("accesslog:malformed_lines_threshold:ratio", "alert threshold", "B")],
                   "percentunit", overrides=[threshold_line("B", "red")]),
        timeseries("Bytes read", "Bytes read per second from each log.",
                   [target(f"sum by (instance, log) (rate(accesslog_bytes_read_total{sel()}[$__rate_interval]))",
                           "{{instance}} {{log}}")],
                   "Bps", w=8),
        timeseries("Read lag", "Bytes written to each file but not read yet. Growing lag: the exporter "
                   "cannot keep up.",
                   [target("max by (instance, log, path) (accesslog_read_lag_bytes" + sel() + ")",
                           "{{instance}} {{path}}")],
                   "bytes", w=8, th=thresholds((1048576, "orange"), (104857600, "red")),
                   thresholds_style="dashed"),
        timeseries("Last line age", "Seconds since each log had a new line, with the silence threshold in force "
                   "(accesslog:log_silence_threshold:seconds).",
                   [target(f"time() - max by (instance, log) (accesslog_last_line_timestamp_seconds{sel()})",
                           "{{instance}} {{log}}", "A"),
                    target("accesslog:log_silence_threshold:seconds", "silence threshold", "B")],
                   "s", w=8, overrides=[threshold_line("B", "red")]),

        row("Rotations and cardinality"),
        timeseries("File rotations", "Rotations (rename, replacement) and truncations followed, per log.",
                   [target(f"sum by (instance, log) (increase(accesslog_file_rotations_total{sel()}[$__rate_interval]))",
                           "{{instance}} {{log}}")],
                   "short", w=8, bars=True),
        timeseries("Label overflow", "Samples folded into the __overflow__ label set by the cardinality caps, "
                   "per metric. Non-zero: a label (usually route) has more distinct values than its limit.",
                   [target(f"sum by (metric) (increase(accesslog_label_overflow_total{{{SEL}}}[$__rate_interval]))",
                           "{{metric}}")],
                   "short", w=8, th=thresholds((1, "orange")), thresholds_style="dashed"),
        timeseries("Series exposed", "Samples per scrape of each exporter (Prometheus' scrape_samples_scraped): "
                   "the exporter's cardinality.",
                   [target(f"scrape_samples_scraped{{{SEL}}}", "{{instance}}")],
                   "short", w=8),

        row("Scrape and process"),
        timeseries("Scrape duration", "Time Prometheus took to scrape each exporter.",
                   [target(f"scrape_duration_seconds{{{SEL}}}", "{{instance}}")],
                   "s", w=6, th=thresholds((1, "orange")), thresholds_style="dashed"),
        timeseries("CPU", "CPU used by each exporter process (1 = one core).",
                   [target(f"rate(process_cpu_seconds_total{{{SEL}}}[$__rate_interval])", "{{instance}}")],
                   "percentunit", w=6),
        timeseries("Resident memory", "Resident memory of each exporter process.",
                   [target(f"process_resident_memory_bytes{{{SEL}}}", "{{instance}}")],
                   "bytes", w=6),
        timeseries("File descriptors used", "Open file descriptors of each exporter process as a share of "
                   "its limit (process_open_fds / process_max_fds). Each followed file holds one.",
                   [target(f"process_open_fds{{{SEL}}} / process_max_fds{{{SEL}}}", "{{instance}}")],
                   "percentunit", w=6, th=thresholds((0.8, "orange"), (0.9, "red")),
                   thresholds_style="dashed"),
    ]
    return dashboard(
        "accesslog-exporter-health", "accesslog / Exporter health",
        "Health of accesslog_exporter itself: lines read and malformed, bytes, read lag, rotations, "
        "log silence, label overflow, scrapes and the process.",
        q, ["accesslog", "prometheus"])


DASHBOARDS = {
    "accesslog-overview.json": overview,
    "accesslog-exporter-health.json": health,
}


def render(build):
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare instead of writing; exit 1 when a file is out of date")
    parser.add_argument("--out", type=pathlib.Path, default=HERE, help="output folder")
    args = parser.parse_args()
    stale = []
    for name, build in DASHBOARDS.items():
        path = args.out / name
        text = render(build)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print("out of date (run python3 dashboards/generate.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
