"""The dashboard around the panels: layout, template variables, annotations, import metadata.

What every accesslog dashboard shares is here, so that a board module only lists its panels:
the ids and grid positions (layout), the variables datasource, job, instance, log, upstream, namespace and
workload (templating), the alert annotations, the link to the other accesslog dashboards, and what
Grafana's import dialog needs (`__inputs`, `__requires`).
"""

from .panels import DS

SCHEMA_VERSION = 39  # Grafana 10.4
GRAFANA_VERSION = "10.4.0"


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
        variable_query("namespace", "Namespace",
                       'label_values(accesslog_http_responses_by_class_total{job=~"$job", instance=~"$instance"}, namespace)',
                       "Kubernetes namespace(s) of the counted pods (node mode, path_labels: "
                       "kubernetes or kubernetes-workload). Filters the Workloads row only; empty "
                       "without path labels."),
        variable_query("workload", "Workload",
                       'label_values(accesslog_http_responses_by_class_total{job=~"$job", instance=~"$instance", namespace=~"$namespace"}, workload)',
                       "Workload(s) (Deployment, StatefulSet, DaemonSet, Job, CronJob) read from "
                       "the pod names, in the chosen namespaces (node mode). Filters the Workloads "
                       "row only; empty without path labels."),
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
