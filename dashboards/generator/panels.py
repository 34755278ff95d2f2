"""Panel builders: one function per Grafana panel type, plus targets and thresholds.

Every panel and target queries the datasource chosen in the dashboard's `datasource` variable
(DS). A panel carries its width and height in `_size`; dashboard.layout() turns them into ids and
grid positions, so a board lists its panels in reading order and never writes coordinates.
"""

# Every panel, target, variable and annotation queries the datasource chosen in this variable.
DS = {"type": "prometheus", "uid": "${datasource}"}


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
