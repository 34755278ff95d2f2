// Configuration: the YAML-walking helpers the loaders of --config.file (config_file.cc and its
// section readers, config_readers.h) and --web.config.file (web_config.cc) share. Internal to
// src/config: yaml-cpp is a private dependency of this stage.
//
//   const YamlWalker w("web.yml", YamlWalker::KnownKeys::kNotListed);
//   bool ok = w.Load(yaml, [&](const YAML::Node& root) {
//     w.OnlyKeys(root, "", {"name"});
//     if (root["name"]) name = w.NonEmptyString(root["name"], "name");
//   }, &error);   // false, error "web.yml:1:7: name: expected a non-empty string"
//
// Every check either returns or calls Fail, which abandons the walk; Load turns that into the
// error string "SOURCE:LINE:COL: key.path: reason" (":LINE:COL" only when yaml-cpp knows the
// position), and text that is not YAML into "SOURCE:LINE:COL: invalid YAML: what yaml-cpp says".
// The tests (tests/config, tests/app) and the fuzz targets rely on these exact shapes.
//
// Thread-safety: none needed; the loaders run at start-up and on reload.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace accesslog {

class YamlWalker {
 public:
  // Whether OnlyKeys's error lists the known keys: "unknown key (known: a, b)" or "unknown key".
  enum class KnownKeys { kListed, kNotListed };

  // `source` names the text in every error (a path, or a test's name).
  YamlWalker(std::string_view source, KnownKeys known_keys)
      : source_(source), known_keys_(known_keys) {}

  // Parses `yaml` and calls `walk` with the root node. Returns true when `walk` returns. Returns
  // false with *error set when the text is not YAML, when `walk` calls Fail (its message), or
  // when yaml-cpp throws during the walk (then "invalid YAML", as for a parse error).
  bool Load(std::string_view yaml, const std::function<void(const YAML::Node& root)>& walk,
            std::string* error) const;

  // Abandons the walk with "SOURCE:LINE:COL: path: reason", the position being `node`'s.
  [[noreturn]] void Fail(const YAML::Node& node, const std::string& path,
                         const std::string& reason) const;

  // Fails unless `map` is a map whose keys are all in `known`. A key in `unsupported` fails with
  // "is not supported by accesslog_exporter" (keys of a foreign format this exporter refuses).
  void OnlyKeys(const YAML::Node& map, const std::string& path,
                std::initializer_list<const char*> known,
                std::initializer_list<const char*> unsupported = {}) const;

  // The scalar's text (possibly empty); fails with "expected a string" otherwise.
  std::string String(const YAML::Node& n, const std::string& path) const;
  // The scalar's text; fails with "expected a non-empty string" when not a scalar or empty.
  std::string NonEmptyString(const YAML::Node& n, const std::string& path) const;

  // "path.key", or "key" at the top level (empty `path`).
  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

 private:
  std::string source_;
  KnownKeys known_keys_;
};

}  // namespace accesslog
