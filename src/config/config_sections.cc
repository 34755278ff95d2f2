#include <algorithm>
#include <set>

#include "classify/routes.h"
#include "config/config_readers.h"
#include "counters/labels.h"
#include "counters/path_labels.h"

namespace accesslog {
namespace {

// histograms.native: true, false, or a mapping (schema or bucket_factor, max_buckets,
// zero_threshold) that turns them on. --histograms.native turns them on whatever it says.
void ParseNativeHistograms(const ConfigWalker& w, const YAML::Node& n, bool flag, Options* o) {
  NativeHistogramOptions& native = o->histograms.native;
  if (n.IsScalar()) {
    native.enabled = w.Bool(n, "histograms.native") || flag;
    return;
  }
  if (!n.IsMap()) {
    w.Fail(n, "histograms.native",
           "expected true, false or a mapping (schema or bucket_factor, max_buckets, "
           "zero_threshold)");
  }
  w.OnlyKeys(n, "histograms.native", {"schema", "bucket_factor", "max_buckets", "zero_threshold"});
  native.enabled = true;
  if (n["schema"] && n["bucket_factor"]) {
    w.Fail(n["bucket_factor"], "histograms.native.bucket_factor",
           "give schema or bucket_factor, not both");
  }
  if (n["schema"]) {
    const double v = w.Number(n["schema"], "histograms.native.schema");
    if (v != std::floor(v) || v < kMinNativeSchema || v > kMaxNativeSchema) {
      w.Fail(n["schema"], "histograms.native.schema", "expected a whole number from -4 to 8");
    }
    native.schema = static_cast<int32_t>(v);
  }
  if (n["bucket_factor"]) {
    const double f = w.Number(n["bucket_factor"], "histograms.native.bucket_factor");
    if (f <= 1) {
      w.Fail(n["bucket_factor"], "histograms.native.bucket_factor", "must be greater than 1");
    }
    native.schema = SchemaForBucketFactor(f);
  }
  if (n["max_buckets"]) {
    native.max_buckets =
        static_cast<uint32_t>(w.Count(n["max_buckets"], "histograms.native.max_buckets", 8, 32768));
  }
  if (n["zero_threshold"]) {
    const double z = w.Number(n["zero_threshold"], "histograms.native.zero_threshold");
    if (z < 0) {
      w.Fail(n["zero_threshold"], "histograms.native.zero_threshold", "must not be negative");
    }
    native.zero_threshold = z;
  }
}

}  // namespace

void ReadLabels(const ConfigWalker& w, const YAML::Node& n, LabelOptions* labels) {
  w.OnlyKeys(n, "labels",
             {"log", "method", "host", "route", "operation", "syslog_tag", "upstream",
              "route_templates", "static", "limits", "expire_after"});
  if (n["expire_after"]) {
    labels->expire_after = w.LongDuration(n["expire_after"], "labels.expire_after");
  }
  if (n["log"]) labels->log = w.Bool(n["log"], "labels.log");
  if (n["method"]) labels->method = w.Bool(n["method"], "labels.method");
  if (n["host"]) labels->host = w.Bool(n["host"], "labels.host");
  if (n["route"]) labels->route = w.Bool(n["route"], "labels.route");
  if (n["syslog_tag"]) labels->syslog_tag = w.Bool(n["syslog_tag"], "labels.syslog_tag");
  if (n["upstream"]) labels->upstream = w.Bool(n["upstream"], "labels.upstream");
  if (n["operation"]) labels->operation = w.Bool(n["operation"], "labels.operation");
  if (n["route_templates"]) {
    labels->route_templates = w.Strings(n["route_templates"], "labels.route_templates");
    for (size_t i = 0; i < labels->route_templates.size(); ++i) {
      std::string error;
      if (!ValidRouteTemplate(labels->route_templates[i], &error)) {
        w.Fail(n["route_templates"][i], "labels.route_templates[" + std::to_string(i) + "]", error);
      }
    }
  }
  if (const YAML::Node st = n["static"]; st) {
    if (!st.IsMap()) w.Fail(st, "labels.static", "expected a map of label name to value");
    // The exporter's own labels: a static label of the same name would make two labels of one
    // name on a series, which Prometheus refuses.
    std::set<std::string> taken = {"log",   "method",     "host", "route",    "syslog_tag", "code",
                                   "class", "documented", "le",   "upstream", "operation"};
    for (const auto& kv : st) {
      const std::string name = kv.first.Scalar();
      const std::string path = "labels.static." + name;
      if (!IsValidLabelName(name)) {
        w.Fail(kv.first, path,
               "a label name is a letter or '_' followed by letters, digits and '_', and does "
               "not start with '__'");
      }
      if (!taken.insert(name).second) {
        w.Fail(kv.first, path, "the label '" + name + "' is already used by the exporter or twice");
      }
      labels->static_labels.emplace_back(name, w.String(kv.second, path));
    }
  }
  if (const YAML::Node lim = n["limits"]; lim) {
    w.OnlyKeys(lim, "labels.limits",
               {"hosts", "routes", "label_sets", "paths", "syslog_tags", "upstreams", "series"});
    if (lim["upstreams"]) {
      labels->max_upstreams = w.Count(lim["upstreams"], "labels.limits.upstreams", 1, 100000);
    }
    if (lim["series"]) {
      labels->max_series = w.Count(lim["series"], "labels.limits.series", 1, 10000000);
    }
    if (lim["syslog_tags"]) {
      labels->max_syslog_tags = w.Count(lim["syslog_tags"], "labels.limits.syslog_tags", 1, 100000);
    }
    if (lim["paths"]) labels->max_paths = w.Count(lim["paths"], "labels.limits.paths", 1, 100000);
    if (lim["hosts"]) labels->max_hosts = w.Count(lim["hosts"], "labels.limits.hosts", 1, 100000);
    if (lim["routes"]) {
      labels->max_routes = w.Count(lim["routes"], "labels.limits.routes", 1, 100000);
    }
    if (lim["label_sets"]) {
      labels->max_label_sets = w.Count(lim["label_sets"], "labels.limits.label_sets", 1, 100000);
    }
  }
}

void ReadHistograms(const ConfigWalker& w, const YAML::Node& h, Options* o) {
  w.OnlyKeys(h, "histograms",
             {"request_duration_seconds", "upstream_duration_seconds", "response_size_bytes",
              "native", "labels"});
  if (h["native"]) ParseNativeHistograms(w, h["native"], FlagGiven(*o, "--histograms.native"), o);
  if (h["labels"]) {
    // The labels histograms may carry: the exporter's own, and the sources' path labels
    // (all of them or none: they are one value per file).
    std::set<std::string> known = {"class", "log",        "method",   "host",
                                   "route", "syslog_tag", "upstream", "operation"};
    std::vector<std::string> path_names;
    for (const auto& src : o->sources) {
      if (src.path_labels.empty()) continue;
      std::string error;
      if (const auto labeler = PathLabeler::Make(src.path_labels, &error)) {
        for (const auto& name : labeler->names()) {
          if (known.insert(name).second) path_names.push_back(name);
        }
      }
    }
    o->histograms.labels = w.Strings(h["labels"], "histograms.labels");
    std::set<std::string> listed_paths;
    for (size_t i = 0; i < o->histograms.labels.size(); ++i) {
      const std::string& name = o->histograms.labels[i];
      if (!known.count(name)) {
        w.Fail(h["labels"][i], "histograms.labels[" + std::to_string(i) + "]",
               "'" + name +
                   "' is not a label of the exporter (class, log, method, host, route, "
                   "operation, syslog_tag, upstream) or of a source's path_labels");
      }
      if (std::find(path_names.begin(), path_names.end(), name) != path_names.end()) {
        listed_paths.insert(name);
      }
    }
    if (!listed_paths.empty() && listed_paths.size() != path_names.size()) {
      w.Fail(h["labels"], "histograms.labels",
             "path labels go on histograms together: list all of the sources' path labels "
             "or none");
    }
  }
  if (h["request_duration_seconds"]) {
    o->histograms.request_duration =
        w.Buckets(h["request_duration_seconds"], "histograms.request_duration_seconds");
  }
  if (h["upstream_duration_seconds"]) {
    o->histograms.upstream_duration =
        w.Buckets(h["upstream_duration_seconds"], "histograms.upstream_duration_seconds");
  }
  if (h["response_size_bytes"]) {
    o->histograms.response_size =
        w.Buckets(h["response_size_bytes"], "histograms.response_size_bytes");
  }
}

void ReadTail(const ConfigWalker& w, const YAML::Node& t, const std::string& base_dir, Options* o) {
  w.OnlyKeys(t, "tail",
             {"from", "poll_interval", "batch_window", "positions_file", "max_line_bytes"});
  if (t["from"] && !FlagGiven(*o, "--tail.from")) {
    const std::string from = w.String(t["from"], "tail.from");
    if (from != "start" && from != "end") {
      w.Fail(t["from"], "tail.from", "expected start or end, got '" + from + "'");
    }
    o->tail.from_start = from == "start";
  }
  if (t["poll_interval"] && !FlagGiven(*o, "--tail.poll-interval")) {
    o->tail.poll_interval = w.Duration(t["poll_interval"], "tail.poll_interval");
    if (o->tail.poll_interval.count() < 10) {
      w.Fail(t["poll_interval"], "tail.poll_interval", "must be at least 10ms");
    }
  }
  if (t["batch_window"] && !FlagGiven(*o, "--tail.batch-window")) {
    o->tail.read_batch_window = w.Duration(t["batch_window"], "tail.batch_window");
    if (o->tail.read_batch_window.count() > 10000) {
      w.Fail(t["batch_window"], "tail.batch_window", "must be at most 10s");
    }
  }
  if (t["positions_file"] && !FlagGiven(*o, "--positions.file")) {
    o->tail.positions_file =
        ResolvePath(base_dir, w.NonEmptyString(t["positions_file"], "tail.positions_file"));
  }
  if (t["max_line_bytes"] && !FlagGiven(*o, "--log.max-line-bytes")) {
    o->tail.max_line_bytes = w.Count(t["max_line_bytes"], "tail.max_line_bytes", 256, 16 << 20);
  }
}

// A node's name is a DNS subdomain: lower-case letters, digits, '-' and '.', at most 253.
void ReadKubernetes(const ConfigWalker& w, const YAML::Node& k, Options* o) {
  w.OnlyKeys(k, "kubernetes", {"node_name"});
  if (k["node_name"]) {
    const std::string name = w.NonEmptyString(k["node_name"], "kubernetes.node_name");
    const bool valid =
        name.size() <= 253 && std::all_of(name.begin(), name.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        });
    if (!valid) {
      w.Fail(k["node_name"], "kubernetes.node_name",
             "'" + name +
                 "' is not a node name (lower-case letters, digits, '-' and '.', at most 253 "
                 "characters)");
    }
    o->kubernetes.node_name = name;
  }
}

}  // namespace accesslog
