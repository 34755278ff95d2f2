// Stage: report. Small, deterministic formatting helpers shared by the report's outputs and its
// messages (no locale: the same bytes on every machine, which the golden tests rely on).
//
// Thread-safety: plain functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace accesslog {

// A ratio (0..1) as a percentage: "2.31%"; small non-zero ratios keep four decimals
// ("0.0040%") so that they never print as a misleading "0.00%".
[[nodiscard]] std::string FormatPercent(double ratio);

// Bytes in binary units: "512 B", "1.5 KiB", "2.00 GiB".
[[nodiscard]] std::string FormatBytes(uint64_t bytes);

// A duration in seconds for people: "0 ms", "0.250 ms", "12.0 ms", "1.50 s".
[[nodiscard]] std::string FormatSeconds(double seconds);

// `count / total`, or 0 when total is 0.
[[nodiscard]] inline double Ratio(uint64_t count, uint64_t total) {
  return total == 0 ? 0.0 : static_cast<double>(count) / static_cast<double>(total);
}

// A log line made safe to print anywhere (terminal, markdown, JSON): at most `max_bytes` of it
// (cut on a UTF-8 boundary, then "..." appended), control bytes and DEL as "\xNN" (tab as
// "\t"), a backslash as "\\", and bytes that are not valid UTF-8 as "\xNN". The result is
// valid UTF-8.
[[nodiscard]] std::string EscapeSample(std::string_view line, size_t max_bytes);

// Code points in a valid UTF-8 string (its width in a terminal, for the scripts logs use).
[[nodiscard]] size_t DisplayWidth(std::string_view utf8);

// `utf8` cut to at most `max_width` code points, ending in "..." when it was cut.
[[nodiscard]] std::string TruncateDisplay(std::string_view utf8, size_t max_width);

}  // namespace accesslog
