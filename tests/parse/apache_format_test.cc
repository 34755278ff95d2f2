#include "parse/apache_format.h"

#include <gtest/gtest.h>

#include "expect_fields.h"

namespace accesslog {
namespace {

using parse_test::ExpectFields;
using parse_test::TestName;
using parse_test::Want;

std::unique_ptr<ApacheFormatParser> MustCompile(std::string_view format) {
  std::string error;
  auto p = ApacheFormatParser::Compile(format, &error);
  EXPECT_NE(p, nullptr) << error;
  return p;
}

struct LineCase {
  const char* name;
  const char* format;
  std::string line;
  bool ok;
  Want want = {};
};

// combined + %D, as the e2e test configures Apache.
const char* kCombinedD = R"(%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" %D)";
// Debian's vhost_combined.
const char* kVhostCombined = R"(%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i")";
const char* kTime = "10/Oct/2026:13:55:36 +0200";

class ApacheFormatLineTest : public ::testing::TestWithParam<LineCase> {};

TEST_P(ApacheFormatLineTest, ParsesTheLine) {
  const LineCase& c = GetParam();
  auto parser = MustCompile(c.format);
  ASSERT_NE(parser, nullptr);
  Fields f;
  ASSERT_EQ(parser->Parse(c.line, &f) == ParseResult::kOk, c.ok) << c.line;
  if (c.ok) ExpectFields(f, c.want, parse_test::RequestLine::kIgnored);
}

INSTANTIATE_TEST_SUITE_P(
    Lines, ApacheFormatLineTest,
    ::testing::Values(
        LineCase{"combined with microseconds",
                 kCombinedD,
                 R"(127.0.0.1 - frank [10/Oct/2026:13:55:36 +0200] "GET /a.gif HTTP/1.0" 200 )"
                 R"(2326 "http://www.example.com/start.html" "Mozilla/4.08 [en]" 1234)",
                 true,
                 {.status = "200",
                  .method = "GET",
                  .path = "/a.gif",
                  .protocol = "HTTP/1.0",
                  .remote_addr = "127.0.0.1",
                  .remote_user = "frank",
                  .time_local = kTime,
                  .referer = "http://www.example.com/start.html",
                  .user_agent = "Mozilla/4.08 [en]",
                  .bytes = 2326,
                  .request_time = 0.001234}},
        LineCase{"%b dash means zero bytes",
                 kCombinedD,
                 R"(::1 - - [10/Oct/2026:13:55:36 +0200] "HEAD / HTTP/1.1" 304 - "-" "-" 87)",
                 true,
                 {.status = "304",
                  .method = "HEAD",
                  .path = "/",
                  .protocol = "HTTP/1.1",
                  .remote_addr = "::1",
                  .time_local = kTime,
                  .bytes = 0,
                  .request_time = 0.000087}},
        LineCase{"backslash-escaped quotes in request and agent",
                 kCombinedD,
                 R"(192.0.2.1 - - [10/Oct/2026:13:55:36 +0200] "GET /q?\"x\" HTTP/1.1" 404 196 )"
                 R"("-" "bot \"v2\" \\" 350)",
                 true,
                 {.status = "404",
                  .method = "GET",
                  .path = R"(/q?\"x\")",
                  .protocol = "HTTP/1.1",
                  .remote_addr = "192.0.2.1",
                  .time_local = kTime,
                  .user_agent = R"(bot \"v2\" \\)",
                  .bytes = 196,
                  .request_time = 0.00035}},
        LineCase{"garbage request line answered 400",
                 kCombinedD,
                 R"(192.0.2.1 - - [10/Oct/2026:13:55:36 +0200] "\x16\x03\x01" 400 226 "-" "-" 21)",
                 true,
                 {.status = "400",
                  .method = R"(\x16\x03\x01)",
                  .remote_addr = "192.0.2.1",
                  .time_local = kTime,
                  .bytes = 226,
                  .request_time = 0.000021}},
        LineCase{"vhost_combined: host from %v, bytes from %O",
                 kVhostCombined,
                 R"(www.example.com:443 2001:db8::7 - - [10/Oct/2026:13:55:36 +0200] )"
                 R"("GET / HTTP/2.0" 200 5120 "-" "curl/8.4.0")",
                 true,
                 {.status = "200",
                  .method = "GET",
                  .path = "/",
                  .protocol = "HTTP/2.0",
                  .host = "www.example.com",
                  .remote_addr = "2001:db8::7",
                  .time_local = kTime,
                  .user_agent = "curl/8.4.0",
                  .bytes = 5120}},
        LineCase{"%T is seconds",
                 R"(%h "%r" %>s %T)",
                 R"(10.0.0.1 "GET /slow HTTP/1.1" 504 60)",
                 true,
                 {.status = "504",
                  .method = "GET",
                  .path = "/slow",
                  .protocol = "HTTP/1.1",
                  .remote_addr = "10.0.0.1",
                  .request_time = 60}},
        LineCase{"%{ms}T is milliseconds",
                 R"(%h %>s %{ms}T)",
                 "10.0.0.1 200 250",
                 true,
                 {.status = "200", .remote_addr = "10.0.0.1", .request_time = 0.25}},
        LineCase{"%{us}T is microseconds and wins over %T",
                 R"(%>s %T %{us}T)",
                 "200 1 1500000",
                 true,
                 {.status = "200", .request_time = 1.5}},
        LineCase{"%D wins over %{ms}T",
                 R"(%>s %{ms}T %D)",
                 "200 12 12345",
                 true,
                 {.status = "200", .request_time = 0.012345}},
        LineCase{"%U%q gives the path with its query; %m %H %V",
                 R"(%V %m %U%q %H %>s %B)",
                 "api.example.com POST /v1/kittens?dry=1 HTTP/1.1 201 15",
                 true,
                 {.status = "201",
                  .method = "POST",
                  .path = "/v1/kittens?dry=1",
                  .protocol = "HTTP/1.1",
                  .host = "api.example.com",
                  .bytes = 15}},
        LineCase{"%U%q without a query",
                 R"(%U%q %>s)",
                 "/v1/kittens 200",
                 true,
                 {.status = "200", .path = "/v1/kittens"}},
        LineCase{"%{Host}i is the host when there is no %V",
                 R"(%{Host}i %v %>s)",
                 "api.example.com default.example 200",
                 true,
                 {.status = "200", .host = "api.example.com"}},
        LineCase{"%>s wins over %s", R"(%s %>s)", "302 200", true, {.status = "200"}},
        LineCase{
            "conditional and unknown directives are skipped",
            R"(%a %400,501{User-agent}i %!200{Referer}i %Z %{X-Request-Id}i %{c}p %^ti %>s %k)",
            "10.0.0.1 - https://r.example/ what 4f2c-11 51234 - 503 0",
            true,
            {.status = "503", .remote_addr = "10.0.0.1", .referer = "https://r.example/"}},
        LineCase{"%a wins over %h",
                 R"(%h %a %>s)",
                 "proxy.example 10.0.0.9 200",
                 true,
                 {.status = "200", .remote_addr = "10.0.0.9"}},
        LineCase{"%% is a literal percent",
                 R"(%>s 100%% %D)",
                 "200 100% 5",
                 true,
                 {.status = "200", .request_time = 0.000005}},
        // Malformed.
        LineCase{"empty line", kCombinedD, "", false},
        LineCase{"garbage", kCombinedD, "GET / HTTP/1.1", false},
        LineCase{"combined line without %D", kCombinedD,
                 R"(127.0.0.1 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.0" 200 1 "-" "-")",
                 false},
        LineCase{"time without brackets", kCombinedD,
                 R"(127.0.0.1 - - 10/Oct/2026:13:55:36 "GET / HTTP/1.0" 200 1 "-" "-" 5)", false},
        LineCase{"truncated in the agent", kCombinedD,
                 R"(127.0.0.1 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.0" 200 1 "-" "Moz)",
                 false},
        LineCase{"microseconds not a number", kCombinedD,
                 R"(127.0.0.1 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.0" 200 1 "-" "-" 5ms)",
                 false},
        LineCase{"trailing field", kCombinedD,
                 R"(127.0.0.1 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.0" 200 1 "-" "-" 5 x)",
                 false}),
    [](const ::testing::TestParamInfo<LineCase>& param_info) {
      return TestName(param_info.param.name);
    });

