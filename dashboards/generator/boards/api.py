"""accesslog / API operations (accesslog-api-operations.json): the traffic against its contract.

For sources with an OpenAPI document (api.openapi): each operation's rate, 5xx, 429 and
undocumented shares and p99, the responses outside the contract by operation and code, the
traffic outside the document, and the operations that had no traffic. docs/dashboards.md
describes every panel.
"""

from ..dashboard import dashboard
from ..panels import bargauge, row, stat, table, target, threshold_line, thresholds, timeseries
from ..promql import BY_CLASS, RESP, SEL, sel

FILE = "accesslog-api-operations.json"

# An operation is a method and a path template of a source's document; the table keys its rows
# by every label that names it. A label the exporter does not carry is absent from the result.
KEY = "log, method, route, operation"
MATCHED = ('route!=""', 'route!="__unmatched__"')
UNMATCHED = 'route="__unmatched__"'
UNDOCUMENTED = 'documented="false"'
NO_LOG = 'log=""'  # selects the series without a log label
OP_INFO = "accesslog_api_operation_info"
RECORDED = "job_log_route_method_operation:accesslog_http_responses"


def share(num_metric, num_matcher, rng="$__range"):
    """Per operation: NUM's share of all responses over RNG, 0 (not missing) when NUM has no
    series (a code's series only exists once it was answered)."""
    total = f"sum by ({KEY}) (increase({BY_CLASS}{sel(*MATCHED)}[{rng}]))"
    return (f"(\n  sum by ({KEY}) (increase({num_metric}{sel(num_matcher, *MATCHED)}[{rng}]))\n"
            f"  or 0 * {total}\n)\n  / {total}")


def seen(by, selector):
    """Series of SELECTOR that counted a response in the range, summed BY: increase() or, for a
    series born inside the range (whose first responses increase() cannot see), its presence."""
    x = BY_CLASS + selector
    return (f"sum by ({by}) (\n"
            f"  (increase({x}[$__range]) > 0)\n"
            f"  or ({x} unless {x} offset $__range)\n"
            f")")


def without_traffic():
    # Joined by job, log, method and route (method and route are the operation's identity in
    # its document), so it works without labels.operation. With labels.log the log must match
    # too; without it the response counters carry no log (log="" selects them), and job, method
    # and route alone decide.
    return (f"max by (job, {KEY}) ({OP_INFO}{sel()})\n"
            f"unless on (job, log, method, route)\n{seen('job, log, method, route', sel())}\n"
            f"unless on (job, method, route)\n{seen('job, method, route', sel(NO_LOG, log=False))}")


