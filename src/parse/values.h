// Stage: fields. The small value converters every format shares: numbers, durations, dashes and
// the request line. All of them work on views, never allocate, never throw and use
// std::from_chars (no locale).
//
//   double seconds;
//   if (!ParseDuration("0.012", /*divisor=*/1, &seconds)) { /* malformed */ }
//   ParseDuration("1234", /*divisor=*/1e6, &seconds);   // %D microseconds -> 0.001234
//   ParseDuration("-", 1, &seconds);                    // absent: true, seconds == -1
//
// A "divisor" turns the logged unit into seconds: 1 (s), 1e3 (ms), 1e6 (us), 1e9 (ns). Dividing
// by the exact power of ten (rather than multiplying by 0.001) gives the correctly rounded
// number of seconds, so sums in histograms match what a person computes from the log.
#pragma once

#include <cstdint>
#include <string_view>

#include "parse/fields.h"

namespace accesslog {

// "" or "-" (what nginx and Apache write for an empty value) becomes "", anything else stays.
[[nodiscard]] inline std::string_view Dash(std::string_view s) {
  return s == "-" ? std::string_view() : s;
}

// A non-negative decimal count ("2326"). "-" and "" set *out to `dash_value` (-1 for "absent",
// 0 for Apache's %b, where "-" means no bytes). Returns false on signs, junk or overflow.
[[nodiscard]] bool ParseCount(std::string_view s, int64_t dash_value, int64_t* out);

// One non-negative duration in the unit `divisor` names, as seconds. "-" and "" set *out to -1
// (absent) and return true. Returns false on signs, junk, inf/nan or overflow.
[[nodiscard]] bool ParseDuration(std::string_view s, double divisor, double* out);

// Whether `s` is a client address as nginx ($remote_addr) and Apache (%a, %h) write it: one
// token that is an IPv4 address, an IPv6 address (with a zone, "fe80::1%eth0"), "unix:" (a
// client on a unix socket, "unix:" or "unix:/path"), a host name with a dot or "localhost"
// (Apache's %h with HostnameLookups), or "-". Anything else — a container runtime's timestamp,
// a syslog header's "<190>" or month, JSON — is text before the address: the line is not the
// format's, and is malformed (a forgotten --log.wrapper shows instead of being counted).
[[nodiscard]] bool IsClientAddress(std::string_view s);

// nginx's multi-value upstream timings: "0.012, 0.020 : 0.003" (comma between retries, colon
// between internal redirects). Returns the sum of the numbers in seconds; "-" members (an upstream
// that never answered) add nothing; when every member is "-" (or the field is empty) *out is -1.
// Returns false when a member is neither a number nor "-".
[[nodiscard]] bool ParseDurationList(std::string_view s, double divisor, double* out);

// nginx's multi-value upstream lists ("10.0.0.1:80, 10.0.0.2:80 : 10.0.0.3:80"; ", " between
// the servers of one upstream group, " : " between groups after an internal redirect; an address
// itself may hold ':' as in "10.0.0.1:80" or "unix:/run/a.sock"). UpstreamListLast returns the
// last member (the server that gave the response), "" for "-" or an empty list.
// UpstreamListSize returns the number of members, 0 for "-" or an empty list. Neither allocates.
[[nodiscard]] std::string_view UpstreamListLast(std::string_view list);
[[nodiscard]] int UpstreamListSize(std::string_view list);

// "GET /path HTTP/1.1" -> method, path, protocol (as CombinedParser always did). The path is
// everything between the first and the last space when the last word starts with "HTTP/", so
// unescaped spaces in a path stay in the path. Empty, one-word and garbage requests leave the
// views empty or partial. Views point into `request`.
struct RequestLine {
  std::string_view method;
  std::string_view path;
  std::string_view protocol;
};
[[nodiscard]] RequestLine SplitRequest(std::string_view request);

// The divisor that matches a JsonFieldMap factor: 1e-3 -> exactly 1000 (the factor itself is not
// exact in binary), any other positive factor f -> 1/f. Returns 0 for a factor <= 0 or not finite.
[[nodiscard]] double DivisorForFactor(double factor);

}  // namespace accesslog
