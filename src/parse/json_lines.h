// Stage: fields. JSON-lines access logs, one object per line, read with simdjson On-Demand.
//
//   std::string error;
//   auto p = JsonLinesParser::ForPreset("json:caddy", &error);      // or ForMap(field_map, ...)
//   Fields f;
//   p->Parse(R"({"status":200,"duration":0.0021,"request":{"method":"GET","uri":"/"}})", &f);
//   // f.status == "200", f.request_time == 0.0021, f.method == "GET"
//
// Field locations are JSON pointers (RFC 6901: "/request/headers/User-Agent/0"). The map is
// compiled once into a small tree; each line is walked once, front to back, visiting only the
// keys the tree names (everything else is skipped by simdjson without being parsed).
//
// Presets (see docs/formats.md for every key):
//   json, json:nginx  nginx `escape=json` logs whose keys are the variable names: status,
//                     request_time (s), upstream_response_time (s, may be "0.1, 0.2 : 0.3"),
//                     body_bytes_sent (or bytes_sent), request_method, request_uri (or uri),
//                     request, server_protocol, host (or http_host, server_name), remote_addr,
//                     remote_user, http_referer, http_user_agent, time_local (or time_iso8601)
//   json:envoy        Envoy's JSON access log with the default format's operators as keys:
//                     response_code, method, path, protocol, duration (ms),
//                     upstream_service_time (ms; or x_envoy_upstream_service_time), bytes_sent,
//                     authority, user_agent, downstream_remote_address, start_time
//   json:traefik      DownstreamStatus, Duration (ns), OriginDuration (ns), RequestMethod,
//                     RequestPath, RequestProtocol, RequestHost, DownstreamContentSize,
//                     ClientHost, ClientUsername, request_User-Agent, request_Referer, StartLocal
//   json:caddy        status, duration (s), size, request.{method,uri,host,proto},
//                     request.client_ip (or request.remote_ip), request.headers.User-Agent[0],
//                     request.headers.Referer[0], user_id
//
// Values: a status may be a number (200) or a string ("200"); numbers may be JSON numbers or
// strings ("0.012"); null, "" and "-" are absent. A line is kMalformed when it is not one JSON
// object (with nothing after it), has invalid JSON or UTF-8 (simdjson validates both) on the
// path walked, lacks the status or has a status that is not a number or string, or has a
// number field (bytes, durations) that is not a non-negative number. A text field of the wrong
// type (an object where a method should be) is left empty.
//
// Memory: Parse copies the line into a padded buffer of the parser's own (simdjson reads up to
// SIMDJSON_PADDING bytes past the end); ParsePadded reads the line where it lies, in the
// caller's buffer, which must have kParsePaddingBytes readable bytes after the line. A second
// buffer holds unescaped strings. Both grow to the longest line seen and are reused, so after
// warm-up neither call allocates. Views in Fields point into the line (Parse: the parser's copy
// of it, which OwnsView recognises) or the unescape buffer, valid until the next call.
//
// Thread-safety: none; one parser per thread (per source).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parse/parser.h"

namespace accesslog {

class JsonLinesParser final : public Parser {
 public:
  // One of the presets above ("json", "json:nginx", "json:envoy", "json:traefik",
  // "json:caddy"). Returns nullptr and sets *error for any other name.
  // `trace_pointer` (exemplars.trace_id, "" for none) is the JSON pointer of the trace id, for
  // both: its string becomes Fields::trace_id (a traceparent's trace id when the pointer's last
  // key is "traceparent").
  [[nodiscard]] static std::unique_ptr<JsonLinesParser> ForPreset(
      std::string_view name, std::string* error, std::string_view trace_pointer = {});
  // A user's map. Returns nullptr and sets *error (naming the field) when status is missing, a
  // pointer does not start with '/' or has a bad ~ escape, or a factor is not positive.
  [[nodiscard]] static std::unique_ptr<JsonLinesParser> ForMap(const JsonFieldMap& map,
                                                               std::string* error,
                                                               std::string_view trace_pointer = {});
  // True when `name` is "json" or starts with "json:".
  [[nodiscard]] static bool IsJsonFormat(std::string_view name);

  JsonLinesParser(const JsonLinesParser&) = delete;  // owns simdjson's parser and buffers
  JsonLinesParser& operator=(const JsonLinesParser&) = delete;

