#include "push/backoff.h"

#include <gtest/gtest.h>

namespace accesslog {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, DoublesFromTheMinimumUpToTheCapAndResets) {
  Backoff b(milliseconds(30), milliseconds(200));
  EXPECT_EQ(b.Next(), milliseconds(30));
  EXPECT_EQ(b.Next(), milliseconds(60));
  EXPECT_EQ(b.Next(), milliseconds(120));
  EXPECT_EQ(b.Next(), milliseconds(200));
  EXPECT_EQ(b.Next(), milliseconds(200));
  b.Reset();
  EXPECT_EQ(b.Next(), milliseconds(30));
  Backoff inverted(milliseconds(50), milliseconds(10));  // the cap is at least the minimum
  EXPECT_EQ(inverted.Next(), milliseconds(50));
  EXPECT_EQ(inverted.Next(), milliseconds(50));
}

TEST(BackoffTest, RetryAfter) {
  // Sun, 06 Nov 1994 08:49:37 GMT
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(784111777));
  struct Case {
    const char* value;
    std::optional<milliseconds> want;
  };
  const Case cases[] = {
      {"120", milliseconds(120000)},
      {" 2\t", milliseconds(2000)},
      {"0", milliseconds(0)},
      {"99999999999999999999999", kMaxRetryAfter},
      {"301", kMaxRetryAfter},
      {"Sun, 06 Nov 1994 08:49:47 GMT", milliseconds(10000)},
      {"Sun, 06 Nov 1994 08:49:37 GMT", milliseconds(0)},
      {"Sat, 05 Nov 1994 08:49:37 GMT", milliseconds(0)},  // past
      {"Mon, 07 Nov 1994 08:49:37 GMT", kMaxRetryAfter},
      {"Wed, 21 Oct 6025 07:28:00 GMT", kMaxRetryAfter},  // past the clock's nanoseconds
      {"Sun, 31 Feb 1994 08:49:37 GMT", std::nullopt},    // no such day
      {"Sun, 06 Nov 1994 24:00:00 GMT", std::nullopt},
      {"Sun, 06 Nov 1994 08:49:37 UTC", std::nullopt},
      {"Sunday, 06-Nov-94 08:49:37 GMT", std::nullopt},  // RFC 850: not read
      {"Sun Nov  6 08:49:37 1994", std::nullopt},        // asctime: not read
      {"Foo, 06 Nov 1994 08:49:37 GMT", std::nullopt},
      {"-1", std::nullopt},
      {"1.5", std::nullopt},
      {"12s", std::nullopt},
      {"", std::nullopt},
      {"   ", std::nullopt},
  };
  for (const Case& c : cases) EXPECT_EQ(ParseRetryAfter(c.value, now), c.want) << c.value;
}

}  // namespace
}  // namespace accesslog
