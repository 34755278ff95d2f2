#include "parse/combined.h"

#include <gtest/gtest.h>

#include "classify/status_table.h"

namespace accesslog {
namespace {

struct LineCase {
  const char* name;
  std::string line;
  bool ok;
  const char* status = "";
  const char* method = "";
  const char* path = "";
  int64_t bytes = -1;
  const char* remote_addr = "";
  const char* user_agent = "";
};

class CombinedParserTest : public ::testing::TestWithParam<LineCase> {};

TEST_P(CombinedParserTest, ParsesTheLine) {
  const LineCase& c = GetParam();
  CombinedParser parser(/*require_agent=*/true);
  Fields f;
  const ParseResult result = parser.Parse(c.line, &f);
  ASSERT_EQ(result == ParseResult::kOk, c.ok) << c.line;
  if (!c.ok) return;
  EXPECT_EQ(f.status, c.status);
  EXPECT_EQ(f.method, c.method);
  EXPECT_EQ(f.path, c.path);
  EXPECT_EQ(f.body_bytes, c.bytes);
  EXPECT_EQ(f.remote_addr, c.remote_addr);
  EXPECT_EQ(f.user_agent, c.user_agent);
}

const char* kTime = "[10/Oct/2026:13:55:36 -0700]";

std::string L(const std::string& before_time, const std::string& after_time) {
  return before_time + " " + kTime + " " + after_time;
}

INSTANTIATE_TEST_SUITE_P(
    Lines, CombinedParserTest,
    ::testing::Values(
        LineCase{
            "plain",
            L("127.0.0.1 - frank",
              R"x("GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)")x"),
            true, "200", "GET", "/apache_pb.gif", 2326, "127.0.0.1",
            "Mozilla/4.08 [en] (Win98; I ;Nav)"},
        LineCase{"ipv6 client",
                 L("2001:db8::1 - -", R"("POST /v1/kittens HTTP/2.0" 201 15 "-" "curl/7.88.1")"),
                 true, "201", "POST", "/v1/kittens", 15, "2001:db8::1", "curl/7.88.1"},
        LineCase{"ipv4-mapped ipv6", L("::ffff:192.0.2.7 - -", R"("GET / HTTP/1.1" 304 - "-" "-")"),
                 true, "304", "GET", "/", 0, "::ffff:192.0.2.7", ""},
        LineCase{"dash bytes",
                 L("10.0.0.1 - -", R"("DELETE /v1/kittens/7 HTTP/1.1" 204 - "-" "k/1")"), true,
                 "204", "DELETE", "/v1/kittens/7", 0, "10.0.0.1", "k/1"},
        LineCase{"apache escaped quote in agent",
                 L("10.0.0.1 - -", R"("GET /a HTTP/1.1" 200 5 "-" "bot \"quoted\" 1.0")"), true,
                 "200", "GET", "/a", 5, "10.0.0.1", R"(bot \"quoted\" 1.0)"},
        LineCase{"apache escaped backslash before quote",
                 L("10.0.0.1 - -", R"("GET /a\\ HTTP/1.1" 200 5 "-" "x")"), true, "200", "GET",
                 R"(/a\\)", 5, "10.0.0.1", "x"},
        LineCase{"nginx \\x22 in request",
                 L("10.0.0.1 - -", R"("GET /search?q=\x22kitten\x22 HTTP/1.1" 200 9 "-" "x")"),
                 true, "200", "GET", R"(/search?q=\x22kitten\x22)", 9, "10.0.0.1", "x"},
        LineCase{
            "tls probe: binary request escaped",
            L("192.0.2.1 - -", R"("\x16\x03\x01\x00\xF1\x01\x00\x00\xED\x03\x03" 400 157 "-" "-")"),
            true, "400", R"(\x16\x03\x01\x00\xF1\x01\x00\x00\xED\x03\x03)", "", 157, "192.0.2.1",
            ""},
        LineCase{"empty request", L("192.0.2.1 - -", R"("" 400 0 "-" "-")"), true, "400", "", "", 0,
                 "192.0.2.1", ""},
        LineCase{"one-word request (ssh probe)",
                 L("192.0.2.1 - -", R"("SSH-2.0-Go" 400 157 "-" "-")"), true, "400", "SSH-2.0-Go",
                 "", 157, "192.0.2.1", ""},
        LineCase{"request without protocol", L("192.0.2.1 - -", R"("GET /" 200 3 "-" "-")"), true,
                 "200", "GET", "/", 3, "192.0.2.1", ""},
        LineCase{"unescaped space in path",
                 L("192.0.2.1 - -", R"("GET /a b/c HTTP/1.1" 404 3 "-" "-")"), true, "404", "GET",
                 "/a b/c", 3, "192.0.2.1", ""},
        LineCase{"user with spaces",
                 L("192.0.2.1 - john smith", R"("GET / HTTP/1.1" 401 0 "-" "-")"), true, "401",
                 "GET", "/", 0, "192.0.2.1", ""},
        LineCase{"user with a bracket",
                 L("192.0.2.1 - [weird]", R"("GET / HTTP/1.1" 200 0 "-" "-")"), true, "200", "GET",
                 "/", 0, "192.0.2.1", ""},
        LineCase{"trailing extra fields",
                 L("192.0.2.1 - -",
                   R"("GET / HTTP/1.1" 200 0 "-" "-" "203.0.113.9" rt=0.003 urt="0.002")"),
                 true, "200", "GET", "/", 0, "192.0.2.1", ""},
        LineCase{"undocumented status still parses",
                 L("192.0.2.1 - -", R"("GET / HTTP/1.1" 502 0 "-" "-")"), true, "502", "GET", "/",
                 0, "192.0.2.1", ""},
        LineCase{"invalid utf-8 in agent",
                 L("192.0.2.1 - -", "\"GET / HTTP/1.1\" 200 1 \"-\" \"\xff\xfe\xc3\""), true, "200",
                 "GET", "/", 1, "192.0.2.1", "\xff\xfe\xc3"},
        // Malformed lines.
        LineCase{"empty", "", false}, LineCase{"garbage", "this is not a log line", false},
        LineCase{"no time", R"(192.0.2.1 - - "GET / HTTP/1.1" 200 1 "-" "-")", false},
        LineCase{"bad time", R"(192.0.2.1 - - [yesterday] "GET / HTTP/1.1" 200 1 "-" "-")", false},
        LineCase{"truncated in request", L("192.0.2.1 - -", R"("GET / HTT)"), false},
        LineCase{"truncated after status", L("192.0.2.1 - -", R"("GET / HTTP/1.1" 200)"), false},
        LineCase{"truncated in agent", L("192.0.2.1 - -", R"("GET / HTTP/1.1" 200 1 "-" "Mozil)"),
                 false},
        LineCase{"common line is not combined", L("192.0.2.1 - -", R"("GET / HTTP/1.1" 200 1)"),
                 false},
        LineCase{"negative bytes", L("192.0.2.1 - -", R"("GET / HTTP/1.1" 200 -5 "-" "-")"), false},
        LineCase{"overflowing bytes",
                 L("192.0.2.1 - -", R"("GET / HTTP/1.1" 200 99999999999999999999999 "-" "-")"),
                 false},
        LineCase{"no space after request", L("192.0.2.1 - -", R"("GET / HTTP/1.1"200 1 "-" "-")"),
                 false}),
    [](const ::testing::TestParamInfo<LineCase>& param_info) {
      std::string name;
      for (const char* p = param_info.param.name; *p; ++p) {
        name += (std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_');
      }
      return name;
    });

TEST(CombinedParserTest, GarbageStatusParsesButIsNotAResponse) {
  // The parser hands the raw field on; the classifier decides it is not a status code.
  CombinedParser parser(true);
  Fields f;
  for (const char* status : {"2000", "abc", "099", "600", "-"}) {
    const std::string line =
        L("192.0.2.1 - -", std::string("\"GET / HTTP/1.1\" ") + status + " 1 \"-\" \"-\"");
    ASSERT_EQ(parser.Parse(line, &f), ParseResult::kOk) << line;
    EXPECT_EQ(ParseStatusCode(f.status), 0) << status;
  }
}

TEST(CommonParserTest, AcceptsCommonAndCombinedLines) {
  CombinedParser parser(/*require_agent=*/false);
  Fields f;
  const std::string common = L("192.0.2.1 - -", R"("GET /x HTTP/1.0" 404 7)");
  ASSERT_EQ(parser.Parse(common, &f), ParseResult::kOk);
  EXPECT_EQ(f.status, "404");
  EXPECT_EQ(f.path, "/x");
  EXPECT_EQ(f.body_bytes, 7);
  const std::string combined = L("192.0.2.1 - -", R"("GET /x HTTP/1.0" 200 7 "-" "ua")");
  ASSERT_EQ(parser.Parse(combined, &f), ParseResult::kOk);
  EXPECT_EQ(f.user_agent, "ua");
  const std::string truncated = L("192.0.2.1 - -", R"("GET /x HTTP/1.0" 200)");
  EXPECT_EQ(parser.Parse(truncated, &f), ParseResult::kMalformed);
}

TEST(MakeParserTest, KnowsCombinedAndCommonAndNamesTheRest) {
  std::string error;
  EXPECT_NE(MakeParser({.format = "combined"}, &error), nullptr);
  EXPECT_NE(MakeParser({.format = "common"}, &error), nullptr);
  EXPECT_EQ(MakeParser({.format = "ltsv"}, &error), nullptr);
  EXPECT_NE(error.find("ltsv"), std::string::npos);
}

}  // namespace
}  // namespace accesslog