  [[nodiscard]] ParseResult Parse(std::string_view line, Fields* out) override;
  [[nodiscard]] ParseResult ParsePadded(std::string_view line, Fields* out) override;
  [[nodiscard]] FormatCapabilities capabilities() const override { return capabilities_; }

  // True when `view` lies inside this parser's own buffers (for tests and fuzzing).
  [[nodiscard]] bool OwnsView(std::string_view view) const;

  // Fields a map can name; also the index of each in per-line state.
  enum Field : uint8_t {
    kStatus,
    kRequest,
    kMethod,
    kPath,
    kProtocol,
    kHost,
    kRemoteAddr,
    kRemoteUser,
    kTimeLocal,
    kReferer,
    kUserAgent,
    kBodyBytes,
    kRequestTime,
    kUpstreamTime,
    kUpstream,
    kTraceId,  // exemplars.trace_id (not in JsonFieldMap: the source's exemplars key)
    kFieldCount,
  };

 private:
  // The capacity the document buffer and simdjson start with; both grow to the longest line.
  static constexpr size_t kInitialCapacity = 16 * 1024;
  // For each field, its pointers in order of preference, and the duration units.
  struct Mapping {
    std::vector<std::string> pointers[kFieldCount];
    double request_time_to_seconds = 1;
    double upstream_time_to_seconds = 1;
    bool traceparent = false;  // the trace pointer's last key is "traceparent"
  };
  // One node of the compiled pointer tree: the key (or array index) it matches, the fields whose
  // pointer ends here (with their preference rank), and the deeper nodes, found by key through
  // a small open-addressing hash table (entry: 16 bits of the key's hash, then child index + 1;
  // 0 when empty).
  struct Node {
    std::string key;
    bool key_has_backslash = false;  // matched only against unescaped keys, never raw ones
    bool is_index = false;
    size_t index = 0;
    std::vector<std::pair<Field, uint8_t>> leaves;
    std::vector<Node> children;
    std::vector<uint32_t> table;  // size a power of two, at least 4x children; empty: no child
    uint32_t shift = 32;          // 32 - log2(table.size())
  };
  // What a line holds for one field: the best-ranked raw token seen so far.
  struct Found {
    uint8_t rank = UINT8_MAX;
    simdjson::ondemand::json_type type = simdjson::ondemand::json_type::null;
    std::string_view token;  // raw JSON text, trailing whitespace removed
  };

  JsonLinesParser() = default;
  [[nodiscard]] static std::unique_ptr<JsonLinesParser> Build(const Mapping& mapping,
                                                              std::string* error);
  // Builds the key tables of `node` and its descendants (once the tree is complete).
  static void IndexChildren(Node* node);
  // The child of `node` whose key is `key` (unescaped), or nullptr.
  [[nodiscard]] static const Node* FindChild(const Node& node, std::string_view key);
  void Reserve(size_t line_size);
  // Parses the document [data, data + size); `capacity` bytes from data are readable.
  [[nodiscard]] ParseResult ParseDocument(const char* data, size_t size, size_t capacity,
                                          Fields* out);
  simdjson::error_code WalkObject(simdjson::ondemand::object& object, const Node& node);
  simdjson::error_code Visit(simdjson::ondemand::value& value, const Node& node);
  // Keeps a scalar's raw token (a container's type only) for the fields whose pointer ends at
  // `node`, where it outranks what the line gave them so far.
  void Record(const Node& node, simdjson::ondemand::json_type type, std::string_view token);
  // The text of a string or number token; nullopt-like false on bad escapes or no room.
  [[nodiscard]] bool Text(const Found& found, std::string_view* out);
  [[nodiscard]] bool Fill(Fields* out);

  Node root_;
  double request_divisor_ = 1;
  double upstream_divisor_ = 1;
  FormatCapabilities capabilities_;
  bool traceparent_ = false;

  simdjson::ondemand::parser parser_;
  std::unique_ptr<char[]> line_;  // padded copy of the line
  std::unique_ptr<char[]> unescaped_;
  size_t capacity_ = 0;  // bytes in each of line_ and unescaped_
  size_t unescaped_used_ = 0;
  bool line_has_backslash_ = false;  // when false, no string of the line needs unescaping
  Found found_[kFieldCount];
};

}  // namespace accesslog
