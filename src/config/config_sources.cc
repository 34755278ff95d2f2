#include <algorithm>

#include "config/config_readers.h"
#include "counters/path_labels.h"
#include "listen/listener.h"
#include "parse/parser.h"
#include "unwrap/unwrap.h"
#include "util/utf8.h"

namespace accesslog {
namespace {

JsonFieldMap ParseJsonFields(const ConfigWalker& w, const YAML::Node& n, const std::string& path) {
  w.OnlyKeys(n, path,
             {"status", "method", "path", "protocol", "host", "remote_addr", "remote_user",
              "referer", "user_agent", "body_bytes", "request_time", "upstream_time", "upstream",
              "request_time_unit", "upstream_time_unit"});
  JsonFieldMap m;
  auto pointer = [&](const char* key, std::string* out) {
    if (!n[key]) return;
    *out = w.String(n[key], ConfigWalker::Join(path, key));
    if (out->empty() || (*out)[0] != '/') {
      w.Fail(n[key], ConfigWalker::Join(path, key),
             "expected a JSON pointer such as /request/method");
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
  if (m.status.empty()) w.Fail(n, ConfigWalker::Join(path, "status"), "is required");
  auto unit = [&](const char* key, double* factor) {
    if (!n[key]) return;
    const std::string u = w.String(n[key], ConfigWalker::Join(path, key));
    if (u == "s")
      *factor = 1;
    else if (u == "ms")
      *factor = 1e-3;
    else if (u == "us")
      *factor = 1e-6;
    else if (u == "ns")
      *factor = 1e-9;
    else
      w.Fail(n[key], ConfigWalker::Join(path, key), "expected s, ms, us or ns, got '" + u + "'");
  };
  unit("request_time_unit", &m.request_time_to_seconds);
  unit("upstream_time_unit", &m.upstream_time_to_seconds);
  return m;
}

// A source's drop rules: a list of maps field -> RE2 pattern, each checked where it is written.
std::vector<DropCondition> ParseDrop(const ConfigWalker& w, const YAML::Node& n,
                                     const std::string& path, const FormatCapabilities& caps,
                                     DropScope scope) {
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
      if (!CheckDropField(key, caps, scope, &field, &error)) w.Fail(kv.first, kp, error);
      const std::string pattern = w.String(kv.second, kp);
      if (!CheckDropPattern(pattern, &error)) w.Fail(kv.second, kp, error);
      condition.emplace_back(key, pattern);
    }
    out.push_back(std::move(condition));
  }
  return out;
}

// A source's api: {openapi, base_path, default_is_documented, multi_segment_parameters}. The
// document itself is read when the pipeline is built (config/openapi_loader.h), so that a reload
// reads it again.
ApiOptions ReadApi(const ConfigWalker& w, const YAML::Node& n, const std::string& path,
                   const std::string& base_dir) {
  if (!n.IsMap()) {
    w.Fail(n, path, "expected a mapping such as {openapi: kittens.yaml}");
  }
  w.OnlyKeys(n, path,
             {"openapi", "base_path", "default_is_documented", "multi_segment_parameters"});
  ApiOptions api;
  if (!n["openapi"]) w.Fail(n, path + ".openapi", "is required: the OpenAPI document's path");
  api.openapi = ResolvePath(base_dir, w.NonEmptyString(n["openapi"], path + ".openapi"));
  if (n["base_path"]) {
    api.base_path = w.Strings(n["base_path"], path + ".base_path");
    for (size_t i = 0; i < api.base_path.size(); ++i) {
      const std::string& prefix = api.base_path[i];
      if (!prefix.empty() && prefix[0] != '/') {
        w.Fail(n["base_path"], path + ".base_path",
               "'" + prefix + "': a path prefix starts with '/' (\"/\" for none)");
      }
      if (prefix.find_first_of("?#{}") != std::string::npos) {
        w.Fail(n["base_path"], path + ".base_path",
               "'" + prefix + "': a path prefix has no query, fragment or template");
      }
    }
  }
  if (n["default_is_documented"]) {
    api.contract.default_is_documented =
        w.Bool(n["default_is_documented"], path + ".default_is_documented");
  }
  if (n["multi_segment_parameters"]) {
    api.contract.multi_segment_parameters =
        w.Strings(n["multi_segment_parameters"], path + ".multi_segment_parameters");
  }
  return api;
}

}  // namespace

// One entry of sources: (`path` is "sources[i]"); `parsed` are the entries before it, for the
// checks across sources (names, listen addresses).
SourceOptions ReadSource(const ConfigWalker& w, const YAML::Node& s, const std::string& path,
                         const std::vector<SourceOptions>& parsed, const std::string& base_dir) {
  w.OnlyKeys(s, path,
             {"name", "files", "listen", "syslog", "format", "json_fields", "wrapper", "streams",
              "path_labels", "drop", "exemplars", "api", "status_codes"});
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
      src.files.push_back(f == "-" ? f : ResolvePath(base_dir, f));
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
    w.OnlyKeys(l, lp, {"max_message_bytes", "max_connections", "idle_timeout", "socket_mode"});
    if (l["max_message_bytes"]) {
      src.syslog.max_message_bytes =
          w.Count(l["max_message_bytes"], lp + ".max_message_bytes", 256, size_t{1} << 20);
    }
    if (l["max_connections"]) {
      src.syslog.max_connections = w.Count(l["max_connections"], lp + ".max_connections", 1, 65536);
    }
    if (l["idle_timeout"]) {
      src.syslog.idle_timeout = w.Duration(l["idle_timeout"], lp + ".idle_timeout");
      if (src.syslog.idle_timeout.count() == 0) {
        w.Fail(l["idle_timeout"], lp + ".idle_timeout", "must be more than 0");
      }
    }
    if (l["socket_mode"]) {
      // Octal, as chmod takes it: "0660", "660", "0666". Permission bits only.
      const std::string mode = w.String(l["socket_mode"], lp + ".socket_mode");
      const bool octal = mode.size() >= 3 && mode.size() <= 4 &&
                         mode.find_first_not_of("01234567") == std::string::npos &&
                         (mode.size() == 3 || mode[0] == '0');
      if (!octal) {
        w.Fail(
            l["socket_mode"], lp + ".socket_mode",
            "expected permission bits in octal, such as \"0660\" or \"0666\", got '" + mode + "'");
      }
      if (!src.listen.starts_with("unix:")) {
        w.Fail(l["socket_mode"], lp + ".socket_mode", "applies to a unix:// listen address only");
      }
      src.syslog.socket_mode = static_cast<unsigned>(std::stoul(mode, nullptr, 8));
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
  if (const YAML::Node a = s["api"]; a) src.api = ReadApi(w, a, path + ".api", base_dir);
  if (s["status_codes"]) {
    src.status_codes_file =
        ResolvePath(base_dir, w.NonEmptyString(s["status_codes"], path + ".status_codes"));
  }
  if (s["drop"]) {
    src.drop =
        ParseDrop(w, s["drop"], path + ".drop", parser->capabilities(),
                  {.syslog = static_cast<bool>(s["listen"]), .api = !src.api.openapi.empty()});
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
  return src;
}

}  // namespace accesslog
