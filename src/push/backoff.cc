#include "push/backoff.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace accesslog {
namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// "Sun, 06 Nov 1994 08:49:37 GMT": the only form a sender may generate (RFC 9110 5.6.7); the
// two obsolete forms are not read (the caller backs off as usual).
std::optional<std::chrono::sys_seconds> ParseImfFixdate(std::string_view s) {
  static constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu",
                                                            "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  if (std::find(kDays.begin(), kDays.end(), s.substr(0, 3)) == kDays.end()) return std::nullopt;
  const auto month = std::find(kMonths.begin(), kMonths.end(), s.substr(8, 3));
  if (month == kMonths.end()) return std::nullopt;
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (!Digits(s, 5, 2, &day) || !Digits(s, 12, 4, &year) || !Digits(s, 17, 2, &hour) ||
      !Digits(s, 20, 2, &minute) || !Digits(s, 23, 2, &second)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{
      std::chrono::year(year),
      std::chrono::month(static_cast<unsigned>(month - kMonths.begin() + 1)),
      std::chrono::day(static_cast<unsigned>(day))};
  // 60: a leap second, as RFC 9110 allows.
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second);
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (value.front() >= '0' && value.front() <= '9') {
    uint64_t seconds = 0;
    for (const char c : value) {
      if (c < '0' || c > '9') return std::nullopt;
      // Past the cap the exact number no longer matters (and cannot overflow).
      seconds = std::min<uint64_t>(seconds * 10 + static_cast<uint64_t>(c - '0'), 1u << 30);
    }
    return std::min<std::chrono::milliseconds>(std::chrono::seconds(static_cast<int64_t>(seconds)),
                                               kMaxRetryAfter);
  }
  const auto date = ParseImfFixdate(value);
  if (!date) return std::nullopt;
  // In seconds: a date centuries ahead does not fit the clock's nanoseconds.
  const auto now_seconds = std::chrono::floor<std::chrono::seconds>(now);
  if (*date <= now_seconds) return std::chrono::milliseconds(0);
  const std::chrono::seconds ahead = *date - now_seconds;
  if (ahead >= std::chrono::duration_cast<std::chrono::seconds>(kMaxRetryAfter)) {
    return kMaxRetryAfter;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(ahead);
}

}  // namespace accesslog
