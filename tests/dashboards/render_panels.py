#!/usr/bin/env python3
"""Draws every panel of the dashboards from live Prometheus data, as static HTML (and SVG).

    render_panels.py ROOT PROM_URL OUT_DIR [SECONDS]

For each dashboard in dashboards/, runs every panel's queries (template variables set to All,
$__rate_interval=1m, $__range=5m) against PROM_URL over the last SECONDS (default 120) and writes
OUT_DIR/<uid>.html: the panels laid out on Grafana's 24-column grid, time series and heatmaps as
SVG, stats as numbers, tables and bar gauges as HTML. This is NOT a Grafana rendering (Grafana is
not available here): it shows what each panel's queries return, and every page says so.
Python 3 standard library only.
"""

import html
import json
import math
import pathlib
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import dashboard_checks as dc  # noqa: E402

PALETTE = ["#7EB26D", "#EAB839", "#6ED0E0", "#EF843C", "#E24D42", "#1F78C1", "#BA43A9", "#705DA0",
           "#508642", "#CCA300", "#447EBC", "#C15C17"]
NAMED = {"green": "#73BF69", "red": "#F2495C", "orange": "#FF9830", "yellow": "#FADE2A", "blue": "#5794F2",
         "purple": "#B877D9", "dark-red": "#C4162A", "dark-orange": "#FA6400", "text": "#ccccdc"}
ROW_PX = 30
VALUES = {"job": ".*", "instance": ".*", "log": ".*", "upstream": ".*", "namespace": ".*",
          "workload": ".*"}


def color(name):
    return NAMED.get(name, name or "#ccccdc")


def fmt(v, unit, decimals=None):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "NaN"
    if isinstance(v, float) and math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    def num(x, d=2):
        d = decimals if decimals is not None else d
        return f"{x:.{d}f}".rstrip("0").rstrip(".") if d > 0 else f"{x:.0f}"
    if unit == "percentunit":
        return num(v * 100) + "%"
    if unit == "reqps":
        return num(v) + " req/s"
    if unit == "s":
        if abs(v) >= 86400:
            return num(v / 86400, 1) + " day"
        if abs(v) >= 3600:
            return num(v / 3600, 1) + " h"
        if abs(v) >= 60:
            return num(v / 60, 1) + " min"
        if abs(v) < 1 and v != 0:
            return num(v * 1000, 1) + " ms"
        return num(v) + " s"
    if unit in ("bytes", "Bps"):
        suffix = "/s" if unit == "Bps" else ""
        for u in ("B", "KiB", "MiB", "GiB"):
            if abs(v) < 1024 or u == "GiB":
                return num(v, 1) + " " + u + suffix
            v /= 1024
    if unit == "short":
        for u, f in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)):
            if abs(v) >= f:
                return num(v / f, 1) + u
        return num(v)
    return num(v)


def legend(fmt_, labels):
    if not fmt_ or fmt_ == "__auto":
        return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__") + "}"
    import re
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt_)


def threshold_color(v, th):
    c = th["steps"][0]["color"]
    for s in th["steps"][1:]:
        if v is not None and not math.isnan(v) and v >= s["value"]:
            c = s["color"]
    return color(c)


def query(prom, expr, instant, start, end, step):
    q = dc.substitute(expr, VALUES)
    if instant:
        d = dc.api(prom, "/api/v1/query", {"query": q, "time": end})
    else:
        d = dc.api(prom, "/api/v1/query_range", {"query": q, "start": start, "end": end, "step": step})
    if d.get("status") != "success":
        return None, d.get("error", "error")
    return d["data"], None


def series_of(data):
    """[(labels, [(t, v)])] from a vector or matrix."""
    out = []
    for s in data["result"]:
        pts = s.get("values") or [s["value"]]
        out.append((s["metric"], [(float(t), float(v)) for t, v in pts]))
    return out


def last(pts):
    finite = [v for _, v in pts if math.isfinite(v)]
    return finite[-1] if finite else None