def build():
    req = "accesslog_http_request_duration_seconds"
    p99 = (f"histogram_quantile(0.99,\n"
           f"  sum by ({KEY}, le) (rate({req}_bucket{sel(*MATCHED)}[$__range]))\n"
           f"  or sum by ({KEY}) (rate({req}{sel(*MATCHED)}[$__range])))")
    unmatched_share = (f"sum by (job, log) (rate({BY_CLASS}{sel(UNMATCHED)}[5m]))\n"
                       f"  / sum by (job, log) (rate({BY_CLASS}{sel()}[5m]))")
    pct = [{"id": "unit", "value": "percentunit"}, {"id": "decimals", "value": 2},
           {"id": "custom.cellOptions", "value": {"type": "color-text"}}]

    def col(name, props):
        return {"matcher": {"id": "byName", "options": name}, "properties": props}

    q = [
        row("Contract"),
        stat("API document",
             "The OpenAPI document each source's responses are judged against: its info.title and "
             "info.version, from accesslog_api_info (the exporter's api.openapi or --api.openapi). "
             "Empty: no source of the selection has a document.",
             [target(f"count by (log, title, version) (accesslog_api_info{sel()})",
                     "{{title}} {{version}}", instant=True)],
             "none", thresholds(base="blue"), w=6, graph=False, text_mode="name"),
        stat("Documented operations",
             "Operations (a method and a path template) in the documents of the selection, from "
             "accesslog_api_operation_info.",
             [target(f"count(count by (log, method, route) ({OP_INFO}{sel()}))", "operations",
                     instant=True)],
             "short", thresholds(base="blue"), w=4, graph=False, decimals=0),
        stat("Unused operations",
             "Operations of the documents that answered no request in the dashboard's time range "
             "(the table 'Operations without traffic' names them). Needs the method and route "
             "labels; with several sources, labels.log too.",
             [target(f"count({without_traffic()}) or vector(0)", "operations", instant=True)],
             "short", thresholds((1, "orange")), w=4, graph=False, decimals=0),
        stat("Outside the spec (5m)",
             "Share of the responses over the last 5 minutes whose path no template of the "
             "source's document matches (route=\"__unmatched__\"), per job and log. Orange at the "
             "default AccesslogTrafficOutsideSpec threshold (1%).",
             [target(unmatched_share, "{{job}} {{log}}")],
             "percentunit", thresholds((0.01, "orange")), w=5, decimals=2),
        stat("Undocumented (5m)",
             "Share of the responses over the last 5 minutes whose status code the operation they "
             "answered does not document (documented=\"false\"; responses with no operation are "
             "judged against the source's API-wide table).",
             [target(f"(sum(rate({RESP}{sel(UNDOCUMENTED)}[5m])) or vector(0))\n"
                     f"  / sum(rate({BY_CLASS}{sel()}[5m]))", "undocumented")],
             "percentunit", thresholds((0.0001, "orange")), w=5, decimals=2),

        row("Operations"),
        table("Operations",
              "One row per operation that answered in the dashboard's time range (a method and a "
              "path template of the source's document; operation is its operationId, empty for a "
              "method the path does not have): requests per second, and the shares of 5xx, 429 and "
              "of responses whose code the operation does not document, over the range. Needs "
              "--labels=method,route (and operation, log). Paths outside the document are in the "
              "row 'Outside the spec'. The p99 column needs the duration histogram to carry the "
              "same labels: set histograms.labels to [class, method, route, operation] in the "
              "exporter's configuration (the default [class, method] leaves it empty), and a log "
              "format with the request time.",
              [
                  target(f"sum by ({KEY}) (rate({BY_CLASS}{sel(*MATCHED)}[$__range]))",
                         ref="A", instant=True, fmt="table"),
                  target(share(BY_CLASS, 'class="5xx"'), ref="B", instant=True, fmt="table"),
                  target(share(RESP, 'code="429"'), ref="C", instant=True, fmt="table"),
                  target(share(RESP, 'documented="false"'), ref="D", instant=True, fmt="table"),
                  target(p99, ref="E", instant=True, fmt="table"),
              ],
              [
                  {"id": "merge", "options": {}},
                  {"id": "organize", "options": {
                      "excludeByName": {"Time": True},
                      "indexByName": {"log": 0, "method": 1, "route": 2, "operation": 3,
                                      "Value #A": 4, "Value #B": 5, "Value #C": 6, "Value #D": 7,
                                      "Value #E": 8},
                      "renameByName": {"log": "Log", "method": "Method", "route": "Route",
                                       "operation": "Operation", "Value #A": "Rate",
                                       "Value #B": "5xx", "Value #C": "429",
                                       "Value #D": "Undocumented", "Value #E": "p99"},
                  }},
              ],
              [
                  col("Rate", [{"id": "unit", "value": "reqps"}, {"id": "custom.width", "value": 110}]),
                  col("5xx", pct + [{"id": "thresholds", "value": thresholds((0.01, "orange"), (0.05, "red"))}]),
                  col("429", pct + [{"id": "thresholds", "value": thresholds((0.10, "red"))}]),
                  col("Undocumented", pct + [{"id": "thresholds", "value": thresholds((0.0001, "orange"))}]),
                  col("p99", [{"id": "unit", "value": "s"}, {"id": "custom.width", "value": 100}]),
                  col("Method", [{"id": "custom.width", "value": 90}]),
              ],
              w=24, h=8, sort_by=[{"displayName": "Rate", "desc": True}]),
        timeseries("5xx ratio by operation",
                   "The 10 operations of the documents with the highest 5xx share over 5 minutes "
                   "(recording rule job_log_route_method_operation:accesslog_http_responses_5xx:ratio_rate5m, "
                   "joined with accesslog_api_operation_info as AccesslogOperationHigh5xxRatio does; "
                   "per job: the instance filter does not apply), with the page threshold in force "
                   "(accesslog:http_5xx_page_threshold:ratio). Needs the method and route labels.",
                   [target(f'topk(10, {RECORDED}_5xx:ratio_rate5m{{job=~"$job", log=~"$log"}}\n'
                           f"  and on (job, method, route) {OP_INFO}{{{SEL}}})",
                           "{{method}} {{route}} {{operation}}", "A"),
                    target("accesslog:http_5xx_page_threshold:ratio", "page threshold", "B")],
                   "percentunit", overrides=[threshold_line("B", "red")]),
        timeseries("Requests by operation",
                   "Requests per second of the 10 busiest operations (method, path template, "
                   "operationId) of the selection. Paths outside the document are in the row "
                   "'Outside the spec'.",
                   [target(f"topk(10, sum by ({KEY}) (rate({BY_CLASS}{sel(*MATCHED)}[$__rate_interval])))",
                           "{{method}} {{route}} {{operation}}")],
                   "reqps"),
        row("Outside the contract"),
        timeseries("Undocumented ratio by operation",
                   "The 10 routes and methods with the highest share of responses whose code their "
                   "operation does not document, over 5 minutes (recording rule "
                   "job_log_route_method_operation:accesslog_http_responses_undocumented:ratio_rate5m; "
                   "per job: the instance filter does not apply). __unmatched__ and a method a path "
                   "does not have are judged against the source's API-wide table.",
                   [target(f'topk(10, {RECORDED}_undocumented:ratio_rate5m{{job=~"$job", log=~"$log"}})',
                           "{{method}} {{route}} {{operation}}")],
                   "percentunit"),

        table("Responses outside the contract",
              "Responses in the dashboard's time range whose status code the operation they "
              "answered does not document (documented=\"false\"), by operation and code. A code is "
              "documented when the operation lists it exactly (\"404\") or by its range (\"4XX\"); "
              "responses with no operation (route __unmatched__, or a method the path does not "
              "have: operation empty) are judged against the source's API-wide status-code table. "
              "Like AccesslogUndocumentedStatusCodes, a code's first responses in the range count too.",
              [target(f"sum by ({KEY}, code) (\n"
                      f"  (increase({RESP}{sel(UNDOCUMENTED)}[$__range]) > 0)\n"
                      f"  or ({RESP}{sel(UNDOCUMENTED)} unless "
                      f"{RESP}{sel(UNDOCUMENTED)} offset $__range)\n)",
                      ref="A", instant=True, fmt="table")],
              [{"id": "organize", "options": {
                  "excludeByName": {"Time": True},
                  "indexByName": {"log": 0, "method": 1, "route": 2, "operation": 3, "code": 4,
                                  "Value": 5},
                  "renameByName": {"log": "Log", "method": "Method", "route": "Route",
                                   "operation": "Operation", "code": "Code", "Value": "Responses"}}}],
              [col("Responses", [{"id": "decimals", "value": 0},
                                 {"id": "custom.cellOptions", "value": {"type": "color-background"}},
                                 {"id": "color", "value": {"mode": "fixed", "fixedColor": "orange"}}]),
               col("Code", [{"id": "custom.width", "value": 70}]),
               col("Method", [{"id": "custom.width", "value": 90}])],
              w=12, h=8, sort_by=[{"displayName": "Responses", "desc": True}]),

        row("Outside the spec"),
        timeseries("Traffic outside the spec",
                   "Share of each source's responses whose path no template of its document matches "
                   "(route=\"__unmatched__\", after the server prefixes are removed), over 5 minutes, "
                   "per job and log, with the AccesslogTrafficOutsideSpec threshold in force "
                   "(accesslog:api_unmatched_threshold:ratio). Which paths: accesslog_exporter "
                   "analyze --api.openapi lists the top unmatched paths (raw paths are never labels).",
                   [target(unmatched_share, "{{job}} {{log}}", "A"),
                    target("accesslog:api_unmatched_threshold:ratio", "alert threshold", "B")],
                   "percentunit", w=16, overrides=[threshold_line("B", "orange")]),
        bargauge("Outside the spec by method and code",
                 "Responses to paths outside the document in the dashboard's time range, by method "
                 "and status code (the 10 largest).",
                 [target(f"topk(10, sum by (method, code) (increase({RESP}{sel(UNMATCHED)}[$__range]))) > 0",
                         "{{method}} {{code}}", instant=True)],
                 "short", thresholds(base="orange"), w=8),

        row("Coverage"),
        table("Operations without traffic",
              "Operations of the documents (accesslog_api_operation_info) that answered no request in "
              "the dashboard's time range, per job: endpoints nobody calls, or traffic that reaches "
              "them under another path. Joined by job, log, method and route: needs the method and route labels "
              "(and labels.log when several sources have documents). HEAD requests count for HEAD, "
              "not for the GET operation they fall back to.",
              [target(without_traffic(), ref="A", instant=True, fmt="table")],
              [{"id": "organize", "options": {
                  "excludeByName": {"Time": True, "Value": True},
                  "indexByName": {"job": 0, "log": 1, "method": 2, "route": 3, "operation": 4},
                  "renameByName": {"job": "Job", "log": "Log", "method": "Method", "route": "Route",
                                   "operation": "Operation"}}}],
              [col("Method", [{"id": "custom.width", "value": 90}])],
              w=24, h=8, sort_by=[{"displayName": "Route", "desc": False}]),
    ]
    return dashboard(
        "accesslog-api-operations", "accesslog / API operations",
        "The traffic of the sources that have an OpenAPI document, judged per operation: rates, "
        "5xx, 429 and undocumented shares and latency per operation, responses outside the "
        "contract, traffic outside the document, operations without traffic.",
        q, ["accesslog", "prometheus", "http", "openapi"])
