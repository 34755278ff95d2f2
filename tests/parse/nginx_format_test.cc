#include "parse/nginx_format.h"

#include <gtest/gtest.h>

#include "expect_fields.h"
#include "parse/combined.h"

namespace accesslog {
namespace {

using parse_test::ExpectFields;
using parse_test::TestName;
using parse_test::Want;

struct LineCase {
  const char* name;
  std::string line;
  bool ok;
  Want want = {};
};

std::unique_ptr<NginxFormatParser> MustCompile(std::string_view format) {
  std::string error;
  auto p = NginxFormatParser::Compile(format, &error);
  EXPECT_NE(p, nullptr) << error;
  return p;
}

// A format with every timing and multi-value upstream variable, as SREs write them.
const char* kTimedFormat =
    R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent )"
    R"("$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" )"
    R"(urt="$upstream_response_time" us="$upstream_status" ua="$upstream_addr" host=$host)";

const char* kTime = "10/Oct/2026:13:55:36 +0000";

std::string Timed(const std::string& head, const std::string& tail) {
  return head + " [" + kTime + "] " + tail;
}

class NginxTimedFormatTest : public ::testing::TestWithParam<LineCase> {};

TEST_P(NginxTimedFormatTest, ParsesTheLine) {
  const LineCase& c = GetParam();
  auto parser = MustCompile(kTimedFormat);
  ASSERT_NE(parser, nullptr);
  Fields f;
  ASSERT_EQ(parser->Parse(c.line, &f) == ParseResult::kOk, c.ok) << c.line;
  if (c.ok) ExpectFields(f, c.want, parse_test::RequestLine::kIgnored);
}

INSTANTIATE_TEST_SUITE_P(
    Lines, NginxTimedFormatTest,
    ::testing::Values(
        LineCase{"proxied request",
                 Timed("192.0.2.1 - -",
                       R"("GET /v1/kittens?page=2 HTTP/1.1" 200 512 "-" "curl/8.4.0" )"
                       R"(rt=0.014 uct="0.001" urt="0.012" us="200" ua="10.0.0.7:8080" )"
                       R"(host=api.example.com)"),
                 true,
                 {.status = "200",
                  .method = "GET",
                  .path = "/v1/kittens?page=2",
                  .protocol = "HTTP/1.1",
                  .host = "api.example.com",
                  .remote_addr = "192.0.2.1",
                  .time_local = kTime,
                  .user_agent = "curl/8.4.0",
                  .bytes = 512,
                  .request_time = 0.014,
                  .upstream_time = 0.012}},
        LineCase{"retried upstream: multi-value fields are summed",
                 Timed("192.0.2.1 - -",
                       R"("POST /v1/orders HTTP/1.1" 200 17 "-" "k6/0.47" rt=0.040 )"
                       R"(uct="0.001, 0.002 : 0.001" urt="0.012, 0.020 : 0.003" )"
                       R"(us="502, 200 : 200" ua="10.0.0.7:8080, 10.0.0.8:8080 : unix:/s" )"
                       R"(host=api.example.com)"),
                 true,
                 {.status = "200",
                  .method = "POST",
                  .path = "/v1/orders",
                  .protocol = "HTTP/1.1",
                  .host = "api.example.com",
                  .remote_addr = "192.0.2.1",
                  .time_local = kTime,
                  .user_agent = "k6/0.47",
                  .bytes = 17,
                  .request_time = 0.040,
                  .upstream_time = 0.012 + 0.020 + 0.003}},
        LineCase{"no upstream (static file or return): upstream time absent",
                 Timed("192.0.2.1 - -",
                       R"("GET /healthz HTTP/1.1" 204 0 "-" "kube-probe/1.29" rt=0.000 )"
                       R"(uct="-" urt="-" us="-" ua="-" host=api.example.com)"),
                 true,
                 {.status = "204",
                  .method = "GET",
                  .path = "/healthz",
                  .protocol = "HTTP/1.1",
                  .host = "api.example.com",
                  .remote_addr = "192.0.2.1",
                  .time_local = kTime,
                  .user_agent = "kube-probe/1.29",
                  .bytes = 0,
                  .request_time = 0}},
        LineCase{"first upstream never answered",
                 Timed("192.0.2.1 - -",
                       R"("GET / HTTP/1.1" 504 0 "-" "x" rt=60.001 uct="-, 0.001" )"
                       R"(urt="-, 0.004" us="504, 504" ua="10.0.0.7:80, 10.0.0.8:80" host=h)"),
                 true,
                 {.status = "504",
                  .method = "GET",
                  .path = "/",
                  .protocol = "HTTP/1.1",
                  .host = "h",
                  .remote_addr = "192.0.2.1",
                  .time_local = kTime,
                  .user_agent = "x",
                  .bytes = 0,
                  .request_time = 60.001,
                  .upstream_time = 0.004}},
        LineCase{"ipv6 client and user with spaces",
                 Timed("2001:db8::1 - john smith",
                       R"("DELETE /v1/kittens/7 HTTP/2.0" 401 0 "https://a.example/" "ua" )"
                       R"(rt=0.001 uct="-" urt="-" us="-" ua="-" host=a.example)"),
                 true,
                 {.status = "401",
                  .method = "DELETE",
                  .path = "/v1/kittens/7",
                  .protocol = "HTTP/2.0",
                  .host = "a.example",
                  .remote_addr = "2001:db8::1",
                  .remote_user = "john smith",
                  .time_local = kTime,
                  .referer = "https://a.example/",
                  .user_agent = "ua",
                  .bytes = 0,
                  .request_time = 0.001}},
        LineCase{"\\x22 escapes in request and agent",
                 Timed("192.0.2.1 - -",
                       R"("GET /search?q=\x22kitten\x22 HTTP/1.1" 200 9 "-" "bot \x22v1\x22" )"
                       R"(rt=0.002 uct="-" urt="-" us="-" ua="-" host=h)"),
                 true,
                 {.status = "200",
                  .method = "GET",
                  .path = R"(/search?q=\x22kitten\x22)",
                  .protocol = "HTTP/1.1",
                  .host = "h",
                  .remote_addr = "192.0.2.1",
                  .time_local = kTime,
                  .user_agent = R"(bot \x22v1\x22)",
                  .bytes = 9,
                  .request_time = 0.002}},
        LineCase{"empty request line (client closed): 400 with no method",
                 Timed("192.0.2.1 - -", R"("" 400 0 "-" "-" rt=0.000 uct="-" urt="-" us="-" )"
                                        R"(ua="-" host=_)"),
                 true,
                 {.status = "400",
                  .host = "_",
                  .remote_addr = "192.0.2.1",
                  .time_local = kTime,
                  .bytes = 0,
                  .request_time = 0}},
        LineCase{"binary tls probe in request",
                 Timed("192.0.2.1 - -",
                       R"("\x16\x03\x01\x00\xF1\x01" 400 157 "-" "-" rt=0.001 uct="-" urt="-" )"
                       R"(us="-" ua="-" host=_)"),
                 true,
                 {.status = "400",
                  .method = R"(\x16\x03\x01\x00\xF1\x01)",
                  .host = "_",
                  .remote_addr = "192.0.2.1",
                  .time_local = kTime,
                  .bytes = 157,
                  .request_time = 0.001}},
        LineCase{"garbage status is handed on raw",
                 Timed("192.0.2.1 - -", R"("GET / HTTP/1.1" abc 1 "-" "-" rt=0.1 uct="-" )"
                                        R"(urt="-" us="-" ua="-" host=h)"),
                 true,
                 {.status = "abc",
                  .method = "GET",
                  .path = "/",
                  .protocol = "HTTP/1.1",
                  .host = "h",
                  .remote_addr = "192.0.2.1",
                  .time_local = kTime,
                  .bytes = 1,
                  .request_time = 0.1}},
        // Malformed.
        LineCase{"empty line", "", false}, LineCase{"garbage", "this is not a log line", false},
        LineCase{"combined line lacks the timing part",
                 Timed("192.0.2.1 - -", R"("GET / HTTP/1.1" 200 1 "-" "-")"), false},
        LineCase{"truncated inside the upstream list",
                 Timed("192.0.2.1 - -", R"("GET / HTTP/1.1" 200 1 "-" "-" rt=0.1 uct="-" )"
                                        R"(urt="0.012, 0.0)"),
                 false},
        LineCase{"request time is not a number",
                 Timed("192.0.2.1 - -", R"("GET / HTTP/1.1" 200 1 "-" "-" rt=fast uct="-" )"
                                        R"(urt="-" us="-" ua="-" host=h)"),
                 false},
        LineCase{"negative request time",
                 Timed("192.0.2.1 - -", R"("GET / HTTP/1.1" 200 1 "-" "-" rt=-0.1 uct="-" )"
                                        R"(urt="-" us="-" ua="-" host=h)"),
                 false},
        LineCase{"upstream list with junk",
                 Timed("192.0.2.1 - -", R"("GET / HTTP/1.1" 200 1 "-" "-" rt=0.1 uct="-" )"
                                        R"(urt="0.1, soon" us="-" ua="-" host=h)"),
                 false},
        LineCase{"negative byte count",
                 Timed("192.0.2.1 - -", R"("GET / HTTP/1.1" 200 -1 "-" "-" rt=0.1 uct="-" )"
                                        R"(urt="-" us="-" ua="-" host=h)"),
                 false},
        LineCase{"the last variable takes the rest of the line",
                 Timed("192.0.2.1 - -", R"("GET / HTTP/1.1" 200 1 "-" "-" rt=0.1 uct="-" )"
                                        R"(urt="-" us="-" ua="-" host=h extra)"),
                 true,
                 // The last variable takes the rest of the line: that is what nginx wrote.
                 {.status = "200",
                  .method = "GET",
                  .path = "/",
                  .protocol = "HTTP/1.1",
                  .host = "h extra",
                  .remote_addr = "192.0.2.1",
                  .time_local = kTime,
                  .bytes = 1,
                  .request_time = 0.1}}),
    [](const ::testing::TestParamInfo<LineCase>& param_info) {
      return TestName(param_info.param.name);
    });

TEST(NginxFormatTest, TextAfterTheFinalLiteralIsMalformed) {
  auto parser = MustCompile(R"("$request" $status "$http_user_agent")");
  ASSERT_NE(parser, nullptr);
  Fields f;
  EXPECT_EQ(parser->Parse(R"("GET / HTTP/1.1" 200 "ua")", &f), ParseResult::kOk);
  EXPECT_EQ(parser->Parse(R"("GET / HTTP/1.1" 200 "ua" "203.0.113.9")", &f),
            ParseResult::kMalformed);
  EXPECT_EQ(parser->Parse(R"(x"GET / HTTP/1.1" 200 "ua")", &f), ParseResult::kMalformed);
}

TEST(NginxFormatTest, EscapeJsonFormatHandlesBackslashQuotes) {
  auto parser = MustCompile(
      R"({"status":"$status","uri":"$request_uri","rt":$request_time,"ua":"$http_user_agent"})");
  ASSERT_NE(parser, nullptr);
  Fields f;
  ASSERT_EQ(parser->Parse(R"({"status":"201","uri":"/a?q=\"x\"","rt":0.250,"ua":"b \\\"c\\"})", &f),
            ParseResult::kOk);
  EXPECT_EQ(f.status, "201");
  EXPECT_EQ(f.path, R"(/a?q=\"x\")");
  EXPECT_DOUBLE_EQ(f.request_time, 0.25);
  EXPECT_EQ(f.user_agent, R"(b \\\"c\\)");
}

