#include "config/config_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "config/yaml_walker.h"
#include "metrics/labels.h"
#include "metrics/path_labels.h"
#include "unwrap/unwrap.h"

namespace accesslog {
namespace {

// The shared walker plus the typed values only the configuration file has.
class Walker : public YamlWalker {
 public:
  explicit Walker(std::string_view source) : YamlWalker(source, KnownKeys::kListed) {}

  bool Bool(const YAML::Node& n, const std::string& path) const {
    const std::string s = n.IsScalar() ? n.Scalar() : "";
    if (s == "true") return true;
    if (s == "false") return false;
    Fail(n, path, "expected true or false, got '" + s + "'");
  }

  double Number(const YAML::Node& n, const std::string& path) const {
    const std::string s = n.IsScalar() ? n.Scalar() : "";
    double v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
      Fail(n, path, "expected a number, got '" + s + "'");
    }
    return v;
  }

  size_t Count(const YAML::Node& n, const std::string& path, size_t min, size_t max) const {
    const double v = Number(n, path);
    if (v != std::floor(v) || v < static_cast<double>(min) || v > static_cast<double>(max)) {
      Fail(n, path,
           "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return static_cast<size_t>(v);
  }

  // "250ms", "1s", "2m" (Prometheus duration style, the units that matter here), up to 1h.
  std::chrono::milliseconds Duration(const YAML::Node& n, const std::string& path) const {
    const std::string s = n.IsScalar() ? n.Scalar() : "";
    double v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    const std::string unit(ptr, s.data() + s.size());
    double ms = -1;
    if (ec == std::errc() && v >= 0) {
      if (unit == "ms") ms = v;
      if (unit == "s") ms = v * 1000;
      if (unit == "m") ms = v * 60000;
    }
    // The bound also keeps "infms" and "1e300s" away from the integer conversion below.
    if (!(ms >= 0 && ms <= 3600e3)) {
      Fail(n, path, "expected a duration such as 250ms, 1s or 1m (at most 1h), got '" + s + "'");
    }
    return std::chrono::milliseconds(static_cast<int64_t>(ms));
  }

  // "30s", "5m", "2h", "7d": whole seconds from 1s to 365d (labels.expire_after).
  std::chrono::seconds LongDuration(const YAML::Node& n, const std::string& path) const {
    const std::string s = n.IsScalar() ? n.Scalar() : "";
    int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    const std::string unit(ptr, s.data() + s.size());
    int64_t seconds = -1;
    if (ec == std::errc() && v >= 0 && v <= 365 * 86400) {
      if (unit == "s") seconds = v;
      if (unit == "m") seconds = v * 60;
      if (unit == "h") seconds = v * 3600;
      if (unit == "d") seconds = v * 86400;
    }
    if (seconds < 1 || seconds > 365 * 86400) {
      Fail(n, path,
           "expected a duration of whole seconds, minutes, hours or days such as 30s, 10m, 1h "
           "or 7d (1s to 365d), got '" +
               s + "'");
    }
    return std::chrono::seconds(seconds);
  }

  std::vector<std::string> Strings(const YAML::Node& n, const std::string& path) const {
    std::vector<std::string> out;
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
      return out;
    }
    if (!n.IsSequence()) Fail(n, path, "expected a list of strings");
    for (size_t i = 0; i < n.size(); ++i) {
      out.push_back(String(n[i], path + "[" + std::to_string(i) + "]"));
    }
    return out;
  }

  std::vector<double> Buckets(const YAML::Node& n, const std::string& path) const {
    if (!n.IsSequence() || n.size() == 0) Fail(n, path, "expected a non-empty list of numbers");
    std::vector<double> out;
    for (size_t i = 0; i < n.size(); ++i) {
      const double v = Number(n[i], path + "[" + std::to_string(i) + "]");
      if (!out.empty() && v <= out.back()) {
        Fail(n[i], path + "[" + std::to_string(i) + "]", "bucket bounds must increase");
      }
      out.push_back(v);
    }
    return out;
  }
};

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

bool Given(const Options& o, const char* flag) { return o.flags_given.count(flag) > 0; }

JsonFieldMap ParseJsonFields(const Walker& w, const YAML::Node& n, const std::string& path) {
  w.OnlyKeys(n, path,
             {"status", "method", "path", "protocol", "host", "remote_addr", "remote_user",
              "referer", "user_agent", "body_bytes", "request_time", "upstream_time", "upstream",
              "request_time_unit", "upstream_time_unit"});
  JsonFieldMap m;
  auto pointer = [&](const char* key, std::string* out) {
    if (!n[key]) return;
    *out = w.String(n[key], Walker::Join(path, key));
    if (out->empty() || (*out)[0] != '/') {
      w.Fail(n[key], Walker::Join(path, key), "expected a JSON pointer such as /request/method");
    }
  };
  pointer("status", &m.status);
  pointer("method", &m.method);
  pointer("path", &m.path);
  pointer("protocol", &m.protocol);
  pointer("host", &m.host);
  pointer("remote_addr", &m.remote_addr);
  pointer("remote_user", &m.remote_user);
  pointer("referer", &m.referer);
  pointer("user_agent", &m.user_agent);
  pointer("body_bytes", &m.body_bytes);
  pointer("request_time", &m.request_time);
  pointer("upstream_time", &m.upstream_time);
  pointer("upstream", &m.upstream);
  if (m.status.empty()) w.Fail(n, Walker::Join(path, "status"), "is required");
  auto unit = [&](const char* key, double* factor) {
    if (!n[key]) return;
    const std::string u = w.String(n[key], Walker::Join(path, key));
    if (u == "s")
      *factor = 1;
    else if (u == "ms")
      *factor = 1e-3;
    else if (u == "us")
      *factor = 1e-6;
    else if (u == "ns")
      *factor = 1e-9;
    else
      w.Fail(n[key], Walker::Join(path, key), "expected s, ms, us or ns, got '" + u + "'");
  };
  unit("request_time_unit", &m.request_time_to_seconds);
  unit("upstream_time_unit", &m.upstream_time_to_seconds);
  return m;
}

// A source's drop rules: a list of maps field -> RE2 pattern, each checked where it is written.
std::vector<DropCondition> ParseDrop(const Walker& w, const YAML::Node& n, const std::string& path,
                                     const FormatCapabilities& caps, bool syslog) {
  if (!n.IsSequence()) {
    w.Fail(n, path,
           "expected a list of conditions such as - {route: '/healthz', user_agent: "
           "'kube-probe/.*'}");
  }
  std::vector<DropCondition> out;
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string cp = path + "[" + std::to_string(i) + "]";
    const YAML::Node c = n[i];
    if (!c.IsMap() || c.size() == 0) {
      w.Fail(c, cp, "expected a map of field name to RE2 pattern (all must match)");
    }
    DropCondition condition;
    for (const auto& kv : c) {
      const std::string key = w.String(kv.first, cp);
      const std::string kp = cp + "." + key;
      DropField field;
      std::string error;
      if (!CheckDropField(key, caps, syslog, &field, &error)) w.Fail(kv.first, kp, error);
      const std::string pattern = w.String(kv.second, kp);
      if (!CheckDropPattern(pattern, &error)) w.Fail(kv.second, kp, error);
      condition.emplace_back(key, pattern);
    }
    out.push_back(std::move(condition));
  }
  return out;
}

// histograms.native: true, false, or a mapping (schema or bucket_factor, max_buckets,
// zero_threshold) that turns them on. --histograms.native turns them on whatever it says.
void ParseNativeHistograms(const Walker& w, const YAML::Node& n, bool flag, Options* o) {
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

void ParseLabels(const Walker& w, const YAML::Node& n, LabelOptions* labels) {
  w.OnlyKeys(n, "labels",
             {"log", "method", "host", "route", "syslog_tag", "upstream", "route_templates",
              "static", "limits", "expire_after"});
  if (n["expire_after"]) {
    labels->expire_after = w.LongDuration(n["expire_after"], "labels.expire_after");
  }
  if (n["log"]) labels->log = w.Bool(n["log"], "labels.log");
  if (n["method"]) labels->method = w.Bool(n["method"], "labels.method");
  if (n["host"]) labels->host = w.Bool(n["host"], "labels.host");
  if (n["route"]) labels->route = w.Bool(n["route"], "labels.route");
  if (n["syslog_tag"]) labels->syslog_tag = w.Bool(n["syslog_tag"], "labels.syslog_tag");
  if (n["upstream"]) labels->upstream = w.Bool(n["upstream"], "labels.upstream");
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
    std::set<std::string> taken = {"log",  "method", "host",       "route", "syslog_tag",
                                   "code", "class",  "documented", "le",    "upstream"};
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

void ParseFile(const Walker& w, const YAML::Node& root, const std::string& base_dir, Options* o) {
  if (root.IsNull()) w.Fail(root, "(top level)", "the file is empty");
  w.OnlyKeys(root, "", {"sources", "status_codes", "labels", "histograms", "tail"});

  const YAML::Node sources = root["sources"];
  if (!sources || !sources.IsSequence() || sources.size() == 0) {
    w.Fail(sources ? sources : root, "sources", "expected a non-empty list of sources");
  }
  std::vector<SourceOptions> parsed;
  for (size_t i = 0; i < sources.size(); ++i) {
    const std::string path = "sources[" + std::to_string(i) + "]";
    const YAML::Node s = sources[i];
    w.OnlyKeys(s, path,
               {"name", "files", "listen", "syslog", "format", "json_fields", "wrapper", "streams",
                "path_labels", "drop", "exemplars"});
    SourceOptions src;
    if (!s["name"]) w.Fail(s, path + ".name", "is required (it becomes the log label)");
    src.name = w.String(s["name"], path + ".name");
    if (src.name.empty()) w.Fail(s["name"], path + ".name", "must not be empty");
    if (!IsValidUtf8(src.name)) {
      w.Fail(s["name"], path + ".name", "must be valid UTF-8 (it becomes the log label)");
    }
    for (const auto& other : parsed) {
      if (other.name == src.name)
        w.Fail(s["name"], path + ".name", "'" + src.name + "' is used twice");
    }
    if (s["files"] && s["listen"]) {
      w.Fail(s["listen"], path + ".listen", "a source has either files or listen, not both");
    }
    if (s["listen"]) {
      src.listen = w.String(s["listen"], path + ".listen");
      ListenAddress address;
      std::string why;
      if (!ParseListenUrl(src.listen, &address, &why)) w.Fail(s["listen"], path + ".listen", why);
      for (const auto& other : parsed) {
        if (other.listen == src.listen) {
          w.Fail(s["listen"], path + ".listen",
                 "'" + src.listen + "' is listened on by source '" + other.name + "' already");
        }
      }
    } else {
      if (!s["files"]) {
        w.Fail(s, path + ".files",
               "is required: a path, a glob, or a list of them (or listen: for syslog)");
      }
      for (const auto& f : w.Strings(s["files"], path + ".files")) {
        if (f.empty()) w.Fail(s["files"], path + ".files", "a path must not be empty");
        src.files.push_back(f == "-" ? f : Resolve(base_dir, f));
      }
      if (src.files.empty()) w.Fail(s["files"], path + ".files", "must not be empty");
      if (src.files.size() > 1 &&
          std::find(src.files.begin(), src.files.end(), "-") != src.files.end()) {
        w.Fail(s["files"], path + ".files",
               "'-' (standard input) must be the source's only file: give it a source of its own");
      }
    }
    if (const YAML::Node l = s["syslog"]; l) {
      const std::string lp = path + ".syslog";
      if (!s["listen"]) w.Fail(l, lp, "only applies to a source with listen:");
      w.OnlyKeys(l, lp, {"max_message_bytes", "max_connections", "idle_timeout"});
      if (l["max_message_bytes"]) {
        src.syslog.max_message_bytes =
            w.Count(l["max_message_bytes"], lp + ".max_message_bytes", 256, size_t{1} << 20);
      }
      if (l["max_connections"]) {
        src.syslog.max_connections =
            w.Count(l["max_connections"], lp + ".max_connections", 1, 65536);
      }
      if (l["idle_timeout"]) {
        src.syslog.idle_timeout = w.Duration(l["idle_timeout"], lp + ".idle_timeout");
        if (src.syslog.idle_timeout.count() == 0) {
          w.Fail(l["idle_timeout"], lp + ".idle_timeout", "must be more than 0");
        }
      }
    }
    if (s["format"]) src.format.format = w.String(s["format"], path + ".format");
    if (s["json_fields"]) {
      src.format.json_fields = ParseJsonFields(w, s["json_fields"], path + ".json_fields");
    }
    if (const YAML::Node e = s["exemplars"]; e) {
      if (!e.IsMap()) w.Fail(e, path + ".exemplars", "expected a mapping: {trace_id: FIELD}");
      w.OnlyKeys(e, path + ".exemplars", {"trace_id"});
      if (!e["trace_id"]) w.Fail(e, path + ".exemplars.trace_id", "is required");
      src.format.trace_id = w.NonEmptyString(e["trace_id"], path + ".exemplars.trace_id");
    }
    std::string error;
    const auto parser = MakeParser(src.format, &error);
    if (!parser) {
      const bool trace = error.starts_with("exemplars.trace_id") ||
                         error.find(": exemplars.trace_id") != std::string::npos;
      w.Fail(trace         ? s["exemplars"]["trace_id"]
             : s["format"] ? s["format"]
                           : s,
             path + (trace ? ".exemplars.trace_id" : ".format"), error);
    }
    if (s["drop"]) {
      src.drop = ParseDrop(w, s["drop"], path + ".drop", parser->capabilities(),
                           static_cast<bool>(s["listen"]));
    }
    if (s["wrapper"]) {
      const std::string name = w.String(s["wrapper"], path + ".wrapper");
      if (!ParseWrapper(name, &src.unwrap.wrapper)) {
        w.Fail(s["wrapper"], path + ".wrapper",
               "expected none, cri, docker or auto, got '" + name + "'");
      }
    }
    if (s["streams"]) {
      if (src.unwrap.wrapper == Wrapper::kNone) {
        w.Fail(s["streams"], path + ".streams",
               "applies to container logs only: set wrapper (cri, docker or auto) too");
      }
      const std::vector<std::string> streams = w.Strings(s["streams"], path + ".streams");
      if (streams.empty()) {
        w.Fail(s["streams"], path + ".streams", "expected stdout, stderr or both");
      }
      src.unwrap.streams = {false, false};
      for (const auto& name : streams) {
        LogStream stream;
        if (!ParseLogStream(name, &stream)) {
          w.Fail(s["streams"], path + ".streams", "expected stdout or stderr, got '" + name + "'");
        }
        src.unwrap.streams[static_cast<size_t>(stream)] = true;
      }
    }
    if (s["listen"]) {
      // A syslog message has no file: neither an envelope nor a path to take labels from.
      for (const char* key : {"wrapper", "streams", "path_labels"}) {
        if (s[key]) {
          w.Fail(s[key], path + "." + key, "applies to files only, not to a listen source");
        }
      }
    }
    if (s["path_labels"]) {
      src.path_labels = w.NonEmptyString(s["path_labels"], path + ".path_labels");
      if (!PathLabeler::Make(src.path_labels, &error)) {
        w.Fail(s["path_labels"], path + ".path_labels", error);
      }
    }
    parsed.push_back(std::move(src));
  }
  o->sources = std::move(parsed);

  if (root["status_codes"] && !Given(*o, "--status.codes")) {
    o->status_codes_file =
        Resolve(base_dir, w.NonEmptyString(root["status_codes"], "status_codes"));
  }
  if (root["labels"]) {
    o->labels = LabelOptions();
    ParseLabels(w, root["labels"], &o->labels);
  }
  // A path label named like one of the exporter's labels or a static label would make two
  // labels of one name on a series.
  for (size_t i = 0; i < o->sources.size(); ++i) {
    if (o->sources[i].path_labels.empty()) continue;
    std::string error;
    if (!CheckPathLabelNames(o->sources[i].path_labels, o->labels, &error)) {
      w.Fail(sources[i]["path_labels"], "sources[" + std::to_string(i) + "].path_labels", error);
    }
  }
  o->histograms.exemplars = false;
  for (const SourceOptions& s : o->sources) o->histograms.exemplars |= !s.format.trace_id.empty();
  if (const YAML::Node h = root["histograms"]; h) {
    w.OnlyKeys(h, "histograms",
               {"request_duration_seconds", "upstream_duration_seconds", "response_size_bytes",
                "native", "labels"});
    if (h["native"]) ParseNativeHistograms(w, h["native"], Given(*o, "--histograms.native"), o);
    if (h["labels"]) {
      // The labels histograms may carry: the exporter's own, and the sources' path labels
      // (all of them or none: they are one value per file).
      std::set<std::string> known = {"class", "log",        "method",  "host",
                                     "route", "syslog_tag", "upstream"};
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
                     "syslog_tag, upstream) or of a source's path_labels");
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
  if (const YAML::Node t = root["tail"]; t) {
    w.OnlyKeys(t, "tail",
               {"from", "poll_interval", "batch_window", "positions_file", "max_line_bytes"});
    if (t["from"] && !Given(*o, "--tail.from")) {
      const std::string from = w.String(t["from"], "tail.from");
      if (from != "start" && from != "end") {
        w.Fail(t["from"], "tail.from", "expected start or end, got '" + from + "'");
      }
      o->tail.from_start = from == "start";
    }
    if (t["poll_interval"] && !Given(*o, "--tail.poll-interval")) {
      o->tail.poll_interval = w.Duration(t["poll_interval"], "tail.poll_interval");
      if (o->tail.poll_interval.count() < 10) {
        w.Fail(t["poll_interval"], "tail.poll_interval", "must be at least 10ms");
      }
    }
    if (t["batch_window"] && !Given(*o, "--tail.batch-window")) {
      o->tail.read_batch_window = w.Duration(t["batch_window"], "tail.batch_window");
      if (o->tail.read_batch_window.count() > 10000) {
        w.Fail(t["batch_window"], "tail.batch_window", "must be at most 10s");
      }
    }
    if (t["positions_file"] && !Given(*o, "--positions.file")) {
      o->tail.positions_file =
          Resolve(base_dir, w.NonEmptyString(t["positions_file"], "tail.positions_file"));
    }
    if (t["max_line_bytes"] && !Given(*o, "--log.max-line-bytes")) {
      o->tail.max_line_bytes = w.Count(t["max_line_bytes"], "tail.max_line_bytes", 256, 16 << 20);
    }
  }
}

}  // namespace

bool CheckPathLabelNames(const std::string& spec, const LabelOptions& labels, std::string* error) {
  const auto labeler = PathLabeler::Make(spec, error);
  if (!labeler) return false;
  std::set<std::string> taken = {"log",  "method", "host",       "route", "syslog_tag",
                                 "code", "class",  "documented", "le",    "upstream"};
  for (const auto& [name, value] : labels.static_labels) taken.insert(name);
  for (const auto& name : labeler->names()) {
    if (taken.count(name)) {
      *error = "the label '" + name + "' is already used by the exporter or a static label";
      return false;
    }
  }
  return true;
}

bool ParseConfigText(std::string_view yaml, std::string_view source, const std::string& base_dir,
                     Options* options, std::string* error) {
  const Walker w(source);
  return w.Load(
      yaml,
      [&](const YAML::Node& root) {
        Options parsed = *options;
        ParseFile(w, root, base_dir, &parsed);
        *options = std::move(parsed);
      },
      error);
}

bool LoadConfigFile(Options* options, std::string* error) {
  const std::string& path = options->config_file;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open the configuration file (--config.file)";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const size_t slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? "" : path.substr(0, slash);
  return ParseConfigText(text.str(), path, base, options, error);
}

bool ValidateOptions(const Options& o, std::string* error) {
  if (o.sources.empty()) {
    *error = "no log to follow: give --log.file=PATH or a config file with sources";
    return false;
  }
  if (o.sources.size() > 60000) {
    *error = "too many sources";
    return false;
  }
  std::set<std::string> listening;
  for (const auto& s : o.sources) {
    std::string why;
    if (!MakeParser(s.format, &why)) {
      *error = "log format of '" + s.name + "': " + why;
      return false;
    }
    if (!s.listen.empty() && !listening.insert(s.listen).second) {
      *error = "source '" + s.name + "': " + s.listen + " is listened on by another source";
      return false;
    }
    // Standard input is a stream of its own: it cannot share a source (and its counters' one
    // writer) with files followed by the tailer.
    const bool stdin_source = std::find(s.files.begin(), s.files.end(), "-") != s.files.end();
    if (stdin_source && s.files.size() > 1) {
      *error = "source '" + s.name + "': '-' (standard input) must be the source's only file";
      return false;
    }
  }
  return true;
}

}  // namespace accesslog
