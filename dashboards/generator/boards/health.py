"""accesslog / Exporter health (accesslog-exporter-health.json): the exporter itself.

Lines read and malformed, bytes, read lag, rotations, log silence, label overflow, configuration
reloads, scrapes and the process. docs/dashboards.md describes every panel.
"""

from ..dashboard import dashboard
from ..panels import row, stat, target, threshold_line, thresholds, timeseries
from ..promql import SEL, sel

FILE = "accesslog-exporter-health.json"


def build():
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
             "short", thresholds((1, "green"), base="red"), w=3, decimals=0),
        stat("Last line age", "Time since the quietest log of the selection last had a new line. "
             "AccesslogLogSilent fires above accesslog:log_silence_threshold:seconds (15m by default).",
             [target(f"time() - min(accesslog_last_line_timestamp_seconds{sel()})", "age")],
             "s", thresholds((300, "orange"), (900, "red")), w=3),
        stat("Malformed lines (5m)", "Share of the lines read over 5 minutes that could not be parsed, "
             "of the lines meant to be counted (dropped lines, left out on purpose by a drop rule, "
             "are not errors and not in the denominator). Red at the default alert threshold (1%).",
             [target("sum(rate(" + lines + sel('result="malformed"') + "[5m]))\n"
                     "  / sum(rate(" + lines + sel('result!="dropped"') + "[5m]))", "malformed")],
             "percentunit", thresholds((0.01, "red")), w=4, decimals=2),
        stat("Config reload", "Whether each exporter's last configuration reload succeeded "
             "(accesslog_config_last_reload_successful, 1 from start-up). FAILED: the reload was "
             "refused and the exporter runs its previous configuration, whole; its log says why. "
             "AccesslogConfigReloadFailed fires after 10m.",
             [target(f"accesslog_config_last_reload_successful{{{SEL}}}", "{{instance}}")],
             "none", thresholds((1, "green"), base="red"), w=3, graph=False,
             mappings=[{"type": "value", "options": {"0": {"text": "FAILED", "color": "red", "index": 0},
                                                     "1": {"text": "OK", "color": "green", "index": 1}}}]),
        stat("Uptime", "Time since each exporter process started.",
             [target(f"time() - process_start_time_seconds{{{SEL}}}", "{{instance}}")],
             "s", thresholds((0, "orange"), (300, "green"), base="orange"), w=3, graph=False),
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
