#include "config/yaml_walker.h"

#include <sstream>

namespace accesslog {
namespace {

// Thrown by Fail and caught by Load only: it never leaves this stage's loaders.
struct WalkError {
  std::string message;
};

// "SOURCE:LINE:COL", or "SOURCE" when yaml-cpp has no position (line -1), 1-based as editors
// count.
std::string Where(std::string_view source, const YAML::Mark& mark) {
  std::ostringstream out;
  out << source;
  if (mark.line >= 0) out << ":" << mark.line + 1 << ":" << mark.column + 1;
  return out.str();
}

}  // namespace

bool YamlWalker::Load(std::string_view yaml,
                      const std::function<void(const YAML::Node& root)>& walk,
                      std::string* error) const {
  try {
    walk(YAML::Load(std::string(yaml)));
    return true;
  } catch (const WalkError& e) {
    *error = e.message;
  } catch (const YAML::Exception& e) {
    *error = Where(source_, e.mark) + ": invalid YAML: " + e.msg;
  }
  return false;
}

void YamlWalker::Fail(const YAML::Node& node, const std::string& path,
                      const std::string& reason) const {
  throw WalkError{Where(source_, node.Mark()) + ": " + path + ": " + reason};
}

void YamlWalker::OnlyKeys(const YAML::Node& map, const std::string& path,
                          std::initializer_list<const char*> known,
                          std::initializer_list<const char*> unsupported) const {
  if (!map.IsMap()) Fail(map, path, "expected a map");
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    const std::string at = Join(path, key);
    bool ok = false;
    std::string list;
    for (const char* k : known) {
      ok |= key == k;
      list += list.empty() ? k : std::string(", ") + k;
    }
    for (const char* k : unsupported) {
      if (key == k) Fail(kv.first, at, "is not supported by accesslog_exporter");
    }
    if (!ok) {
      Fail(kv.first, at,
           known_keys_ == KnownKeys::kListed ? "unknown key (known: " + list + ")" : "unknown key");
    }
  }
}

std::string YamlWalker::String(const YAML::Node& n, const std::string& path) const {
  if (!n.IsScalar()) Fail(n, path, "expected a string");
  return n.Scalar();
}

std::string YamlWalker::NonEmptyString(const YAML::Node& n, const std::string& path) const {
  if (!n.IsScalar() || n.Scalar().empty()) Fail(n, path, "expected a non-empty string");
  return n.Scalar();
}

}  // namespace accesslog
