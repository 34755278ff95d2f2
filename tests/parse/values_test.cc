#include "parse/values.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace accesslog {
namespace {

struct DurationCase {
  const char* text;
  double divisor;
  bool ok;
  double seconds;
};

class ParseDurationTest : public ::testing::TestWithParam<DurationCase> {};

TEST_P(ParseDurationTest, ConvertsToSeconds) {
  const DurationCase& c = GetParam();
  double seconds = 12345;
  ASSERT_EQ(ParseDuration(c.text, c.divisor, &seconds), c.ok) << c.text;
  if (c.ok) {
    EXPECT_DOUBLE_EQ(seconds, c.seconds) << c.text;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Values, ParseDurationTest,
    ::testing::Values(DurationCase{"0.012", 1, true, 0.012}, DurationCase{"0.000", 1, true, 0},
                      DurationCase{"3", 1, true, 3}, DurationCase{"1234", 1e6, true, 0.001234},
                      DurationCase{"250", 1e3, true, 0.25},
                      DurationCase{"2345678", 1e9, true, 0.002345678},
                      DurationCase{"1e-3", 1, true, 0.001}, DurationCase{"-", 1, true, -1},
                      DurationCase{"", 1, true, -1}, DurationCase{"-0.5", 1, false, 0},
                      DurationCase{"+1", 1, false, 0}, DurationCase{"abc", 1, false, 0},
                      DurationCase{"0.5s", 1, false, 0}, DurationCase{"inf", 1, false, 0},
                      DurationCase{"nan", 1, false, 0}, DurationCase{"1e999", 1, false, 0},
                      DurationCase{" 1", 1, false, 0}));

// ParseDuration reads the usual shapes ("0.012", "15001") without from_chars; the result must be
// the very double from_chars gives (bit for bit: histogram sums are compared with the log's).
TEST(ParseDurationTest, FastPathGivesExactlyWhatFromCharsGives) {
  std::mt19937_64 rng(7);
  std::vector<std::string> texts = {"0",
                                    "0.0",
                                    "0.000",
                                    "000.5",
                                    "1.",
                                    ".5",
                                    "123456789012345",
                                    "1234567890123456",
                                    "0.123456789012345",
                                    "9999999.99999999",
                                    "1.2.3",
                                    "12a",
                                    "4503599627370497.5"};
  for (int i = 0; i < 200000; ++i) {
    const int digits = 1 + static_cast<int>(rng() % 17);
    std::string t;
    for (int d = 0; d < digits; ++d) t.push_back(static_cast<char>('0' + rng() % 10));
    if (rng() % 4 != 0 && digits > 1) t.insert(1 + rng() % (digits - 1), ".");
    texts.push_back(t);
  }
  for (const std::string& t : texts) {
    for (double divisor : {1.0, 1e3, 1e6}) {
      double want = 0;
      const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), want);
      const bool want_ok = ec == std::errc() && end == t.data() + t.size() && t[0] != '-';
      double got = -7;
      ASSERT_EQ(ParseDuration(t, divisor, &got), want_ok) << t;
      if (!want_ok) continue;
      want /= divisor;
      ASSERT_EQ(std::memcmp(&got, &want, sizeof(got)), 0) << t << " / " << divisor;
    }
  }
}

struct ListCase {
  const char* text;
  bool ok;
  double seconds;
};

class ParseDurationListTest : public ::testing::TestWithParam<ListCase> {};

TEST_P(ParseDurationListTest, SumsTheMembers) {
  const ListCase& c = GetParam();
  double seconds = 12345;
  ASSERT_EQ(ParseDurationList(c.text, 1, &seconds), c.ok) << c.text;
  if (c.ok) {
    EXPECT_DOUBLE_EQ(seconds, c.seconds) << c.text;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Values, ParseDurationListTest,
    ::testing::Values(ListCase{"0.012", true, 0.012},
                      ListCase{"0.012, 0.020 : 0.003", true, 0.012 + 0.020 + 0.003},
                      ListCase{"0.012, 0.020", true, 0.032}, ListCase{"-", true, -1},
                      ListCase{"", true, -1}, ListCase{"-, 0.004", true, 0.004},
                      ListCase{"- : -", true, -1}, ListCase{"0.1,0.2", true, 0.1 + 0.2},
                      ListCase{"0.1, abc", false, 0}, ListCase{"0.1, , 0.2", false, 0},
                      ListCase{", 0.2", false, 0}, ListCase{"0.1; 0.2", false, 0}));

TEST(ParseCountTest, AcceptsDigitsAndDash) {
  int64_t v = 7;
  ASSERT_TRUE(ParseCount("2326", -1, &v));
  EXPECT_EQ(v, 2326);
  ASSERT_TRUE(ParseCount("-", -1, &v));
  EXPECT_EQ(v, -1);
  ASSERT_TRUE(ParseCount("-", 0, &v));
  EXPECT_EQ(v, 0);
  ASSERT_TRUE(ParseCount("9223372036854775807", -1, &v));
  EXPECT_EQ(v, INT64_MAX);
}

TEST(ParseCountTest, RejectsSignsJunkAndOverflow) {
  int64_t v = 0;
  for (const char* s : {"-5", "+5", "12a", "1.0", " 1", "9223372036854775808", "1e3"}) {
    EXPECT_FALSE(ParseCount(s, -1, &v)) << s;
  }
}

TEST(SplitRequestTest, SplitsMethodPathProtocol) {
  const RequestLine r = SplitRequest("GET /a b/c?x=1 HTTP/1.1");
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/a b/c?x=1");
  EXPECT_EQ(r.protocol, "HTTP/1.1");
  const RequestLine one = SplitRequest("SSH-2.0-Go");
  EXPECT_EQ(one.method, "SSH-2.0-Go");
  EXPECT_EQ(one.path, "");
  const RequestLine two = SplitRequest("GET /");
  EXPECT_EQ(two.path, "/");
  EXPECT_EQ(two.protocol, "");
}

TEST(DivisorForFactorTest, IsExactForPowersOfTen) {
  EXPECT_EQ(DivisorForFactor(1), 1);
  EXPECT_EQ(DivisorForFactor(1e-3), 1000);
  EXPECT_EQ(DivisorForFactor(1e-6), 1e6);
  EXPECT_EQ(DivisorForFactor(1e-9), 1e9);
  EXPECT_DOUBLE_EQ(DivisorForFactor(60), 1.0 / 60);
  EXPECT_EQ(DivisorForFactor(0), 0);
  EXPECT_EQ(DivisorForFactor(-1), 0);
}

}  // namespace
}  // namespace accesslog
