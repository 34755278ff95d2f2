// Stage: fields. nginx `log_format` strings, compiled once into a LineTemplate (no regex per
// line). The user pastes their format as nginx has it:
//
//   std::string error;
//   auto p = NginxFormatParser::Compile(
//       R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent )"
//       R"(rt=$request_time urt="$upstream_response_time" host=$host)", &error);
//   if (!p) die(error);   // e.g. "unterminated ${ at column 12"
//   Fields f;
//   p->Parse(line, &f);
//
// Accepted input: the bare format text; or nginx's own quoting when it starts with a single quote
// ('...' '...' concatenated, as in nginx.conf); or the whole directive `log_format main escape=json
// '...';` (name and escape= parameter are read and dropped: both escape modes parse, see
// line_template.h).
//
// Variables (names are case-insensitive, as in nginx; ${name} works too):
//   $status (required)            -> status
//   $remote_addr, $remote_user    -> remote_addr, remote_user ("-" -> "")
//   $time_local ($time_iso8601)   -> time_local
//   $request                      -> request, split into method/path/protocol where no
//                                    dedicated variable fills them
//   $request_method               -> method
//   $request_uri ($uri, $document_uri) -> path
//   $server_protocol              -> protocol
//   $body_bytes_sent ($bytes_sent) -> body_bytes
//   $request_time                 -> request_time (seconds, nginx logs ms resolution)
//   $upstream_response_time       -> upstream_time, the sum of a multi-value list
//                                    ("0.012, 0.020 : 0.003"); "-" members add nothing; all "-"
//                                    -> absent
//   $host ($http_host, $server_name) -> host
//   $http_referer, $http_user_agent -> referer, user_agent ("-" -> "")
//   $proxy_upstream_name ($upstream_addr) -> upstream: the last member of the list ("" for "-")
//   $upstream_status ($upstream_addr) -> upstream_tries: the members of the list, ", " and " : "
//                                    alike (0 for "-")
// The variable in parentheses is a fallback, used only when the preferred one is not in the
// format. Every other variable ($msec, $request_length, $upstream_connect_time,
// $upstream_header_time, $http_x_forwarded_for, $anything) is captured and dropped. The upstream
// lists ($upstream_addr, $upstream_status, $upstream_response_time, $upstream_response_length,
// $upstream_connect_time, $upstream_header_time, $upstream_bytes_*) may hold ", " and " : " even
// unquoted, followed by a space (see line_template.h); any other multi-value variable with spaces
// needs a literal other than a space after it.
//
// The preset "ingress-nginx" (MakeParser, --log.format=ingress-nginx) is kIngressNginxFormat.
//
// Errors (Compile returns nullptr and sets *error): "$" not followed by a name, an unterminated
// "${" or quote (with the 1-based column in the format text), no $status.
//
// Thread-safety: Parse is stateless; a parser may be shared, but the contract in parser.h (one
// per source) is the one to rely on.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "parse/line_template.h"
#include "parse/parser.h"

namespace accesslog {

class NginxFormatParser final : public Parser {
 public:
  // `trace_variable` ("$request_id", exemplars.trace_id; "" for none) must be written by the
  // format; its value becomes Fields::trace_id ($http_traceparent: the trace id in it).
  [[nodiscard]] static std::unique_ptr<NginxFormatParser> Compile(
      std::string_view format, std::string* error, std::string_view trace_variable = {});

  [[nodiscard]] ParseResult Parse(std::string_view line, Fields* out) override {
    return template_.Match(line, out);
  }
  [[nodiscard]] FormatCapabilities capabilities() const override {
    return template_.capabilities();
  }

 private:
  NginxFormatParser() = default;
  LineTemplate template_;
};

// ingress-nginx's default `log_format upstreaminfo`, as its controller writes it.
inline constexpr std::string_view kIngressNginxFormat =
    R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent )"
    R"("$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] )"
    R"([$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length )"
    R"($upstream_response_time $upstream_status $req_id)";

// True when `format` looks like an nginx log_format: it has a "$" followed by a letter, "_" or
// "{". MakeParser uses it for dispatch.
[[nodiscard]] bool LooksLikeNginxFormat(std::string_view format);

}  // namespace accesslog
