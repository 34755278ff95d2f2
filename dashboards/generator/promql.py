"""PromQL helpers shared by the boards: the variables' label matchers and common expressions.

The expressions mirror the rules in rules/ (the 5m ratios of the alerts, the undocumented-code
trick of AccesslogUndocumentedStatusCodes), so a panel shows what an alert evaluates.
"""

RESP = "accesslog_http_responses_total"
BY_CLASS = "accesslog_http_responses_by_class_total"

# Label matchers of the template variables. `log` only exists on the response metrics when the
# exporter runs with --labels=log; its "All" value `.*` also matches a missing label, so with All
# selected every panel works whichever labels are configured.
SEL = 'job=~"$job", instance=~"$instance"'
SEL_LOG = 'job=~"$job", instance=~"$instance", log=~"$log"'


def sel(*extra, log=True):
    """The variables' matchers plus EXTRA, inside braces."""
    parts = [SEL_LOG if log else SEL, *extra]
    return "{" + ", ".join(parts) + "}"


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