def svg_timeseries(panel, results, start, end, w_px, h_px):
    defaults = panel["fieldConfig"]["defaults"]
    unit = defaults.get("unit", "short")
    stack = defaults.get("custom", {}).get("stacking", {}).get("mode") == "normal"
    bars = defaults.get("custom", {}).get("drawStyle") == "bars"
    dashed_refs = {o["matcher"]["options"]: o for o in panel["fieldConfig"]["overrides"]
                   if o["matcher"]["id"] == "byFrameRefID"}
    lines = []  # (name, pts, colour, dashed, stacked)
    i = 0
    for t, data in results:
        if data is None:
            continue
        for labels, pts in series_of(data):
            o = dashed_refs.get(t["refId"])
            if o:
                fixed = next((p["value"]["fixedColor"] for p in o["properties"] if p["id"] == "color"), "red")
                lines.append((legend(t.get("legendFormat"), labels), pts, color(fixed), True, False, last(pts)))
            else:
                name = legend(t.get("legendFormat"), labels)
                col = PALETTE[i % len(PALETTE)]
                for ov in panel["fieldConfig"]["overrides"]:
                    m = ov["matcher"]
                    import re
                    if (m["id"] == "byName" and m["options"] == name) or \
                       (m["id"] == "byRegexp" and re.fullmatch(m["options"], name)):
                        col = color(next((p["value"]["fixedColor"] for p in ov["properties"] if p["id"] == "color"), col))
                lines.append((name, pts, col, False, stack, last(pts)))
                i += 1
    if stack:  # cumulative sums over the series in order, per timestamp
        acc = {}
        new = []
        for name, pts, col, dashed, st, lv in lines:
            if st:
                pts2 = []
                for t_, v in pts:
                    if math.isfinite(v):
                        acc[t_] = acc.get(t_, 0) + v
                        pts2.append((t_, acc[t_]))
                pts = pts2
            new.append((name, pts, col, dashed, st, lv))
        lines = new
    vals = [v for _, pts, *_ in lines for _, v in pts if math.isfinite(v)]
    th = defaults.get("thresholds", {})
    th_mode = defaults.get("custom", {}).get("thresholdsStyle", {}).get("mode", "off")
    th_vals = [s["value"] for s in th.get("steps", [])[1:]] if th_mode != "off" else []
    lo = 0 if defaults.get("min") == 0 else (min(vals) if vals else 0)
    hi = max(vals + [v for v in th_vals if vals and v <= max(vals) * 3]) if vals else 1
    if hi <= lo:
        hi = lo + 1
    hi *= 1.1
    pad_l, pad_b, pad_t = 70, 18, 6
    gw, gh = w_px - pad_l - 8, h_px - pad_b - pad_t
    def X(t_):
        return pad_l + (t_ - start) / max(end - start, 1) * gw
    def Y(v):
        return pad_t + gh - (v - lo) / (hi - lo) * gh
    out = [f'<svg width="{w_px}" height="{h_px}" xmlns="http://www.w3.org/2000/svg">']
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        out.append(f'<line x1="{pad_l}" x2="{pad_l + gw}" y1="{Y(v):.1f}" y2="{Y(v):.1f}" stroke="#2c3235"/>')
        out.append(f'<text x="{pad_l - 4}" y="{Y(v) + 4:.1f}" fill="#8e8e8e" font-size="10" text-anchor="end">{html.escape(fmt(v, unit))}</text>')
    for k in range(4):
        t_ = start + (end - start) * k / 3
        out.append(f'<text x="{X(t_):.1f}" y="{h_px - 4}" fill="#8e8e8e" font-size="10" text-anchor="middle">'
                   f'{time.strftime("%H:%M:%S", time.localtime(t_))}</text>')
    for s in th.get("steps", [])[1:] if th_mode != "off" else []:
        if lo <= s["value"] <= hi:
            out.append(f'<line x1="{pad_l}" x2="{pad_l + gw}" y1="{Y(s["value"]):.1f}" y2="{Y(s["value"]):.1f}" '
                       f'stroke="{color(s["color"])}" stroke-dasharray="6,4"/>')
    for name, pts, col, dashed, st, lv in reversed(lines) if stack else lines:
        pts = [(t_, v) for t_, v in pts if math.isfinite(v)]
        if not pts:
            continue
        if bars:
            bw = max(gw / max(len(pts), 1) * 0.6, 1)
            for t_, v in pts:
                out.append(f'<rect x="{X(t_) - bw / 2:.1f}" y="{Y(max(v, lo)):.1f}" width="{bw:.1f}" '
                           f'height="{max(Y(lo) - Y(max(v, lo)), 0):.1f}" fill="{col}"/>')
            continue
        d = " ".join(f"{X(t_):.1f},{Y(min(max(v, lo), hi)):.1f}" for t_, v in pts)
        if st:
            out.append(f'<polygon points="{X(pts[0][0]):.1f},{Y(lo):.1f} {d} {X(pts[-1][0]):.1f},{Y(lo):.1f}" '
                       f'fill="{col}" fill-opacity="0.35" stroke="{col}"/>')
        else:
            dash = ' stroke-dasharray="8,6" stroke-width="2"' if dashed else ' stroke-width="1.5"'
            out.append(f'<polyline points="{d}" fill="none" stroke="{col}"{dash}/>')
    out.append("</svg>")
    leg = "".join(f'<span class="leg"><i style="background:{col}"></i>{html.escape(name)}'
                  f' <b>{html.escape(fmt(lv, unit) if lv is not None else "no data")}</b></span>'
                  for name, pts, col, dashed, st, lv in lines)
    return "".join(out) + f'<div class="legend">{leg}</div>'


