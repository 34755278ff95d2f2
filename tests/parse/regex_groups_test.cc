#include "parse/regex_groups.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace accesslog {
namespace {

constexpr int kSlots = 8;
constexpr GroupMatcher::Name kNames[] = {{"a", 0}, {"b", 1}, {"c", 2}, {"d", 3},
                                         {"e", 4}, {"f", 5}, {"g", 6}, {"h", 7}};

std::unique_ptr<GroupMatcher> MustCompile(std::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingLatin1);
  std::string error;
  auto m = GroupMatcher::Compile(pattern, kNames, kSlots, options, &error);
  EXPECT_NE(m, nullptr) << pattern << ": " << error;
  return m;
}

using Slots = std::array<std::string_view, kSlots>;

// Match and MatchWhole must give the same answer and the very same views.
void ExpectAgree(GroupMatcher* m, std::string_view line, Slots* got = nullptr) {
  Slots fast{}, whole{};
  const bool matched = m->Match(line, fast.data());
  ASSERT_EQ(matched, m->MatchWhole(line, whole.data())) << line;
  if (!matched) return;
  for (size_t i = 0; i < fast.size(); ++i) {
    EXPECT_EQ(fast[i].data(), whole[i].data()) << "slot " << i << " of " << line;
    EXPECT_EQ(fast[i].size(), whole[i].size()) << "slot " << i << " of " << line;
  }
  if (got) *got = fast;
}

