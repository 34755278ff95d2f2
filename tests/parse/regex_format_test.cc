#include "parse/regex_format.h"

#include <gtest/gtest.h>

#include "expect_fields.h"

namespace accesslog {
namespace {

using parse_test::ExpectFields;
using parse_test::TestName;
using parse_test::Want;

struct LineCase {
  const char* name;
  const char* pattern;
  std::string line;
  bool ok;
  Want want = {};
};

// A gateway that logs "ip method path status bytes 12ms host" (no standard format).
const char* kGateway =
    R"(regex:^(?P<remote_addr>\S+) (?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3}) )"
    R"((?P<bytes>\d+|-) (?P<request_time_ms>[\d.]+)ms(?: (?P<host>\S+))?$)";
// HAProxy-style timers: request line in quotes, upstream list, request time in seconds.
const char* kQuoted = R"re("(?P<request>[^"]*)" (?P<status>\S+) rt=(?P<request_time>\S+) )re"
                      R"re(urt="(?P<upstream_time>[^"]*)" ua="(?P<user_agent>[^"]*)")re";

class RegexParserTest : public ::testing::TestWithParam<LineCase> {};

TEST_P(RegexParserTest, ParsesTheLine) {
  const LineCase& c = GetParam();
  std::string error;
  auto parser = RegexParser::Compile(c.pattern, &error);
  ASSERT_NE(parser, nullptr) << error;
  Fields f;
  ASSERT_EQ(parser->Parse(c.line, &f) == ParseResult::kOk, c.ok) << c.line;
  if (c.ok) ExpectFields(f, c.want, parse_test::RequestLine::kIgnored);
}

INSTANTIATE_TEST_SUITE_P(
    Lines, RegexParserTest,
    ::testing::Values(LineCase{"gateway line",
                               kGateway,
                               "10.1.2.3 GET /v1/kittens 200 512 12.5ms api.example",
                               true,
                               {.status = "200",
                                .method = "GET",
                                .path = "/v1/kittens",
                                .host = "api.example",
                                .remote_addr = "10.1.2.3",
                                .bytes = 512,
                                .request_time = 0.0125}},
                      LineCase{"optional group absent, dash bytes",
                               kGateway,
                               "::1 HEAD / 304 - 0ms",
                               true,
                               {.status = "304",
                                .method = "HEAD",
                                .path = "/",
                                .remote_addr = "::1",
                                .request_time = 0}},
                      LineCase{"request split and upstream list summed",
                               kQuoted,
                               R"("PUT /v1/a HTTP/1.1" 502 rt=0.031 urt="0.010, 0.020" ua="x/1")",
                               true,
                               {.status = "502",
                                .method = "PUT",
                                .path = "/v1/a",
                                .protocol = "HTTP/1.1",
                                .user_agent = "x/1",
                                .request_time = 0.031,
                                .upstream_time = 0.030}},
                      LineCase{"upstream dash is absent, agent dash empty",
                               kQuoted,
                               R"("GET / HTTP/1.1" 200 rt=0.001 urt="-" ua="-")",
                               true,
                               {.status = "200",
                                .method = "GET",
                                .path = "/",
                                .protocol = "HTTP/1.1",
                                .request_time = 0.001}},
                      LineCase{"bytes that are not utf-8 still match",
                               kQuoted,
                               "\"GET /\xff HTTP/1.1\" 200 rt=0.001 urt=\"-\" ua=\"\xc3\x28\"",
                               true,
                               {.status = "200",
                                .method = "GET",
                                .path = "/\xff",
                                .protocol = "HTTP/1.1",
                                .user_agent = "\xc3\x28",
                                .request_time = 0.001}},
                      LineCase{"unanchored pattern finds the match inside the line",
                               R"(status=(?P<status>\d+))",
                               "ts=1 status=418 extra",
                               true,
                               {.status = "418"}},
                      // Malformed.
                      LineCase{"no match", kGateway, "10.1.2.3 GET /v1/kittens", false},
                      LineCase{"request time group holds junk", kQuoted,
                               R"("GET / HTTP/1.1" 200 rt=fast urt="-" ua="-")", false},
                      LineCase{"upstream list holds junk", kQuoted,
                               R"("GET / HTTP/1.1" 200 rt=0.1 urt="0.1, x" ua="-")", false},
                      LineCase{"empty line", kGateway, "", false}),
    [](const ::testing::TestParamInfo<LineCase>& param_info) {
      return TestName(param_info.param.name);
    });

TEST(RegexParserTest, MicrosecondsGroup) {
  std::string error;
  auto parser = RegexParser::Compile(R"((?P<status>\d+) (?P<request_time_us>\d+)us)", &error);
  ASSERT_NE(parser, nullptr) << error;
  Fields f;
  ASSERT_EQ(parser->Parse("200 1500us", &f), ParseResult::kOk);
  EXPECT_DOUBLE_EQ(f.request_time, 0.0015);
}

TEST(RegexParserTest, RefusesAPatternWithoutStatus) {
  std::string error;
  EXPECT_EQ(RegexParser::Compile(R"((?P<method>\S+) (?P<code>\d+))", &error), nullptr);
  EXPECT_NE(error.find("no (?P<status>...) group"), std::string::npos) << error;
}

TEST(RegexParserTest, RefusesAnInvalidPatternWithRe2sReason) {
  std::string error;
  EXPECT_EQ(RegexParser::Compile(R"((?P<status>\d+)(?P<path>[)", &error), nullptr);
  EXPECT_NE(error.find("invalid regex"), std::string::npos) << error;
  EXPECT_NE(error.find("missing ]"), std::string::npos) << error;
}

TEST(RegexParserTest, CapabilitiesFollowTheGroups) {
  std::string error;
  const FormatCapabilities c = RegexParser::Compile(kGateway, &error)->capabilities();
  EXPECT_TRUE(c.request_time && c.body_bytes && c.method && c.path && c.host);
  EXPECT_FALSE(c.upstream_time);
  const FormatCapabilities q = RegexParser::Compile(kQuoted, &error)->capabilities();
  EXPECT_TRUE(q.upstream_time && q.method && q.path);
  EXPECT_FALSE(q.body_bytes || q.host);
}

}  // namespace
}  // namespace accesslog