def svg_heatmap(panel, results, start, end, w_px, h_px):
    t, data = results[0]
    if data is None or not data["result"]:
        return '<div class="nodata">No data</div>'
    buckets = {}
    for labels, pts in series_of(data):
        le = float(labels.get("le", "inf").replace("+Inf", "inf"))
        buckets[le] = dict(pts)
    les = sorted(buckets)
    times = sorted({t_ for b in buckets.values() for t_ in b})
    cells = {}  # (time, bucket index) -> count in that bucket (cumulative minus previous)
    for t_ in times:
        prev = 0.0
        for i, le in enumerate(les):
            v = buckets[le].get(t_, prev)
            cells[(t_, i)] = max(v - prev, 0)
            prev = max(v, prev)
    mx = max(cells.values()) or 1
    pad_l, pad_b = 70, 18
    gw, gh = w_px - pad_l - 8, h_px - pad_b - 6
    cw, ch = gw / max(len(times), 1), gh / len(les)
    unit = panel["fieldConfig"]["defaults"].get("unit", "s")
    out = [f'<svg width="{w_px}" height="{h_px}" xmlns="http://www.w3.org/2000/svg">']
    for i, le in enumerate(les):
        y = 6 + gh - (i + 1) * ch
        if len(les) <= 14 or i % 2 == 0:
            out.append(f'<text x="{pad_l - 4}" y="{y + ch / 2 + 4:.1f}" fill="#8e8e8e" font-size="10" text-anchor="end">'
                       f'{"+Inf" if math.isinf(le) else html.escape(fmt(le, unit))}</text>')
        for j, t_ in enumerate(times):
            v = cells[(t_, i)]
            if v <= 0:
                continue
            a = 0.15 + 0.85 * math.sqrt(v / mx)
            out.append(f'<rect x="{pad_l + j * cw:.1f}" y="{y:.1f}" width="{max(cw - 1, 1):.1f}" height="{max(ch - 1, 1):.1f}" '
                       f'fill="#FF9830" fill-opacity="{a:.2f}"/>')
    out.append(f'<text x="{pad_l}" y="{h_px - 4}" fill="#8e8e8e" font-size="10">bucket upper bound (le) by time; '
               f'darker = more responses (max {fmt(mx, "short")} per step)</text></svg>')
    return "".join(out)


