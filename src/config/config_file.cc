#include "config/config_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "classify/routes.h"
#include "config/config_readers.h"
#include "config/yaml_walker.h"
#include "counters/labels.h"
#include "counters/path_labels.h"
#include "push/pusher.h"
#include "unwrap/unwrap.h"

namespace accesslog {

std::string ResolvePath(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

namespace {

void ParseFile(const ConfigWalker& w, const YAML::Node& root, const std::string& base_dir,
               Options* o) {
  if (root.IsNull()) w.Fail(root, "(top level)", "the file is empty");
  w.OnlyKeys(
      root, "",
      {"sources", "status_codes", "labels", "histograms", "tail", "remote_write", "kubernetes"});

  const YAML::Node sources = root["sources"];
  if (!sources || !sources.IsSequence() || sources.size() == 0) {
    w.Fail(sources ? sources : root, "sources", "expected a non-empty list of sources");
  }
  std::vector<SourceOptions> parsed;
  for (size_t i = 0; i < sources.size(); ++i) {
    const std::string path = "sources[" + std::to_string(i) + "]";
    parsed.push_back(ReadSource(w, sources[i], path, parsed, base_dir));
  }
  o->sources = std::move(parsed);

  if (root["status_codes"] && !FlagGiven(*o, "--status.codes")) {
    o->status_codes_file =
        ResolvePath(base_dir, w.NonEmptyString(root["status_codes"], "status_codes"));
  }
  if (root["labels"]) {
    o->labels = LabelOptions();
    ReadLabels(w, root["labels"], &o->labels);
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
  if (const YAML::Node h = root["histograms"]; h) ReadHistograms(w, h, o);
  if (const YAML::Node t = root["tail"]; t) ReadTail(w, t, base_dir, o);
  if (const YAML::Node rw = root["remote_write"]; rw) ReadRemoteWrite(w, rw, base_dir, o);
  if (const YAML::Node k = root["kubernetes"]; k) ReadKubernetes(w, k, o);
}

}  // namespace

bool CheckPathLabelNames(const std::string& spec, const LabelOptions& labels, std::string* error) {
  const auto labeler = PathLabeler::Make(spec, error);
  if (!labeler) return false;
  std::set<std::string> taken = {"log",   "method",     "host", "route",    "syslog_tag", "code",
                                 "class", "documented", "le",   "upstream", "operation"};
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
  const ConfigWalker w(source);
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
  // The TLS files load and match, the password and token files can be read.
  if (o.remote_write.enabled() && !CheckRemoteWrite(o.remote_write, error)) return false;
  return true;
}

}  // namespace accesslog