TEST(NginxFormatTest, AcceptsTheWholeDirectiveWithNginxQuoting) {
  auto parser = MustCompile(
      "log_format timed escape=json\n"
      "    '$remote_addr [$time_local] '\n"
      "    '\"$request\" $status rt=$request_time';");
  ASSERT_NE(parser, nullptr);
  Fields f;
  ASSERT_EQ(
      parser->Parse(R"(192.0.2.1 [10/Oct/2026:13:55:36 +0000] "GET /x HTTP/1.1" 404 rt=0.003)", &f),
      ParseResult::kOk);
  EXPECT_EQ(f.status, "404");
  EXPECT_EQ(f.path, "/x");
  EXPECT_DOUBLE_EQ(f.request_time, 0.003);
}

TEST(NginxFormatTest, AcceptsSingleQuotedPieces) {
  auto parser = MustCompile(R"('$status ' '$request_time')");
  ASSERT_NE(parser, nullptr);
  Fields f;
  ASSERT_EQ(parser->Parse("200 0.5", &f), ParseResult::kOk);
  EXPECT_DOUBLE_EQ(f.request_time, 0.5);
}

TEST(NginxFormatTest, BracedVariablesAndCaseInsensitiveNames) {
  auto parser = MustCompile("${remote_addr}|${STATUS}|${Request_Time}s|$Body_Bytes_Sent");
  ASSERT_NE(parser, nullptr);
  Fields f;
  ASSERT_EQ(parser->Parse("192.0.2.1|503|1.500s|12", &f), ParseResult::kOk);
  EXPECT_EQ(f.remote_addr, "192.0.2.1");
  EXPECT_EQ(f.status, "503");
  EXPECT_DOUBLE_EQ(f.request_time, 1.5);
  EXPECT_EQ(f.body_bytes, 12);
}

