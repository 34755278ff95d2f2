#include "classify/drop_rules.h"

#include <gtest/gtest.h>

namespace accesslog {
namespace {

FormatCapabilities All() {
  return {.method = true,
          .path = true,
          .host = true,
          .remote_addr = true,
          .referer = true,
          .user_agent = true,
          .upstream = true,
          .upstream_tries = true};
}

std::unique_ptr<DropRules> MustCompile(const std::vector<DropCondition>& conditions,
                                       bool syslog = false) {
  std::string error;
  auto rules = DropRules::Compile(conditions, All(), {.syslog = syslog}, &error);
  EXPECT_NE(rules, nullptr) << error;
  return rules;
}

Fields Line(std::string_view path, std::string_view agent, std::string_view status = "200") {
  Fields f;
  f.method = "GET";
  f.path = path;
  f.user_agent = agent;
  f.status = status;
  f.remote_addr = "10.0.0.1";
  f.host = "api.example.com";
  f.upstream = "default-api-80";
  return f;
}

TEST(DropRulesTest, EveryFieldOfAConditionMustMatch) {
  auto rules = MustCompile({{{"route", "/(healthz|readyz)"}, {"user_agent", "kube-probe/.*"}}});
  ASSERT_NE(rules, nullptr);
  EXPECT_TRUE(rules->needs_route());
  Fields probe = Line("/healthz", "kube-probe/1.29");
  Fields human = Line("/healthz", "curl/8.4.0");
  Fields api = Line("/api", "kube-probe/1.29");
  int routes = 0;
  auto route = [&routes](std::string_view r) {
    return [&routes, r] {
      ++routes;
      return r;
    };
  };
  EXPECT_TRUE(rules->Matches({.fields = &probe}, route("/healthz")));
  EXPECT_EQ(routes, 1);
  // The user agent is tested first: a line it rejects never computes its route.
  EXPECT_FALSE(rules->Matches({.fields = &human}, route("/healthz")));
  EXPECT_EQ(routes, 1);
  EXPECT_FALSE(rules->Matches({.fields = &api}, route("/api")));
  EXPECT_EQ(routes, 2);
}

TEST(DropRulesTest, AnyConditionDrops) {
  auto rules = MustCompile({{{"path", "/metrics"}}, {{"upstream", "default-api-80"}}});
  ASSERT_NE(rules, nullptr);
  EXPECT_FALSE(rules->needs_route());
  Fields metrics = Line("/metrics", "Prometheus/2.45");
  Fields api = Line("/api", "curl");
  Fields other = Line("/api", "curl");
  other.upstream = "default-web-80";
  EXPECT_TRUE(rules->Matches({.fields = &metrics}));
  EXPECT_TRUE(rules->Matches({.fields = &api}));
  EXPECT_FALSE(rules->Matches({.fields = &other}));
}

TEST(DropRulesTest, PatternsMatchTheWholeValue) {
  auto rules = MustCompile({{{"path", "/health"}}, {{"status", "3.."}}});
  ASSERT_NE(rules, nullptr);
  Fields longer = Line("/healthz", "x");
  Fields prefix = Line("/api/health", "x");
  Fields exact = Line("/health", "x");
  Fields redirect = Line("/a", "x", "302");
  Fields ok = Line("/a", "x", "200");
  EXPECT_FALSE(rules->Matches({.fields = &longer}));
  EXPECT_FALSE(rules->Matches({.fields = &prefix}));
  EXPECT_TRUE(rules->Matches({.fields = &exact}));
  EXPECT_TRUE(rules->Matches({.fields = &redirect}));
  EXPECT_FALSE(rules->Matches({.fields = &ok}));
}

TEST(DropRulesTest, EmptyFieldMatchesOnlyAPatternThatMatchesEmpty) {
  auto rules = MustCompile({{{"referer", ".+"}}, {{"user_agent", ""}}});
  ASSERT_NE(rules, nullptr);
  Fields f = Line("/", "");  // "-" in the log: no user agent
  EXPECT_TRUE(rules->Matches({.fields = &f}));
  f.user_agent = "curl";
  EXPECT_FALSE(rules->Matches({.fields = &f}));  // referer is empty: ".+" does not match
}

TEST(DropRulesTest, RangePrefilterNeverRejectsAMatch) {
  // Patterns whose possible-match range is bounded, unbounded or empty-capable, against values
  // on both sides of the range: the answer is always RE2's.
  const char* patterns[] = {"kube-probe/.*", "(?i)KUBE-probe/.*", ".*probe.*", "",
                            "a|zz",          "[0-9]{3}",          "\\xff.*",   "/(healthz|readyz)"};
  const char* values[] = {
      "kube-probe/1.29", "KUBE-PROBE/1", "kube-probe", "curl",  "", "a", "zz", "z", "503",
      "\xff\xfe",        "/healthz",     "/readyz",    "/ready"};
  for (const char* p : patterns) {
    auto rules = MustCompile({{{"user_agent", p}}});
    ASSERT_NE(rules, nullptr) << p;
    const RE2 re(p, RE2::Latin1);
    for (const char* v : values) {
      Fields f = Line("/", v);
      EXPECT_EQ(rules->Matches({.fields = &f}), RE2::FullMatch(v, re)) << p << " on " << v;
    }
  }
}

TEST(DropRulesTest, SyslogFields) {
  auto rules = MustCompile(
      {{{"tag", "haproxy"}, {"facility", "23"}, {"severity", "[67]"}}, {{"hostname", "lb-.*"}}},
      /*syslog=*/true);
  ASSERT_NE(rules, nullptr);
  Fields f = Line("/", "x");
  const DropSyslog haproxy{.tag = "haproxy", .hostname = "web-1", .facility = 23, .severity = 6};
  const DropSyslog notice{.tag = "haproxy", .hostname = "web-1", .facility = 23, .severity = 5};
  const DropSyslog lb{.tag = "nginx", .hostname = "lb-7", .facility = 16, .severity = 6};
  EXPECT_TRUE(rules->Matches({.fields = &f, .syslog = &haproxy}));
  EXPECT_FALSE(rules->Matches({.fields = &f, .syslog = &notice}));
  EXPECT_TRUE(rules->Matches({.fields = &f, .syslog = &lb}));
  // A message without a syslog header has none of them.
  EXPECT_FALSE(rules->Matches({.fields = &f}));
}

TEST(DropRulesTest, CompileErrorsNameConditionKeyAndReason) {
  struct Case {
    std::vector<DropCondition> conditions;
    FormatCapabilities caps;
    bool syslog;
    const char* want;
  };
  const Case cases[] = {
      {{{{"path", "/ok"}}, {{"route", "/(x"}}},
       All(),
       false,
       "drop[1].route: invalid RE2 pattern '/(x': missing ): /(x"},
      {{{{"uri", "/x"}}}, All(), false, "drop[0].uri: unknown field 'uri' (known: method,"},
      {{{{"host", "x"}}},
       FormatCapabilities{.path = true},
       false,
       "drop[0].host: the source's format does not carry 'host', so this condition could never "
       "match"},
      {{{{"route", "/x"}}}, FormatCapabilities{}, false, "drop[0].route: the source's format"},
      {{{{"severity", "6"}}}, All(), false, "drop[0].severity: 'severity' is a syslog field"},
      {{{}}, All(), false, "drop[0]: a condition needs at least one field"},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_EQ(DropRules::Compile(c.conditions, c.caps, {.syslog = c.syslog}, &error), nullptr) << c.want;
    EXPECT_NE(error.find(c.want), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace accesslog
