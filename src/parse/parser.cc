#include "parse/parser.h"

#include "parse/apache_format.h"
#include "parse/combined.h"
#include "parse/json_lines.h"
#include "parse/nginx_format.h"
#include "parse/regex_format.h"

namespace accesslog {

// The order below is the documented dispatch (parser.h, docs/formats.md): names first, then
// the unambiguous markers of a regex, then nginx's "$name", then Apache's "%x".
std::unique_ptr<Parser> MakeParser(const FormatSpec& spec, std::string* error) {
  const std::string& format = spec.format;
  const bool json = JsonLinesParser::IsJsonFormat(format);
  if (spec.json_fields && !json) {
    *error = "a JSON field map is set, but the format '" + format +
             "' is not json or json:<preset>; set the format to json";
    return nullptr;
  }
  if (!spec.trace_id.empty() && (format == "combined" || format == "common")) {
    *error = "exemplars.trace_id: the " + format +
             " format carries no trace id (use an nginx log_format, a JSON format or a regex)";
    return nullptr;
  }
  if (format == "combined") return std::make_unique<CombinedParser>(/*require_agent=*/true);
  if (format == "common") return std::make_unique<CombinedParser>(/*require_agent=*/false);
  if (format == "ingress-nginx") {
    auto parser = NginxFormatParser::Compile(kIngressNginxFormat, error);
    if (!parser) *error = "ingress-nginx preset: " + *error;
    return parser;
  }
  if (json) {
    // The preset name is checked even when json_fields replaces its map: a typo must not pass.
    if (!spec.trace_id.empty() && !spec.trace_id.starts_with('/')) {
      *error = "exemplars.trace_id: for a JSON format, a JSON pointer such as /trace_id, got '" +
               spec.trace_id + "'";
      return nullptr;
    }
    auto preset = JsonLinesParser::ForPreset(format, error, spec.trace_id);
    if (!preset || !spec.json_fields) return preset;
    return JsonLinesParser::ForMap(*spec.json_fields, error, spec.trace_id);
  }
  std::unique_ptr<Parser> parser;
  const char* kind = nullptr;
  if (format.starts_with("regex:") || format.find("(?P<") != std::string::npos) {
    kind = "regex";
    if (!spec.trace_id.empty() && spec.trace_id != "trace_id") {
      *error =
          "exemplars.trace_id: for a regex, the group is named trace_id (write trace_id), "
          "got '" +
          spec.trace_id + "'";
      return nullptr;
    }
    parser = RegexParser::Compile(format, error, !spec.trace_id.empty());
  } else if (LooksLikeNginxFormat(format)) {
    kind = "nginx log_format";
    parser = NginxFormatParser::Compile(format, error, spec.trace_id);
  } else if (format.find('%') != std::string::npos) {
    kind = "Apache LogFormat";
    if (!spec.trace_id.empty()) {
      *error = "exemplars.trace_id is not supported for an Apache LogFormat yet";
      return nullptr;
    }
    parser = ApacheFormatParser::Compile(format, error);
  } else {
    *error =
        "unknown log format '" + format +
        "' (expected combined, common, ingress-nginx, json, json:nginx, json:envoy, json:traefik, "
        "json:caddy, an nginx log_format with $variables, an Apache LogFormat with "
        "%directives, or regex:<RE2 pattern with (?P<status>...)>)";
    return nullptr;
  }
  if (!parser) *error = std::string(kind) + " '" + format + "': " + *error;
  return parser;
}

}  // namespace accesslog
