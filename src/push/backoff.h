// Stage: push. When to try a request again: capped exponential backoff, and the receiver's
// Retry-After (RFC 9110 section 10.2.3), as Prometheus' own remote-write sender does.
//
//   Backoff backoff(30ms, 5s);
//   auto delay = backoff.Next();            // 30ms, 60ms, 120ms ... 5s, 5s
//   if (auto after = ParseRetryAfter(header, system_clock::now())) delay = *after;
//   backoff.Reset();                         // after a success
//
// Thread-safety: Backoff is plain data; ParseRetryAfter has no state.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace accesslog {

// The longest Retry-After honoured: a receiver asking for more is asked again after this.
inline constexpr std::chrono::milliseconds kMaxRetryAfter{5 * 60 * 1000};

class Backoff {
 public:
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max)
      : min_(min), max_(max < min ? min : max) {}

  // The delay before the next attempt: min, then twice the previous one, at most max.
  std::chrono::milliseconds Next() {
    next_ = next_.count() == 0 ? min_ : std::min(next_ * 2, max_);
    return next_;
  }
  void Reset() { next_ = std::chrono::milliseconds(0); }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds next_{0};
};

// The delay a Retry-After header value asks for, from `now`: delay-seconds ("120") or an
// HTTP-date in the IMF-fixdate form ("Sun, 06 Nov 1994 08:49:37 GMT"; a date past is 0).
// Capped at kMaxRetryAfter. nullopt when the value is neither (the caller then backs off as
// usual); surrounding spaces and tabs are allowed.
[[nodiscard]] std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace accesslog
