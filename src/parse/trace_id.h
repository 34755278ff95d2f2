// Stage: fields. Where an exemplar's trace id comes from (a source's exemplars.trace_id).
//
//   std::string_view id = TraceIdOfTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-"
//                                              "00f067aa0ba902b7-01");  // "4bf92f35...4736"
//
// The parsers put a line's trace id in Fields::trace_id: an nginx variable's value (for
// $http_traceparent, the trace id taken out of it), a JSON pointer's string (when the pointer's
// last key is "traceparent", likewise), or a regex's group named trace_id. What is kept as an
// exemplar (valid UTF-8, at most kMaxTraceIdRunes) is decided by the recorder.
//
// Thread-safety: no state.
#pragma once

#include <string_view>

namespace accesslog {

// The trace-id field of a W3C Trace Context traceparent header ("VERSION-TRACEID-PARENTID-FLAGS",
// lower-case hex: 2-32-16-2; version ff invalid, version 00 exactly 55 characters, later
// versions may append "-..."), or "" when `value` is not one or its trace id is all zeros.
std::string_view TraceIdOfTraceparent(std::string_view value);

}  // namespace accesslog