def html_table(panel, results):
    rows = {}
    multi = len(results) > 1
    # Several targets are merged as Grafana's "merge" does: on the label names they all carry.
    names = [{k for labels, _ in series_of(data) for k in labels if k != "__name__"}
             for _, data in results if data is not None and data["result"]]
    shared = sorted(set.intersection(*names)) if names else []
    for t, data in results:
        if data is None:
            continue
        for labels, pts in series_of(data):
            labels = {k: v for k, v in labels.items() if k != "__name__"}
            key = tuple(sorted(labels.items())) if not multi else tuple((k, labels.get(k)) for k in shared)
            row = rows.setdefault(key, {})
            row.update(labels)
            row["Value #" + t["refId"] if multi else "Value"] = pts[-1][1]
    org = next((tr["options"] for tr in panel.get("transformations", []) if tr["id"] == "organize"), {})
    cols = sorted({c for r in rows.values() for c in r} - {k for k, v in org.get("excludeByName", {}).items() if v},
                  key=lambda c: org.get("indexByName", {}).get(c, 99))
    units = {}
    for ov in panel["fieldConfig"]["overrides"]:
        for p in ov["properties"]:
            if p["id"] == "unit":
                units[ov["matcher"]["options"]] = p["value"]
    sort_by = (panel["options"].get("sortBy") or [{}])[0].get("displayName")
    rename = org.get("renameByName", {})
    body = list(rows.values())
    src_sort = next((c for c in cols if rename.get(c, c) == sort_by), None)
    if src_sort:
        body.sort(key=lambda r: -(r.get(src_sort) or 0) if isinstance(r.get(src_sort), float) else 0)
    h = "<table><tr>" + "".join(f"<th>{html.escape(rename.get(c, c))}</th>" for c in cols) + "</tr>"
    for r in body:
        h += "<tr>"
        for c in cols:
            v = r.get(c, "")
            name = rename.get(c, c)
            if isinstance(v, float):
                u = units.get(name, "short")
                v = fmt(v, u, 0 if name == "Responses" else None)
            h += f"<td>{html.escape(str(v))}</td>"
        h += "</tr>"
    return h + "</table>" if body else '<div class="nodata">No data</div>'


def html_stat(panel, results):
    defaults = panel["fieldConfig"]["defaults"]
    unit, th = defaults.get("unit"), defaults["thresholds"]
    maps = {}
    for m in defaults.get("mappings", []):
        maps.update(m.get("options", {}))
    items = []
    for t, data in results:
        if data is None:
            continue
        for labels, pts in series_of(data):
            finite = [v for _, v in pts if math.isfinite(v)]
            v = finite[-1] if finite else float("nan")
            name = legend(t.get("legendFormat"), labels)
            mapped = maps.get(fmt(v, "none"))
            text = mapped["text"] if mapped else fmt(v, unit, defaults.get("decimals"))
            col = color(mapped["color"]) if mapped else threshold_color(v, th)
            if panel["options"].get("textMode") == "name":
                text, col, name = name, color(th["steps"][0]["color"]), ""
            items.append(f'<div class="stat"><div class="sv" style="color:{col}">{html.escape(text)}</div>'
                         f'<div class="sn">{html.escape(name)}</div></div>')
    return "".join(items) or '<div class="nodata">No data</div>'


def html_bargauge(panel, results):
    t, data = results[0]
    if data is None or not data["result"]:
        return '<div class="nodata">No data</div>'
    ser = [(legend(t.get("legendFormat"), l), pts[-1][1]) for l, pts in series_of(data)]
    ser.sort(key=lambda x: -x[1])
    mx = max(v for _, v in ser) or 1
    col = color(panel["fieldConfig"]["defaults"]["thresholds"]["steps"][0]["color"])
    return "".join(f'<div class="bar"><span class="bn">{html.escape(n)}</span><span class="bt">'
                   f'<span style="width:{v / mx * 100:.0f}%;background:{col}"></span></span>'
                   f'<span class="bv">{fmt(v, "short", 0)}</span></div>' for n, v in ser)


