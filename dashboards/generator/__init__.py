"""The Grafana dashboards of accesslog_exporter, as Python (run by dashboards/generate.py).

    panels.py     one builder per panel type (time series, stat, table, heatmap, bar gauge, row),
                  targets and thresholds
    promql.py     the variables' label matchers and the expressions several panels share
    dashboard.py  what every board shares: layout (ids, grid), variables, annotations, links,
                  import metadata
    boards/       one module per dashboard (FILE, build()); boards/__init__.py lists them

Python 3 standard library only.
"""
