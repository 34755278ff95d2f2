// Utilities: UTF-8 well-formedness, for text that must be UTF-8 where it goes (Prometheus label
// values, JSON strings) but comes from bytes that need not be (log lines, file names).
//
//   if (!IsValidUtf8(path)) store it another way;
//   labels.push_back({"path", ToValidUtf8(path)});   // ill-formed bytes become U+FFFD
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace accesslog {

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF).
[[nodiscard]] bool IsValidUtf8(std::string_view s);
// `s` with every ill-formed sequence replaced by U+FFFD, one per maximal subpart (the Unicode
// standard's recommended practice, as most decoders do). Well-formed text comes back unchanged.
[[nodiscard]] std::string ToValidUtf8(std::string_view s);

}  // namespace accesslog
