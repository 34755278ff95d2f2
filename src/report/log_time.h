// Stage: report. Timestamps as access logs write them, read without locale or allocation.
//
//   accesslog::LogTime t;
//   if (accesslog::ParseLogTime("10/Oct/2000:13:55:36 -0700", &t)) {
//     t.unix_seconds;        // 971211336 (UTC)
//     t.utc_offset_seconds;  // -25200
//   }
//   accesslog::FormatLogTime(971211300, -25200);  // "2000-10-10T13:55:00-07:00"
//
// Thread-safety: plain functions, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace accesslog {

struct LogTime {
  int64_t unix_seconds = 0;        // seconds since 1970-01-01T00:00:00Z
  int32_t utc_offset_seconds = 0;  // the offset the line was logged in (east of UTC positive)
};

// Parses one of:
//   - Common Log Format / nginx $time_local / Apache %t: "10/Oct/2000:13:55:36 -0700"
//     (month names in English, case-sensitive as servers write them);
//   - ISO 8601 / RFC 3339 (nginx $time_iso8601, Envoy start_time, Traefik StartLocal):
//     "2000-10-10T13:55:36-07:00", "2000-10-10T20:55:36Z", "2000-10-10 13:55:36+0100",
//     "2000-10-10T20:55:36.123456789Z" (the fraction is read and dropped), or no zone (UTC).
// Returns false (leaving *out unspecified) for anything else, including out-of-range fields
// (month 13, hour 24, minute 60, day 31 in a 30-day month). Never allocates.
[[nodiscard]] bool ParseLogTime(std::string_view text, LogTime* out);

// "YYYY-MM-DDTHH:MM:SS±HH:MM" for `unix_seconds` seen at `utc_offset_seconds` ("Z" when the
// offset is 0).
[[nodiscard]] std::string FormatLogTime(int64_t unix_seconds, int32_t utc_offset_seconds);

// "±HH:MM", or "Z" for 0.
[[nodiscard]] std::string FormatUtcOffset(int32_t utc_offset_seconds);

}  // namespace accesslog
