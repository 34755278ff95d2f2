#include "report/fail_on.h"

#include <gtest/gtest.h>

#include <ostream>

namespace accesslog {
namespace {

struct GoodCase {
  const char* text;
  FailMetric metric;
  FailOp op;
  double value;
  bool percent;
  const char* canonical;
  // Test names show the condition, not the struct's bytes.
  friend void PrintTo(const GoodCase& c, std::ostream* os) { *os << c.text; }
};

class ParseFailConditionTest : public ::testing::TestWithParam<GoodCase> {};

TEST_P(ParseFailConditionTest, Parses) {
  const GoodCase& c = GetParam();
  std::string error;
  auto got = ParseFailCondition(c.text, &error);
  ASSERT_TRUE(got) << c.text << ": " << error;
  EXPECT_EQ(got->metric, c.metric);
  EXPECT_EQ(got->op, c.op);
  EXPECT_EQ(got->value, c.value);
  EXPECT_EQ(got->percent, c.percent);
  EXPECT_EQ(got->text, c.canonical);
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, ParseFailConditionTest,
    ::testing::Values(
        GoodCase{"5xx>1%", FailMetric::k5xx, FailOp::kGreater, 1, true, "5xx>1%"},
        GoodCase{"429>0.5%", FailMetric::k429, FailOp::kGreater, 0.5, true, "429>0.5%"},
        GoodCase{"undocumented>0", FailMetric::kUndocumented, FailOp::kGreater, 0, false,
                 "undocumented>0"},
        GoodCase{"malformed>0.1%", FailMetric::kMalformed, FailOp::kGreater, 0.1, true,
                 "malformed>0.1%"},
        GoodCase{"4xx>=5%", FailMetric::k4xx, FailOp::kGreaterEqual, 5, true, "4xx>=5%"},
        GoodCase{"5xx<=100", FailMetric::k5xx, FailOp::kLessEqual, 100, false, "5xx<=100"},
        GoodCase{"5xx<99.9%", FailMetric::k5xx, FailOp::kLess, 99.9, true, "5xx<99.9%"},
        GoodCase{"  5xx >= 2 %  ", FailMetric::k5xx, FailOp::kGreaterEqual, 2, true,
                 "5xx >= 2 %"}));

TEST(ParseFailConditionTest, RejectsWithAMessageNamingTheCondition) {
  struct Bad {
    const char* text;
    const char* message_part;
  };
  for (const Bad& b : {
           Bad{"", "expected METRIC OP VALUE[%]"},
           Bad{"5xx", "expected METRIC OP VALUE[%]"},
           Bad{"5xx=1%", "expected METRIC OP VALUE[%]"},
           Bad{"6xx>1%", "unknown metric '6xx'"},
           Bad{"5XX>1%", "unknown metric '5XX'"},
           Bad{">1%", "unknown metric ''"},
           Bad{"5xx>", "missing value"},
           Bad{"5xx>%", "missing value"},
           Bad{"5xx>>1%", "'>1' is not a non-negative number"},
           Bad{"5xx>-1%", "'-1' is not a non-negative number"},
           Bad{"5xx>abc", "'abc' is not a non-negative number"},
           Bad{"5xx>1%%", "'1%' is not a non-negative number"},
           Bad{"5xx>inf", "'inf' is not a non-negative number"},
           Bad{"5xx>101%", "between 0% and 100%"},
           Bad{"5xx>0.01",
               "a count must be a whole number; for a ratio write a percentage, "
               "e.g. 5xx>0.01%"},
       }) {
    std::string error;
    EXPECT_FALSE(ParseFailCondition(b.text, &error)) << b.text;
    EXPECT_NE(error.find(b.message_part), std::string::npos) << b.text << " -> " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << "one line: " << error;
    EXPECT_EQ(error.rfind("--fail-on '", 0), 0u) << error;
  }
}

FailCondition Parse(const char* text) {
  std::string error;
  auto c = ParseFailCondition(text, &error);
  EXPECT_TRUE(c) << error;
  return c.value_or(FailCondition{});
}

TEST(EvaluateFailConditionTest, PercentagesOfResponsesAndLines) {
  FailOnCounts counts{.lines = 1000,
                      .responses = 800,
                      .count_5xx = 8,
                      .count_4xx = 80,
                      .count_429 = 4,
                      .undocumented = 3,
                      .malformed = 5};
  // 8 of 800 is exactly 1 %: > does not hold, >= does (no rounding error at the boundary).
  EXPECT_FALSE(EvaluateFailCondition(Parse("5xx>1%"), counts).holds);
  EXPECT_TRUE(EvaluateFailCondition(Parse("5xx>=1%"), counts).holds);
  const FailCheck c = EvaluateFailCondition(Parse("5xx>0.5%"), counts);
  EXPECT_TRUE(c.holds);
  EXPECT_DOUBLE_EQ(c.actual, 0.01);
  EXPECT_EQ(c.explanation, "5xx ratio is 1.00%");
  EXPECT_TRUE(EvaluateFailCondition(Parse("4xx>=10%"), counts).holds);
  EXPECT_TRUE(EvaluateFailCondition(Parse("429>0.4%"), counts).holds);
  EXPECT_FALSE(EvaluateFailCondition(Parse("429>0.5%"), counts).holds);
  // malformed is a share of lines: 5 of 1000 = 0.5 %.
  const FailCheck m = EvaluateFailCondition(Parse("malformed>=0.5%"), counts);
  EXPECT_TRUE(m.holds);
  EXPECT_EQ(m.explanation, "malformed ratio is 0.50% of lines");
  EXPECT_FALSE(EvaluateFailCondition(Parse("malformed>0.5%"), counts).holds);
  EXPECT_TRUE(EvaluateFailCondition(Parse("5xx<2%"), counts).holds);
  EXPECT_TRUE(EvaluateFailCondition(Parse("5xx<=1%"), counts).holds);
}

TEST(EvaluateFailConditionTest, Counts) {
  FailOnCounts counts{.lines = 10, .responses = 10, .count_5xx = 2, .undocumented = 1};
  const FailCheck u = EvaluateFailCondition(Parse("undocumented>0"), counts);
  EXPECT_TRUE(u.holds);
  EXPECT_EQ(u.actual, 1);
  EXPECT_EQ(u.explanation, "undocumented count is 1");
  EXPECT_FALSE(EvaluateFailCondition(Parse("5xx>2"), counts).holds);
  EXPECT_TRUE(EvaluateFailCondition(Parse("5xx>=2"), counts).holds);
  EXPECT_FALSE(EvaluateFailCondition(Parse("malformed>0"), counts).holds);
}

TEST(EvaluateFailConditionTest, NoResponsesIsZeroPercent) {
  const FailOnCounts none{};
  EXPECT_FALSE(EvaluateFailCondition(Parse("5xx>0%"), none).holds);
  EXPECT_TRUE(EvaluateFailCondition(Parse("5xx<1%"), none).holds);
  EXPECT_EQ(EvaluateFailCondition(Parse("5xx>0%"), none).explanation, "5xx ratio is 0.00%");
}

}  // namespace
}  // namespace accesslog