TEST(ApacheFormatTest, ReadsTheConfigQuotingAndTheWholeDirective) {
  Fields f;
  const std::string line = R"(10.0.0.1 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1" 200 1)";
  auto inner = MustCompile(R"(%h %l %u %t \"%r\" %>s %b)");
  ASSERT_NE(inner, nullptr);
  ASSERT_EQ(inner->Parse(line, &f), ParseResult::kOk);
  EXPECT_EQ(f.path, "/");
  auto directive = MustCompile(R"(LogFormat "%h %l %u %t \"%r\" %>s %b" common)");
  ASSERT_NE(directive, nullptr);
  ASSERT_EQ(directive->Parse(line, &f), ParseResult::kOk);
  EXPECT_EQ(f.status, "200");
}

TEST(ApacheFormatTest, TabEscapeInTheFormat) {
  auto parser = MustCompile(R"(%>s\t%D)");
  ASSERT_NE(parser, nullptr);
  Fields f;
  ASSERT_EQ(parser->Parse("200\t10", &f), ParseResult::kOk);
  EXPECT_DOUBLE_EQ(f.request_time, 0.00001);
}

TEST(ApacheFormatTest, CapabilitiesFollowTheDirectives) {
  const FormatCapabilities c = MustCompile(kCombinedD)->capabilities();
  EXPECT_TRUE(c.request_time);
  EXPECT_FALSE(c.upstream_time);
  EXPECT_TRUE(c.body_bytes);
  EXPECT_TRUE(c.method);
  EXPECT_TRUE(c.path);
  EXPECT_FALSE(c.host);
  EXPECT_TRUE(MustCompile(kVhostCombined)->capabilities().host);
}

struct ErrorCase {
  const char* name;
  const char* format;
  const char* message;
};

class ApacheFormatErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ApacheFormatErrorTest, RefusesWithAReason) {
  const ErrorCase& c = GetParam();
  std::string error;
  EXPECT_EQ(ApacheFormatParser::Compile(c.format, &error), nullptr);
  EXPECT_NE(error.find(c.message), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(Formats, ApacheFormatErrorTest,
                         ::testing::Values(ErrorCase{"unterminated brace", R"(%h %>s "%{Referer)",
                                                     "unterminated %{ at column 9"},
                                           ErrorCase{"percent at the end", "%h %>s %",
                                                     "incomplete directive '%' at column 8"},
                                           ErrorCase{"percent before a space", "%h % %>s",
                                                     "'% ' is not an Apache LogFormat directive"},
                                           ErrorCase{"no status", R"(%h %l %u %t "%r" %b)",
                                                     "no %s or %>s"}),
                         [](const ::testing::TestParamInfo<ErrorCase>& param_info) {
                           return TestName(param_info.param.name);
                         });

}  // namespace
}  // namespace accesslog
