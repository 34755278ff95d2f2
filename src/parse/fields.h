// Stage: fields (line -> fields). The record one parsed line yields.
//
// Every string_view points into the line the parser was given (or, for JSON, into the parser's
// own padded copy of it or its buffer of unescaped strings), so a Fields value is valid only
// until the next Parse call on the same parser. Numbers the format does not carry stay at their
// "absent" value (-1). Durations are in seconds whatever unit the format logs them in; the parser
// converts.
#pragma once

#include <cstdint>
#include <string_view>

namespace accesslog {

struct Fields {
  std::string_view status;  // raw status field; classify::ParseStatusCode validates it
  std::string_view remote_addr;
  std::string_view remote_user;  // "" when the log has "-"
  std::string_view time_local;   // as logged, without brackets
  std::string_view request;      // the raw request line, still escaped as logged
  std::string_view method;       // request method ("" when absent)
  std::string_view path;         // request target: path and query, as logged ("" when absent)
  std::string_view protocol;     // "HTTP/1.1" ("" when absent)
  std::string_view host;         // Host header / server name ("" when absent)
  std::string_view syslog_tag;   // set by the source, not the parser: a syslog message's tag
  std::string_view referer;
  std::string_view user_agent;
  std::string_view trace_id;  // exemplars.trace_id: the line's trace id ("" when none or "-")
  int64_t body_bytes = -1;    // response body bytes ($body_bytes_sent, %B, %b); -1: absent
  double request_time = -1;   // seconds the request took; -1: absent
  double upstream_time = -1;  // seconds spent upstream, summed over retries; -1: absent
  // The upstream that gave the response: $proxy_upstream_name, else the last member of nginx's
  // $upstream_addr list (a JSON `upstream` pointer, a regex group `upstream`); "" when none.
  std::string_view upstream;
  // How many upstream servers nginx contacted for the request: the members of $upstream_status
  // (else $upstream_addr), counting both ", " (next upstream) and " : " (internal redirect)
  // separators; 0 when nginx logged "-" (no upstream), -1 when the format does not carry it.
  int upstream_tries = -1;

  void Clear() { *this = Fields(); }
};

}  // namespace accesslog
