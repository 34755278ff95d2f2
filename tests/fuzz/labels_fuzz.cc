// libFuzzer target: label values from arbitrary bytes, through to the exposition text. The input
// is cut at NUL bytes (so that values may hold newlines, quotes and backslashes) into a method, a
// host, a request path, a route template, a static label value, a source name and a file path; a
// Recorder with every opt-in label counts one response with them, and the collector renders the
// exposition. Whatever the bytes:
//   - the route normalizer returns "" or a path without query or fragment;
//   - the exposition is valid UTF-8, every sample line is well-formed text format 0.0.4
//     (label values escape exactly `\`, `"` and newline), no label name repeats on a line and
//     no series appears twice;
//   - the host and route label values, unescaped, are the values counted (made valid UTF-8).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "classify/routes.h"
#include "classify/status_table.h"
#include "counters/labels.h"
#include "counters/recorder.h"
#include "exposition/collector.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

// A UTF-8 validator written independently of labels.cc: decode each code point and refuse
// overlong forms, surrogates, values past U+10FFFF and truncated sequences.
bool DecodesAsUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0, min = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      n = 2, cp = b & 0x1F, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
      n = 3, cp = b & 0x0F, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
      n = 4, cp = b & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

bool NameChar(char c, bool first, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') ||
         (!first && c >= '0' && c <= '9');
}

// Checks one sample line; fills *series with the text before the value and *values with the
// unescaped value of each label.
void CheckSampleLine(std::string_view line, std::string* series,
                     std::vector<std::pair<std::string, std::string>>* values) {
  size_t i = 0;
  while (i < line.size() && NameChar(line[i], i == 0, true)) ++i;
  Check(i > 0);
  std::set<std::string> names;
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (true) {
      const size_t start = i;
      while (i < line.size() && NameChar(line[i], i == start, false)) ++i;
      Check(i > start);
      const std::string name(line.substr(start, i - start));
      Check(names.insert(name).second);
      Check(line.substr(i, 2) == "=\"");
      i += 2;
      std::string value;
      while (true) {
        Check(i < line.size());
        const char c = line[i++];
        if (c == '"') break;
        if (c == '\\') {
          Check(i < line.size());
          const char e = line[i++];
          Check(e == '\\' || e == '"' || e == 'n');
          value += e == 'n' ? '\n' : e;
        } else {
          value += c;
        }
      }
      values->emplace_back(name, value);
      Check(i < line.size());
      if (line[i] == '}') {
        ++i;
        break;
      }
      Check(line[i++] == ',');
    }
  }
  Check(i < line.size() && line[i] == ' ');
  *series = std::string(line.substr(0, i));
  const std::string number(line.substr(i + 1));
  Check(!number.empty());
  if (number != "+Inf" && number != "-Inf" && number != "NaN") {
    char* end = nullptr;
    std::strtod(number.c_str(), &end);
    Check(end == number.c_str() + number.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  while (parts.size() < 6) {
    const size_t nl = input.find('\0');
    parts.push_back(input.substr(0, nl));
    if (nl == std::string_view::npos) {
      input = {};
      break;
    }
    input.remove_prefix(nl + 1);
  }
  parts.push_back(input);
  parts.resize(7);
  const std::string_view method = parts[0], host = parts[1], path = parts[2], tmpl = parts[3],
                         static_value = parts[4], log_name = parts[5], file_path = parts[6];

  accesslog::LabelOptions labels;
  labels.log = labels.method = labels.host = labels.route = true;
  labels.route_templates = {"/v1/users/{id}/orders"};
  std::string error;
  if (accesslog::ValidRouteTemplate(tmpl, &error)) labels.route_templates.emplace_back(tmpl);
  labels.static_labels = {{"env", std::string(static_value)}};
  labels.max_hosts = labels.max_routes = labels.max_label_sets = 4;

  const accesslog::RouteNormalizer normalizer(labels.route_templates);
  std::string scratch;
  const std::string route(normalizer.Normalize(path, &scratch));
  Check(route.empty() || route[0] == '/');
  bool is_template = false;
  for (const auto& t : labels.route_templates) is_template |= route == t;
  if (!is_template) Check(route.find_first_of("?#") == std::string::npos);

  auto recorder = std::make_shared<accesslog::Recorder>(
      labels, accesslog::HistogramOptions(), std::vector<std::string>{std::string(log_name)},
      std::array<bool, accesslog::kNumHistogramKinds>{false, false, true});
  accesslog::Fields f;
  f.method = method;
  f.host = host;
  f.path = path;
  f.body_bytes = static_cast<int64_t>(size);
  recorder->Record(0, f, 200);

  static const std::shared_ptr<const accesslog::StatusTable> table(
      &accesslog::StatusTable::Embedded(), [](const accesslog::StatusTable*) {});
  accesslog::AccessLogCollector collector(table, {"0.0.0", "fuzz"});
  collector.SetRecorders({recorder});
  collector.AddSource(std::string(log_name), std::make_shared<accesslog::SourceSlots>());
  collector.SetFileSnapshot([&] {
    return std::vector<accesslog::FollowedFile>{{std::string(log_name), std::string(file_path), 0}};
  });
  const std::string text = accesslog::RenderExposition({&collector});

  Check(DecodesAsUtf8(text));
  const std::string want_host = accesslog::ToValidUtf8(host);
  const std::string want_route = accesslog::ToValidUtf8(route);
  std::set<std::string> seen;
  bool counted = false;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    Check(end != std::string::npos);  // every line ends with a newline
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) continue;
    std::string series;
    std::vector<std::pair<std::string, std::string>> values;
    CheckSampleLine(line, &series, &values);
    Check(seen.insert(series).second);
    if (series.starts_with("accesslog_http_responses_total{")) {
      for (const auto& [name, value] : values) {
        if (name == "host") Check(value == want_host);
        if (name == "route") Check(value == want_route);
      }
      counted = true;
    }
  }
  Check(counted);
  return 0;
}