TEST(NginxFormatTest, UnknownVariablesAreSkipped) {
  auto parser = MustCompile("$msec $request_length $connection $status $my_custom_var $pipe");
  ASSERT_NE(parser, nullptr);
  Fields f;
  ASSERT_EQ(parser->Parse("1791640536.123 512 42 302 anything-at-all .", &f), ParseResult::kOk);
  EXPECT_EQ(f.status, "302");
}

TEST(NginxFormatTest, DedicatedVariablesWinOverTheRequestLine) {
  auto parser = MustCompile(R"($request_method $uri "$request" $status)");
  ASSERT_NE(parser, nullptr);
  Fields f;
  ASSERT_EQ(parser->Parse(R"(GET /internal "GET /public?x=1 HTTP/1.1" 200)", &f), ParseResult::kOk);
  EXPECT_EQ(f.method, "GET");
  EXPECT_EQ(f.path, "/internal");
  EXPECT_EQ(f.protocol, "HTTP/1.1");  // no $server_protocol: from the request line
}

TEST(NginxFormatTest, RequestUriWinsOverUri) {
  auto parser = MustCompile("$uri $request_uri $status");
  ASSERT_NE(parser, nullptr);
  Fields f;
  ASSERT_EQ(parser->Parse("/index.html /?x=1 200", &f), ParseResult::kOk);
  EXPECT_EQ(f.path, "/?x=1");
}

