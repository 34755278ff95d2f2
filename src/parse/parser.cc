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
  if (format == "combined") return std::make_unique<CombinedParser>(/*require_agent=*/true);
  if (format == "common") return std::make_unique<CombinedParser>(/*require_agent=*/false);
  if (format == "ingress-nginx") {
    auto parser = NginxFormatParser::Compile(kIngressNginxFormat, error);
    if (!parser) *error = "ingress-nginx preset: " + *error;
    return parser;
  }
  if (json) {
    // The preset name is checked even when json_fields replaces its map: a typo must not pass.
    auto preset = JsonLinesParser::ForPreset(format, error);
    if (!preset || !spec.json_fields) return preset;
    return JsonLinesParser::ForMap(*spec.json_fields, error);
  }
  std::unique_ptr<Parser> parser;
  const char* kind = nullptr;
  if (format.starts_with("regex:") || format.find("(?P<") != std::string::npos) {
    kind = "regex";
    parser = RegexParser::Compile(format, error);
  } else if (LooksLikeNginxFormat(format)) {
    kind = "nginx log_format";
    parser = NginxFormatParser::Compile(format, error);
  } else if (format.find('%') != std::string::npos) {
    kind = "Apache LogFormat";
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
