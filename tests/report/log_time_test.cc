#include "report/log_time.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace accesslog {
namespace {

struct TimeCase {
  std::string text;
  int64_t unix_seconds;
  int32_t offset;
  // Test names show the text, not the struct's bytes.
  friend void PrintTo(const TimeCase& c, std::ostream* os) { *os << c.text; }
};

class ParseLogTimeTest : public ::testing::TestWithParam<TimeCase> {};

TEST_P(ParseLogTimeTest, Parses) {
  LogTime t;
  ASSERT_TRUE(ParseLogTime(GetParam().text, &t)) << GetParam().text;
  EXPECT_EQ(t.unix_seconds, GetParam().unix_seconds) << GetParam().text;
  EXPECT_EQ(t.utc_offset_seconds, GetParam().offset) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Formats, ParseLogTimeTest,
    ::testing::Values(
        // Common Log Format, as nginx $time_local and Apache %t write it.
        TimeCase{"10/Oct/2000:13:55:36 -0700", 971211336, -25200},
        TimeCase{"10/Oct/2000:20:55:36 +0000", 971211336, 0},
        TimeCase{"11/Oct/2000:02:25:36 +0530", 971211336, 19800},
        TimeCase{"01/Jan/1970:00:00:00 +0000", 0, 0}, TimeCase{"31/Dec/1969:23:59:59 +0000", -1, 0},
        TimeCase{"29/Feb/2024:12:00:00 +0000", 1709208000, 0},
        TimeCase{"31/Dec/2099:23:59:60 +0000", 4102444800, 0},  // a leap second
        // ISO 8601 / RFC 3339.
        TimeCase{"2000-10-10T13:55:36-07:00", 971211336, -25200},
        TimeCase{"2000-10-10T20:55:36Z", 971211336, 0},
        TimeCase{"2000-10-10T20:55:36", 971211336, 0},
        TimeCase{"2000-10-10 21:55:36+0100", 971211336, 3600},
        TimeCase{"2000-10-10T21:55:36+01", 971211336, 3600},
        TimeCase{"2000-10-10T20:55:36.123456789Z", 971211336, 0},
        TimeCase{"2000-10-10T22:55:36,5+02:00", 971211336, 7200}));

TEST(ParseLogTimeTest, RejectsWhatIsNotATimestamp) {
  for (const char* bad : {
           "",
           "-",
           "10/Oct/2000:13:55:36",          // no zone
           "10/Oct/2000:13:55:36 0700",     // no sign
           "10/oct/2000:13:55:36 -0700",    // month names are case-sensitive
           "32/Oct/2000:13:55:36 -0700",    // day
           "31/Sep/2000:13:55:36 -0700",    // September has 30 days
           "29/Feb/2023:13:55:36 -0700",    // not a leap year
           "10/Oct/2000:24:00:00 -0700",    // hour
           "10/Oct/2000:13:60:00 -0700",    // minute
           "10/Oct/2000:13:55:36 -2400",    // offset hour
           "10/Oct/2000:13:55:36 -07:00x",  // trailing bytes
           "1/Oct/2000:13:55:36 -0700",     // one-digit day
           "10/Oct/-000:13:55:36 -0700",    // sign inside a number
           "2000-13-10T13:55:36Z",
           "2000-10-10T13:55:36.Z",  // empty fraction
           "2000-10-10T13:55:36 UTC",
           "2000-10-10X13:55:36Z",
           "971211336",
       }) {
    LogTime t;
    EXPECT_FALSE(ParseLogTime(bad, &t)) << "'" << bad << "'";
  }
}

TEST(FormatLogTimeTest, AtTheLogsOffset) {
  EXPECT_EQ(FormatLogTime(971211336, -25200), "2000-10-10T13:55:36-07:00");
  EXPECT_EQ(FormatLogTime(971211336, 0), "2000-10-10T20:55:36Z");
  EXPECT_EQ(FormatLogTime(971211336, 19800), "2000-10-11T02:25:36+05:30");
  EXPECT_EQ(FormatLogTime(-1, 0), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatLogTime(1709208000, 0), "2024-02-29T12:00:00Z");
}

TEST(FormatLogTimeTest, RoundTripsEveryDayOfFourHundredYears) {
  for (int64_t day = -146097; day < 146097; day += 1) {
    const int64_t s = day * 86400 + 3723;
    LogTime t;
    const std::string text = FormatLogTime(s, 0);
    ASSERT_TRUE(ParseLogTime(text, &t)) << text;
    ASSERT_EQ(t.unix_seconds, s) << text;
  }
}

}  // namespace
}  // namespace accesslog