TEST(NginxFormatTest, HostFallsBackToServerName) {
  Fields f;
  auto both = MustCompile("$server_name $host $status");
  ASSERT_EQ(both->Parse("_ api.example.com 200", &f), ParseResult::kOk);
  EXPECT_EQ(f.host, "api.example.com");
  auto server_name_only = MustCompile("$server_name $status");
  ASSERT_EQ(server_name_only->Parse("www.example.com 200", &f), ParseResult::kOk);
  EXPECT_EQ(f.host, "www.example.com");
}

TEST(NginxFormatTest, BodyBytesFallBackToBytesSent) {
  Fields f;
  auto both = MustCompile("$bytes_sent $body_bytes_sent $status");
  ASSERT_EQ(both->Parse("400 250 200", &f), ParseResult::kOk);
  EXPECT_EQ(f.body_bytes, 250);
  auto bytes_sent_only = MustCompile("$bytes_sent $status");
  ASSERT_EQ(bytes_sent_only->Parse("400 200", &f), ParseResult::kOk);
  EXPECT_EQ(f.body_bytes, 400);
}

TEST(NginxFormatTest, CapabilitiesFollowTheVariables) {
  auto timed = MustCompile(kTimedFormat);
  const FormatCapabilities c = timed->capabilities();
  EXPECT_TRUE(c.request_time);
  EXPECT_TRUE(c.upstream_time);
  EXPECT_TRUE(c.body_bytes);
  EXPECT_TRUE(c.method);
  EXPECT_TRUE(c.path);
  EXPECT_TRUE(c.host);
  auto bare = MustCompile("$remote_addr $status");
  const FormatCapabilities b = bare->capabilities();
  EXPECT_FALSE(b.request_time || b.upstream_time || b.body_bytes || b.method || b.path || b.host);
}

struct ErrorCase {
  const char* name;
  const char* format;
  const char* message;  // a part the error must contain
};

class NginxFormatErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(NginxFormatErrorTest, RefusesWithAReason) {
  const ErrorCase& c = GetParam();
  std::string error;
  EXPECT_EQ(NginxFormatParser::Compile(c.format, &error), nullptr);
  EXPECT_NE(error.find(c.message), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(
    Formats, NginxFormatErrorTest,
    ::testing::Values(
        ErrorCase{"unterminated brace", "$remote_addr ${status", "unterminated ${ at column 14"},
        ErrorCase{"empty braces", "$status ${}", "invalid variable name ${} at column 9"},
        ErrorCase{"dollar at the end", "$status $",
                  "'$' not followed by a variable name at column 9"},
        ErrorCase{"dollar before a space", "$status $ x", "at column 9"},
        ErrorCase{"no status", "$remote_addr $body_bytes_sent", "no $status"},
        ErrorCase{"unterminated quote", "log_format main '$status", "unterminated ' quote"},
        ErrorCase{"bad escape mode", "log_format main escape=xml '$status';",
                  "escape=xml: expected default, json or none"}),
    [](const ::testing::TestParamInfo<ErrorCase>& param_info) {
      return TestName(param_info.param.name);
    });

// nginx's predefined `combined` format, compiled, must read combined lines exactly as the
// hand-written CombinedParser does.
TEST(NginxFormatTest, CombinedFormatAgreesWithCombinedParser) {
  auto compiled = MustCompile(
      R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent )"
      R"("$http_referer" "$http_user_agent")");
  ASSERT_NE(compiled, nullptr);
  CombinedParser combined(/*require_agent=*/true);
  const std::string t = " [10/Oct/2026:13:55:36 -0700] ";
  const std::vector<std::string> lines = {
      "127.0.0.1 - frank" + t +
          R"("GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" )"
          R"x("Mozilla/4.08 [en] (Win98; I ;Nav)")x",
      "2001:db8::1 - -" + t + R"("POST /v1/kittens HTTP/2.0" 201 15 "-" "curl/7.88.1")",
      "::ffff:192.0.2.7 - -" + t + R"("GET / HTTP/1.1" 304 0 "-" "-")",
      "10.0.0.1 - -" + t + R"("GET /search?q=\x22kitten\x22 HTTP/1.1" 200 9 "-" "x")",
      "192.0.2.1 - -" + t + R"("\x16\x03\x01\x00\xF1\x01\x00" 400 157 "-" "-")",
      "192.0.2.1 - -" + t + R"("" 400 0 "-" "-")",
      "192.0.2.1 - -" + t + R"("SSH-2.0-Go" 400 157 "-" "-")",
      "192.0.2.1 - -" + t + R"("GET /a b/c HTTP/1.1" 404 3 "-" "-")",
      "192.0.2.1 - john smith" + t + R"("GET / HTTP/1.1" 401 0 "-" "-")",
      "192.0.2.1 - [weird]" + t + R"("GET / HTTP/1.1" 200 0 "-" "-")",
      "192.0.2.1 - -" + t + R"("GET / HTTP/1.1" 502 0 "-" "-")",
      "192.0.2.1 - -" + t + "\"GET / HTTP/1.1\" 200 1 \"-\" \"\xff\xfe\xc3\"",
      "192.0.2.1 - -" + t + R"("GET / HTTP/1.1" 200 -5 "-" "-")",
      "192.0.2.1 - -" + t + R"("GET / HTT)",
      "192.0.2.1 - -" + t + R"("GET / HTTP/1.1" 200 1 "-" "Mozil)",
      "192.0.2.1 - -" + t + R"("GET / HTTP/1.1" 200 1)",
      "this is not a log line",
      "",
  };
  for (const std::string& line : lines) {
    Fields a, b;
    const ParseResult ra = compiled->Parse(line, &a);
    const ParseResult rb = combined.Parse(line, &b);
    ASSERT_EQ(ra, rb) << line;
    if (ra != ParseResult::kOk) continue;
    EXPECT_EQ(a.status, b.status) << line;
    EXPECT_EQ(a.remote_addr, b.remote_addr) << line;
    EXPECT_EQ(a.remote_user, b.remote_user) << line;
    EXPECT_EQ(a.time_local, b.time_local) << line;
    EXPECT_EQ(a.request, b.request) << line;
    EXPECT_EQ(a.method, b.method) << line;
    EXPECT_EQ(a.path, b.path) << line;
    EXPECT_EQ(a.protocol, b.protocol) << line;
    EXPECT_EQ(a.referer, b.referer) << line;
    EXPECT_EQ(a.user_agent, b.user_agent) << line;
    EXPECT_EQ(a.body_bytes, b.body_bytes) << line;
    EXPECT_EQ(a.request_time, b.request_time) << line;
  }
}

}  // namespace
}  // namespace accesslog
