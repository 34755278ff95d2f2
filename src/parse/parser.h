// Stage: fields (line -> fields).
//
// A Parser turns one log line (without its newline) into Fields. Formats are compiled once, at
// start-up, by MakeParser; Parse runs per line and must not allocate (after warm-up), lock or
// throw.
//
//   std::string error;
//   auto parser = accesslog::MakeParser({.format = "combined"}, &error);
//   if (!parser) { die(error); }
//   accesslog::Fields f;
//   if (parser->Parse(line, &f) == accesslog::ParseResult::kOk) { ... f.status ... }
//
// Thread-safety: a parser may keep scratch state (the JSON parser keeps its padded buffer), so
// each worker thread uses its own parser. Make one per source.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "parse/fields.h"

namespace accesslog {

enum class ParseResult {
  kOk,
  kMalformed,  // the line does not match the format; count it and move on
};

// Which fields a compiled format can fill, so that histograms and labels exist only for what
// the format carries.
struct FormatCapabilities {
  bool request_time = false;
  bool upstream_time = false;
  bool body_bytes = false;
  bool method = false;
  bool path = false;
  bool host = false;
  bool remote_addr = false;
  bool referer = false;
  bool user_agent = false;
  bool upstream = false;        // Fields::upstream
  bool upstream_tries = false;  // Fields::upstream_tries
};

// Bytes that a caller of Parser::ParsePadded guarantees readable after the end of the line.
inline constexpr size_t kParsePaddingBytes = 64;

class Parser {
 public:
  virtual ~Parser() = default;
  // Fills *out (cleared first) from `line`. Views in *out stay valid until the next Parse call.
  [[nodiscard]] virtual ParseResult Parse(std::string_view line, Fields* out) = 0;
  // The same, for a line followed in memory by at least kParsePaddingBytes readable bytes (any
  // content, possibly never written; not part of the line, not modified). A parser that needs
  // padding to read a line (JSON: simdjson) then reads it in place instead of copying it; the
  // result is always the same as Parse's.
  [[nodiscard]] virtual ParseResult ParsePadded(std::string_view line, Fields* out) {
    return Parse(line, out);
  }
  [[nodiscard]] virtual FormatCapabilities capabilities() const = 0;
};

// Where each field lives in a JSON-lines log: a JSON pointer ("/request/method") per field, ""
// when the log does not carry it, and the factor that turns its durations into seconds.
struct JsonFieldMap {
  std::string status;   // required
  std::string request;  // a whole request line ("GET / HTTP/1.1"), split where method/path/
                        // protocol have no pointer of their own
  std::string time_local;
  std::string method;
  std::string path;
  std::string protocol;
  std::string host;
  std::string remote_addr;
  std::string remote_user;
  std::string referer;
  std::string user_agent;
  std::string body_bytes;
  std::string request_time;
  std::string upstream_time;
  std::string upstream;  // an upstream name or nginx's $upstream_addr list (its last member)
  double request_time_to_seconds = 1;
  double upstream_time_to_seconds = 1;
};

struct FormatSpec {
  // The --log.format value (or a source's `format` in the configuration file).
  std::string format = "combined";
  // For JSON formats: field locations that replace the preset's (configuration file only).
  std::optional<JsonFieldMap> json_fields;
  // exemplars.trace_id (trace_id.h): where the trace id is, "" for none: an nginx variable
  // ("$request_id"; "$http_traceparent" is reduced to its trace id), a JSON pointer
  // ("/trace_id"), or, for a regex, the group name "trace_id".
  std::string trace_id;
};

// Compiles a format, deciding its kind by these rules, in this order:
//   1. "combined", "common"                     -> CombinedParser (combined.h)
//      "ingress-nginx"                          -> NginxFormatParser of kIngressNginxFormat
//   2. "json", "json:nginx", "json:envoy", "json:traefik", "json:caddy" (or any "json:..."
//      name, which is an error unless it is one of these) -> JsonLinesParser (json_lines.h);
//      spec.json_fields, when set, replaces the preset's map (and requires a json format)
//   3. starts with "regex:" or contains "(?P<"  -> RegexParser (regex_format.h)
//   4. contains "$" followed by a letter, "_" or "{" -> NginxFormatParser (nginx_format.h)
//   5. contains "%"                             -> ApacheFormatParser (apache_format.h)
//   6. anything else                            -> error naming the value
// Returns nullptr and sets *error to a one-line reason naming the kind, the format and the
// offending part (e.g. "Apache LogFormat '%h %{Referer': unterminated %{ at column 4").
std::unique_ptr<Parser> MakeParser(const FormatSpec& spec, std::string* error);

}  // namespace accesslog