CSS = """
body{background:#111217;color:#ccccdc;font-family:Inter,Helvetica,Arial,sans-serif;margin:12px;width:1576px}
h1{font-size:20px;margin:0 0 4px} .note{background:#4a3a00;color:#ffe08a;padding:6px 10px;border-radius:3px;
font-size:13px;margin:4px 0 10px} .grid{display:grid;grid-template-columns:repeat(24,1fr);grid-auto-rows:%dpx;gap:6px}
.panel{background:#181b1f;border:1px solid #2c3235;border-radius:2px;overflow:hidden;padding:4px 6px;box-sizing:border-box}
.row{font-weight:600;font-size:15px;border-bottom:1px solid #2c3235;padding-top:6px}
.title{font-size:13px;font-weight:600;margin-bottom:2px} .err{color:#F2495C;font-size:11px}
.legend{font-size:11px} .leg{margin-right:10px;white-space:nowrap} .leg i{display:inline-block;width:10px;height:3px;margin-right:4px;vertical-align:middle}
.nodata{color:#8e8e8e;font-size:14px;text-align:center;padding-top:30px}
.stat{display:inline-block;margin:0 10px 0 0;vertical-align:top} .sv{font-size:26px;font-weight:600} .sn{font-size:11px;color:#8e8e8e}
table{border-collapse:collapse;font-size:11px;width:100%%} th{text-align:left;color:#6e9fff;border-bottom:1px solid #2c3235}
td{border-bottom:1px solid #22252b;padding:1px 4px;max-width:520px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bar{display:flex;font-size:11px;margin:2px 0;align-items:center} .bn{width:170px} .bt{flex:1;background:#22252b;height:12px}
.bt span{display:block;height:12px} .bv{width:60px;text-align:right}
""" % ROW_PX


def render(root, prom, out_dir, seconds):
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, d in dc.load_dashboards(root).items():
        end = time.time()
        start = end - seconds
        step = max(seconds / 60, 1)
        cells = []
        bottom = 0
        for p in dc.all_panels(d):
            g = p["gridPos"]
            bottom = max(bottom, g["y"] + g["h"])
            style = f'grid-column:{g["x"] + 1}/span {g["w"]};grid-row:{g["y"] + 1}/span {g["h"]}'
            if p["type"] == "row":
                cells.append(f'<div class="row" style="{style}">{html.escape(p["title"])}</div>')
                continue
            results, errs = [], []
            for t in p["targets"]:
                instant = bool(t.get("instant")) and not t.get("range")
                data, err = query(prom, t["expr"], instant, start, end, step)
                if err:
                    errs.append(f'{t["refId"]}: {err}')
                results.append((t, data))
            w_px = int(1576 / 24 * g["w"]) - 20
            h_px = g["h"] * (ROW_PX + 6) - 60
            if p["type"] == "timeseries":
                body = svg_timeseries(p, results, start, end, w_px, h_px)
            elif p["type"] == "heatmap":
                body = svg_heatmap(p, results, start, end, w_px, h_px + 20)
            elif p["type"] == "table":
                body = html_table(p, results)
            elif p["type"] == "bargauge":
                body = html_bargauge(p, results)
            else:
                body = html_stat(p, results)
            err = "".join(f'<div class="err">{html.escape(e)}</div>' for e in errs)
            cells.append(f'<div class="panel" style="{style}"><div class="title">{html.escape(p["title"])}</div>'
                         f'{err}{body}</div>')
        page = (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(d["title"])}</title>'
                f'<style>{CSS}</style></head><body><h1>{html.escape(d["title"])} <small style="color:#8e8e8e">'
                f'uid {html.escape(d["uid"])}</small></h1>'
                f'<div class="note">Panel queries evaluated against live data, not a Grafana rendering. '
                f'Each panel shows what its PromQL returned from a real Prometheus scraping accesslog_exporter '
                f'(nginx traffic from tests/dashboards/run_dashboard_tests.sh; variables = All; '
                f'$__rate_interval=1m, $__range=5m; last {int(seconds)} s, drawn {time.strftime("%Y-%m-%d %H:%M:%S")}). '
                f'Layout follows the dashboard\'s grid; colours, scales and styles are approximations.</div>'
                f'<div class="grid">{"".join(cells)}</div></body></html>')
        path = out_dir / (d["uid"] + ".html")
        path.write_text(page, encoding="utf-8")
        written.append((path, bottom))
        print(f"rendered {path}")
    # Heights for the screenshots: header + grid rows.
    (out_dir / "heights.txt").write_text(
        "".join(f"{p.name} {110 + b * (ROW_PX + 6)}\n" for p, b in written), encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 4:
        print(__doc__)
        sys.exit(2)
    sys.exit(render(pathlib.Path(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3]),
                    float(sys.argv[4]) if len(sys.argv) > 4 else 120))
