#include "classify/status_table.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace accesslog {

// Defined in the file CMake generates from data/status-codes.yaml.
extern const char* const kEmbeddedStatusCodesYaml;

namespace {

std::string Where(std::string_view source, const YAML::Mark& mark) {
  std::ostringstream out;
  out << source;
  if (mark.line >= 0) out << ":" << mark.line + 1 << ":" << mark.column + 1;
  return out.str();
}

}  // namespace

std::string_view ClassName(int class_index) {
  static constexpr std::string_view kNames[kNumClasses] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  return class_index >= 0 && class_index < kNumClasses ? kNames[class_index] : "invalid";
}

std::optional<StatusTable> StatusTable::Parse(std::string_view yaml, std::string_view source,
                                              std::string* error) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    *error = Where(source, e.mark) + ": invalid YAML: " + e.msg;
    return std::nullopt;
  }
  const YAML::Node codes = root.IsMap() ? root["codes"] : YAML::Node();
  if (!codes || !codes.IsSequence() || codes.size() == 0) {
    *error = Where(source, root.Mark()) +
             ": codes: expected a non-empty list of {code, meaning} entries";
    return std::nullopt;
  }
  StatusTable table;
  for (const YAML::Node& entry : codes) {
    const std::string where = Where(source, entry.Mark());
    if (!entry.IsMap()) {
      *error = where + ": codes[]: expected a map with `code` and `meaning`";
      return std::nullopt;
    }
    for (const auto& kv : entry) {
      const std::string key = kv.first.Scalar();
      if (key != "code" && key != "class" && key != "meaning") {
        *error = Where(source, kv.first.Mark()) + ": codes[]." + key +
                 ": unknown key (expected code, class, meaning)";
        return std::nullopt;
      }
    }
    const YAML::Node code_node = entry["code"];
    const int code = code_node && code_node.IsScalar() ? ParseStatusCode(code_node.Scalar()) : 0;
    if (code == 0) {
      *error = where + ": codes[].code: expected a three-digit HTTP status code in 100-599, got '" +
               (code_node && code_node.IsScalar() ? code_node.Scalar() : std::string()) + "'";
      return std::nullopt;
    }
    const YAML::Node meaning = entry["meaning"];
    if (!meaning || !meaning.IsScalar() || meaning.Scalar().empty()) {
      *error =
          where + ": codes[].meaning: code " + std::to_string(code) + " needs a non-empty meaning";
      return std::nullopt;
    }
    if (const YAML::Node cls = entry["class"]; cls) {
      if (!cls.IsScalar() || cls.Scalar() != ClassName(ClassIndex(code))) {
        *error = Where(source, cls.Mark()) + ": codes[].class: code " + std::to_string(code) +
                 " belongs to class " + std::string(ClassName(ClassIndex(code))) + ", not '" +
                 (cls.IsScalar() ? cls.Scalar() : std::string()) + "'";
        return std::nullopt;
      }
    }
    if (table.documented_[static_cast<size_t>(code)]) {
      *error = where + ": codes[].code: " + std::to_string(code) + " is listed twice";
      return std::nullopt;
    }
    table.documented_[static_cast<size_t>(code)] = true;
    table.entries_.push_back({code, meaning.Scalar()});
  }
  std::sort(table.entries_.begin(), table.entries_.end(),
            [](const StatusCodeEntry& a, const StatusCodeEntry& b) { return a.code < b.code; });
  return table;
}

std::optional<StatusTable> StatusTable::Load(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open the status-code table (--status.codes)";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path, error);
}

const StatusTable& StatusTable::Embedded() {
  static const StatusTable table = [] {
    std::string error;
    auto parsed = Parse(kEmbeddedStatusCodesYaml, "embedded data/status-codes.yaml", &error);
    if (!parsed) {
      std::cerr << "level=error msg=\"broken embedded status-code table\" err=\"" << error
                << "\"\n";
      std::abort();
    }
    return *std::move(parsed);
  }();
  return table;
}

const std::string* StatusTable::Meaning(int code) const {
  if (!IsDocumented(code)) return nullptr;
  auto it = std::lower_bound(entries_.begin(), entries_.end(), code,
                             [](const StatusCodeEntry& e, int c) { return e.code < c; });
  return &it->meaning;
}

}  // namespace accesslog
