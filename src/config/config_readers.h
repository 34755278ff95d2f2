// Configuration: the readers of the YAML file's sections (config_file.h is the public entry):
// the typed walker they share, and one reader per section. Each reader checks every value it
// reads and fails through the walker with the key's path ("FILE:LINE:COL: key.path: reason").
//
// Thread-safety: none needed; used at start-up and on reload.
#pragma once

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "config/options.h"
#include "config/yaml_walker.h"

namespace accesslog {

// The shared walker plus the typed values only the configuration file has.
class ConfigWalker : public YamlWalker {
 public:
  explicit ConfigWalker(std::string_view source) : YamlWalker(source, KnownKeys::kListed) {}

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

// A path from the file, relative to the file's directory unless absolute.
[[nodiscard]] std::string ResolvePath(const std::string& base_dir, const std::string& path);

// Whether `flag` was given on the command line (it then wins over the file).
[[nodiscard]] inline bool FlagGiven(const Options& o, const char* flag) {
  return o.flags_given.count(flag) > 0;
}

// config_sources.cc: one entry of `sources:`; `parsed` are the entries before it (names and
// listen addresses are unique).
[[nodiscard]] SourceOptions ReadSource(const ConfigWalker& w, const YAML::Node& s,
                                       const std::string& path,
                                       const std::vector<SourceOptions>& parsed,
                                       const std::string& base_dir);

// config_sections.cc: `labels:`, `histograms:` (after the sources: it may name their path
// labels), `tail:` and `kubernetes:`.
void ReadLabels(const ConfigWalker& w, const YAML::Node& n, LabelOptions* labels);
void ReadHistograms(const ConfigWalker& w, const YAML::Node& h, Options* o);
void ReadTail(const ConfigWalker& w, const YAML::Node& t, const std::string& base_dir, Options* o);
void ReadKubernetes(const ConfigWalker& w, const YAML::Node& k, Options* o);

// config_remote_write.cc: `remote_write:` (the flags --remote-write.url and
// --remote-write.interval win over its url and interval). Files it names must be readable.
void ReadRemoteWrite(const ConfigWalker& w, const YAML::Node& n, const std::string& base_dir,
                     Options* o);

}  // namespace accesslog
