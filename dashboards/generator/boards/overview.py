"""accesslog / Overview (accesslog-overview.json): the HTTP traffic the logs show.

Rates, status codes with their documented meaning, 5xx and 429 ratios against the alert
thresholds, the SLO's error budget, latency and size quantiles, top routes, upstreams and Kubernetes workloads.
docs/dashboards.md describes every panel.
"""

from ..dashboard import dashboard
from ..panels import (bargauge, heatmap, row, stat, table, target, threshold_line, thresholds,
                      timeseries)
from ..promql import BY_CLASS, RESP, SEL, quantile_expr, ratio_expr, sel, undocumented_expr

FILE = "accesslog-overview.json"


def build():
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

        row("Workloads"),
        bargauge("Top workloads by 5xx ratio",
                 "The 10 workloads (Deployment, StatefulSet, DaemonSet, Job, CronJob; of the "
                 "$namespace and $workload selection) with the highest share of 5xx responses over "
                 "5 minutes, summed over their pods and containers, from the recording rule "
                 "job_namespace_workload:accesslog_http_responses_5xx:ratio_rate5m. Needs node mode's "
                 "path labels (path_labels: kubernetes or kubernetes-workload); empty without them.",
                 [target("topk(10, job_namespace_workload:accesslog_http_responses_5xx:ratio_rate5m"
                         '{job=~"$job", namespace=~"$namespace", workload=~"$workload"})',
                         "{{namespace}}/{{workload}}", instant=True)],
                 "percentunit", thresholds((0.01, "orange"), (0.05, "red"))),
        timeseries("Requests by workload",
                   "Responses per second per namespace and workload (of the selection), summed "
                   "over the workload's pods and containers: a rollout keeps its line. Needs "
                   "node mode's path labels; empty without them.",
                   [target("sum by (namespace, workload) (rate(" + BY_CLASS
                           + sel('workload!=""', 'namespace=~"$namespace"', 'workload=~"$workload"')
                           + "[$__rate_interval]))", "{{namespace}}/{{workload}}")],
                   "reqps"),
    ]
    return dashboard(
        "accesslog-overview", "accesslog / Overview",
        "HTTP traffic seen in access logs by accesslog_exporter: rates, status codes with their "
        "documented meaning, 5xx and 429 ratios against the alert thresholds, SLO error budget, "
        "latency and routes.",
        q, ["accesslog", "prometheus", "http"])