// The timed nginx line with ten groups, as bench/run_bench.py writes it.
constexpr std::string_view kTenGroups =
    R"re(^(?P<a>\S+) \S+ (?P<b>\S+) \[(?P<c>[^\]]+)\] "(?P<d>[^"]*)" (?P<e>\d{3}) )re"
    R"re((?P<f>\d+|-) "(?P<g>[^"]*)" "(?P<h>[^"]*)" rt=(?P<x>[0-9.]+) urt="(?P<y>[^"]*)"$)re";

TEST(GroupMatcherTest, AtMostFourGroupsIsOnePass) {
  EXPECT_EQ(MustCompile(R"(^(?P<a>\S+) (?P<b>\S+) (?P<c>\d+) (?P<d>.*)$)")->passes(), 1u);
}

TEST(GroupMatcherTest, GroupsNobodyReadsDoNotCount) {
  // Eight groups, but only four have names the caller reads.
  auto m = MustCompile(R"(^(\S+) (?P<a>\S+) (?P<zz>\S+) (?P<b>\d+) ((x)|y) (?P<c>\S+) (?P<d>.*)$)");
  EXPECT_EQ(m->passes(), 1u);
  Slots got{};
  ExpectAgree(m.get(), "1 2 3 4 x 6 rest of it", &got);
  EXPECT_EQ(got[0], "2");
  EXPECT_EQ(got[1], "4");
  EXPECT_EQ(got[2], "6");
  EXPECT_EQ(got[3], "rest of it");
  EXPECT_FALSE(m->Has(4));
}

TEST(GroupMatcherTest, TenGroupsAreCutIntoPiecesOfFour) {
  auto m = MustCompile(kTenGroups);
  EXPECT_EQ(m->passes(), 2u);  // eight names read (x and y are not): four and four
  const std::string line =
      R"(203.0.113.9 - alice [10/Oct/2026:13:55:36 +0000] "GET /v1/items?id=7 HTTP/1.1" 200 )"
      R"(512 "-" "curl/8.0" rt=0.012 urt="0.010, 0.002")";
  Slots got{};
  ExpectAgree(m.get(), line, &got);
  EXPECT_EQ(got[0], "203.0.113.9");
  EXPECT_EQ(got[2], "10/Oct/2026:13:55:36 +0000");
  EXPECT_EQ(got[4], "200");
  EXPECT_EQ(got[5], "512");
  EXPECT_EQ(got[6], "-");
  EXPECT_EQ(got[7], "curl/8.0");
  ExpectAgree(m.get(), "no match at all");
}

TEST(GroupMatcherTest, APieceThatFailsWhereTheLastStoppedFallsBackToTheWholePattern) {
  // Piece one's greedy .* swallows the digits piece two needs: only backtracking into piece one
  // finds the match, so the whole pattern must decide.
  auto m = MustCompile(R"(^(?P<a>\w) (?P<b>\w) (?P<c>\w) (?P<d>.*)(?P<e>\d+)$)");
  EXPECT_EQ(m->passes(), 2u);
  Slots got{};
  ExpectAgree(m.get(), "x y z abc 123", &got);
  EXPECT_EQ(got[3], "abc 12");
  EXPECT_EQ(got[4], "3");
}

TEST(GroupMatcherTest, UnanchoredPatternsFindTheLeftmostMatch) {
  auto m = MustCompile(R"((?P<a>\d+)-(?P<b>\d+)-(?P<c>\d+)-(?P<d>\d+)-(?P<e>\d+))");
  EXPECT_EQ(m->passes(), 2u);
  Slots got{};
  ExpectAgree(m.get(), "id 9-8 then 1-2-3-4-5-6 end", &got);
  EXPECT_EQ(got[0], "1");
  EXPECT_EQ(got[4], "5");
  ExpectAgree(m.get(), "1-2-3-4-");
}

TEST(GroupMatcherTest, PatternsThatCannotBeCutAreMatchedWhole) {
  // A top-level alternation, and a top-level flag group that must reach every later group.
  for (std::string_view p : {R"(^(?P<a>.)(?P<b>.)(?P<c>.)(?P<d>.)(?P<e>.)$|^$)",
                             R"(^(?i)(?P<a>x)(?P<b>.)(?P<c>.)(?P<d>.)(?P<e>y)$)"}) {
    auto m = MustCompile(p);
    EXPECT_EQ(m->passes(), 1u) << p;
    ExpectAgree(m.get(), "XbcdY");
    ExpectAgree(m.get(), "");
  }
  // A flag group inside a group ends with it: the pattern can be cut.
  auto m = MustCompile(R"(^((?i)x)(?P<a>.)(?P<b>.)(?P<c>.)(?P<d>.)(?P<e>y)$)");
  EXPECT_EQ(m->passes(), 2u);
  ExpectAgree(m.get(), "Xabcdy");
}

TEST(GroupMatcherTest, ParenthesesInClassesAndQuotedTextAreNotGroups) {
  auto m = MustCompile(
      R"(^(?P<a>[(]+)\Q(?P<z>(\E(?P<b>[]()]+)[[:alpha:](](?P<c>\()(?P<d>[^)(]*)\)(?P<e>.*)$)");
  EXPECT_EQ(m->passes(), 2u);
  Slots got{};
  ExpectAgree(m.get(), "((((?P<z>(()]]x(in side)tail", &got);
  EXPECT_EQ(got[0], "(((");
  EXPECT_EQ(got[1], "()]]");
  EXPECT_EQ(got[3], "in side");
  EXPECT_EQ(got[4], "tail");
}

TEST(GroupMatcherTest, AliasesKeepTheAlphabeticallyFirstName) {
  static constexpr GroupMatcher::Name kAliases[] = {{"bytes", 0}, {"body_bytes", 0}};
  RE2::Options options;
  std::string error;
  auto m =
      GroupMatcher::Compile(R"((?P<bytes>\d+) (?P<body_bytes>\d+))", kAliases, 1, options, &error);
  ASSERT_NE(m, nullptr) << error;
  std::string_view got[1];
  ASSERT_TRUE(m->Match("12 34", got));
  EXPECT_EQ(got[0], "34");
}

TEST(GroupMatcherTest, ANameUsedTwiceIsReadFromItsFirstGroup) {
  // RE2 20220601 accepts the same name twice (later releases refuse it).
  RE2::Options options;
  std::string error;
  auto m = GroupMatcher::Compile(R"((?P<a>\d+)-(?P<b>\d+)-(?P<c>\d+)-(?P<d>\d+)-(?P<d>\d+))",
                                 kNames, kSlots, options, &error);
  if (m == nullptr) GTEST_SKIP() << "this RE2 refuses a duplicate name: " << error;
  Slots got{};
  ExpectAgree(m.get(), "id 9 1-2-3-4-5-6 end", &got);
  EXPECT_EQ(got[3], "4");
}

TEST(GroupMatcherTest, RefusesWhatRe2RefusesWithItsReason) {
  RE2::Options options;
  options.set_log_errors(false);
  std::string error;
  EXPECT_EQ(GroupMatcher::Compile("(?P<a>x", kNames, kSlots, options, &error), nullptr);
  EXPECT_EQ(error, "invalid regex: missing ): (?P<a>x (at '(?P<a>x')");
}

// Random lines against patterns that need every engine: one-pass pieces, pieces RE2 does not
// find one-pass, optional groups, and lines that match only with backtracking across a cut.
TEST(GroupMatcherTest, AgreesWithTheWholePatternOnRandomLines) {
  const std::vector<std::string_view> patterns = {
      kTenGroups,
      R"(^(?P<a>\S*) (?P<b>.*?) (?P<c>\d*) (?P<d>[^ ]*) (?P<e>.*) (?P<f>\d+)?(?P<g>x*)$)",
      R"((?P<a>a+)(?P<b>b*)(?P<c>a*)(?P<d>[ab]?)(?P<e>b+|a)(?P<f>(?:ab)*)(?P<g>.*?)(?P<h>a?)$)",
      R"((?P<a>\w+)\s+(?P<b>\w*)\s*(?P<c>(\w)+)?(?P<d>\s)(?P<e>\b\w)(?P<f>\w*)\b(?P<g>.)?)",
  };
  std::mt19937 rng(20261125);  // NOLINT(cert-msc32-c): reproducible on purpose
  const std::string alphabet = "ab 1x\"-[]";
  for (std::string_view p : patterns) {
    auto m = MustCompile(p);
    ASSERT_GT(m->passes(), 1u) << p;
    for (int n = 0; n < 20000; ++n) {
      std::string line;
      const size_t len = rng() % 24;
      for (size_t i = 0; i < len; ++i) line += alphabet[rng() % alphabet.size()];
      ExpectAgree(m.get(), line);
      if (testing::Test::HasFailure()) return;
    }
  }
}

}  // namespace
}  // namespace accesslog
