#include "parse/json_lines.h"

#include <gtest/gtest.h>

#include "expect_fields.h"

namespace accesslog {
namespace {

using parse_test::ExpectFields;
using parse_test::TestName;
using parse_test::Want;

struct LineCase {
  const char* name;
  const char* preset;
  std::string line;
  bool ok;
  Want want = {};
};

class JsonPresetTest : public ::testing::TestWithParam<LineCase> {};

TEST_P(JsonPresetTest, ParsesTheLine) {
  const LineCase& c = GetParam();
  std::string error;
  auto parser = JsonLinesParser::ForPreset(c.preset, &error);
  ASSERT_NE(parser, nullptr) << error;
  Fields f;
  ASSERT_EQ(parser->Parse(c.line, &f) == ParseResult::kOk, c.ok) << c.line;
  if (c.ok) ExpectFields(f, c.want);
}

// ParsePadded reads the line in the caller's buffer; whatever follows the line there (here: a
// copy of the start of a valid line, a digit, a quote) must change nothing.
TEST_P(JsonPresetTest, ParsesTheLineInPlace) {
  const LineCase& c = GetParam();
  std::string error;
  auto parser = JsonLinesParser::ForPreset(c.preset, &error);
  ASSERT_NE(parser, nullptr) << error;
  for (const char* after : {R"(0"}, {"status":"200"})", "\n", "}"}) {
    std::string buffer = c.line + after;
    buffer.resize(c.line.size() + kParsePaddingBytes, '7');
    Fields f;
    ASSERT_EQ(
        parser->ParsePadded(std::string_view(buffer.data(), c.line.size()), &f) == ParseResult::kOk,
        c.ok)
        << c.line << " followed by " << after;
    if (c.ok) ExpectFields(f, c.want);
  }
}

// nginx `log_format ... escape=json` lines whose keys are the variable names. escape=json writes
// "" for an empty variable and \" \\ \uXXXX inside strings.
INSTANTIATE_TEST_SUITE_P(
    Nginx, JsonPresetTest,
    ::testing::Values(
        LineCase{"all variables as strings",
                 "json",
                 R"({"time_local":"10/Oct/2026:13:55:36 +0000","remote_addr":"192.0.2.1",)"
                 R"("remote_user":"","request":"GET /v1/kittens?id=1 HTTP/1.1","status":"200",)"
                 R"("body_bytes_sent":"512","request_time":"0.012",)"
                 R"("upstream_response_time":"0.010, 0.002","http_referer":"",)"
                 R"("http_user_agent":"curl/8.4.0 \"quoted\"","host":"api.example.com",)"
                 R"("request_method":"GET","request_uri":"/v1/kittens?id=1",)"
                 R"("server_protocol":"HTTP/1.1"})",
                 true,
                 {.status = "200",
                  .method = "GET",
                  .path = "/v1/kittens?id=1",
                  .protocol = "HTTP/1.1",
                  .host = "api.example.com",
                  .remote_addr = "192.0.2.1",
                  .time_local = "10/Oct/2026:13:55:36 +0000",
                  .user_agent = R"(curl/8.4.0 "quoted")",
                  .request = "GET /v1/kittens?id=1 HTTP/1.1",
                  .bytes = 512,
                  .request_time = 0.012,
                  .upstream_time = 0.012}},
        LineCase{"numbers as numbers",
                 "json:nginx",
                 R"({"status":404,"body_bytes_sent":153,"request_time":0.001,)"
                 R"("request_method":"GET","uri":"/missing"})",
                 true,
                 {.status = "404",
                  .method = "GET",
                  .path = "/missing",
                  .bytes = 153,
                  .request_time = 0.001}},
        LineCase{"no upstream: empty and dash are absent",
                 "json",
                 R"({"status":"204","upstream_response_time":"","request_time":"0.000"})",
                 true,
                 {.status = "204", .request_time = 0}},
        LineCase{"upstream dash",
                 "json",
                 R"({"status":"200","upstream_response_time":"-"})",
                 true,
                 {.status = "200"}},
        LineCase{"request line split when there is no request_method",
                 "json",
                 R"({"status":"201","request":"POST /v1/orders HTTP/2.0","bytes_sent":"99"})",
                 true,
                 {.status = "201",
                  .method = "POST",
                  .path = "/v1/orders",
                  .protocol = "HTTP/2.0",
                  .request = "POST /v1/orders HTTP/2.0",
                  .bytes = 99}},
        LineCase{"host falls back to server_name",
                 "json",
                 R"({"server_name":"www.example.com","status":"200"})",
                 true,
                 {.status = "200", .host = "www.example.com"}},
        LineCase{"unicode escapes and a surrogate pair",
                 "json",
                 R"({"status":"200","http_user_agent":"caf\u00e9 \ud83d\ude00 \/ \\"})",
                 true,
                 {.status = "200", .user_agent = "caf\xc3\xa9 \xf0\x9f\x98\x80 / \\"}},
        LineCase{"whitespace around tokens",
                 "json",
                 "  { \"status\" : 200 ,\t\"request_time\" : 0.5 }  ",
                 true,
                 {.status = "200", .request_time = 0.5}},
        LineCase{"nested and unknown keys are skipped",
                 "json",
                 R"({"a":{"status":"999","b":[1,2,{"c":null}]},"status":"503","z":true})",
                 true,
                 {.status = "503"}},
        LineCase{"a text field of the wrong type is left empty",
                 "json",
                 R"({"status":"200","request_method":{"x":1},"host":["a"]})",
                 true,
                 {.status = "200"}},
        LineCase{"a status that is not a code is handed on raw",
                 "json",
                 R"({"status":"abc"})",
                 true,
                 {.status = "abc"}},
        // Malformed.
        LineCase{"no status", "json", R"({"request_time":"0.1"})", false},
        LineCase{"status null", "json", R"({"status":null})", false},
        LineCase{"status is an object", "json", R"({"status":{"code":200}})", false},
        LineCase{"status is a boolean", "json", R"({"status":true})", false},
        LineCase{"request time is not a number", "json",
                 R"({"status":"200","request_time":"fast"})", false},
        LineCase{"request time is a boolean", "json", R"({"status":"200","request_time":true})",
                 false},
        LineCase{"negative bytes", "json", R"({"status":"200","body_bytes_sent":-1})", false},
        LineCase{"fractional bytes", "json", R"({"status":"200","body_bytes_sent":1.5})", false},
        LineCase{"bad escape in a used string", "json", R"({"status":"200","host":"a\qb"})", false},
        LineCase{"not an object", "json", R"([{"status":"200"}])", false},
        LineCase{"a bare number", "json", "200", false}, LineCase{"empty", "json", "", false},
        LineCase{"truncated", "json", R"({"status":"200","request_time":"0.0)", false},
        LineCase{"truncated after a value", "json", R"({"status":"200",)", false},
        LineCase{"trailing text", "json", R"({"status":"200"} {"status":"201"})", false},
        LineCase{"combined line", "json",
                 R"(192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "-")",
                 false},
        LineCase{"invalid utf-8", "json", "{\"status\":\"200\",\"ua\":\"\xff\"}", false}),
    [](const ::testing::TestParamInfo<LineCase>& param_info) {
      return TestName(param_info.param.name);
    });

// Envoy's JSON access log, keys named after the default format's command operators (as Istio
// and Envoy's examples name them): durations in milliseconds, a missing value is null.
INSTANTIATE_TEST_SUITE_P(
    Envoy, JsonPresetTest,
    ::testing::Values(
        LineCase{
            "routed request",
            "json:envoy",
            R"({"start_time":"2026-10-10T13:55:36.412Z","method":"POST",)"
            R"("path":"/api/v2/orders","protocol":"HTTP/1.1","response_code":201,)"
            R"("response_flags":"-","bytes_received":87,"bytes_sent":342,"duration":27,)"
            R"("upstream_service_time":"25","x_forwarded_for":"198.51.100.4",)"
            R"("user_agent":"okhttp/4.12.0","request_id":"5f0c6a0e-8d7b-4c2e-9a51-1b2c3d4e5f60",)"
            R"("authority":"orders.internal","upstream_host":"10.8.0.12:8080",)"
            R"("downstream_remote_address":"198.51.100.4:50112"})",
            true,
            {.status = "201",
             .method = "POST",
             .path = "/api/v2/orders",
             .protocol = "HTTP/1.1",
             .host = "orders.internal",
             .remote_addr = "198.51.100.4:50112",
             .time_local = "2026-10-10T13:55:36.412Z",
             .user_agent = "okhttp/4.12.0",
             .bytes = 342,
             .request_time = 0.027,
             .upstream_time = 0.025}},
        LineCase{"local reply: no upstream, null values",
                 "json:envoy",
                 R"({"method":"GET","path":"/nowhere","protocol":"HTTP/2","response_code":404,)"
                 R"("response_flags":"NR","bytes_sent":0,"duration":0,)"
                 R"("upstream_service_time":null,"user_agent":null,"authority":"api.example.com"})",
                 true,
                 {.status = "404",
                  .method = "GET",
                  .path = "/nowhere",
                  .protocol = "HTTP/2",
                  .host = "api.example.com",
                  .bytes = 0,
                  .request_time = 0}},
        LineCase{"upstream timeout, code as a string",
                 "json:envoy",
                 R"({"response_code":"504","response_flags":"UT","duration":15001,)"
                 R"("upstream_service_time":"-","bytes_sent":24})",
                 true,
                 {.status = "504", .bytes = 24, .request_time = 15.001}},
        LineCase{"downstream disconnect: code 0",
                 "json:envoy",
                 R"({"response_code":0,"response_flags":"DC","duration":3})",
                 true,
                 {.status = "0", .request_time = 0.003}},
        LineCase{"no response_code", "json:envoy", R"({"method":"GET","duration":3})", false}),
    [](const ::testing::TestParamInfo<LineCase>& param_info) {
      return TestName(param_info.param.name);
    });

// Traefik's JSON access log: CamelCase keys, durations in nanoseconds, headers (when kept) as
// request_<Name>.
INSTANTIATE_TEST_SUITE_P(
    Traefik, JsonPresetTest,
    ::testing::Values(
        LineCase{"rate limited request",
                 "json:traefik",
                 R"({"ClientAddr":"203.0.113.50:41234","ClientHost":"203.0.113.50",)"
                 R"("ClientPort":"41234","ClientUsername":"-","DownstreamContentSize":17,)"
                 R"("DownstreamStatus":429,"Duration":2345678,"OriginContentSize":17,)"
                 R"("OriginDuration":2100000,"OriginStatus":429,"Overhead":245678,)"
                 R"("RequestAddr":"api.example.com","RequestContentSize":0,"RequestCount":42,)"
                 R"("RequestHost":"api.example.com","RequestMethod":"GET",)"
                 R"("RequestPath":"/v1/kittens?limit=5","RequestPort":"-",)"
                 R"("RequestProtocol":"HTTP/1.1","RequestScheme":"https","RetryAttempts":0,)"
                 R"("RouterName":"api@docker","ServiceAddr":"172.18.0.4:8080",)"
                 R"("ServiceName":"api@docker","ServiceURL":{"Scheme":"http",)"
                 R"("Host":"172.18.0.4:8080"},"StartLocal":"2026-10-10T13:55:36.123456789Z",)"
                 R"("StartUTC":"2026-10-10T13:55:36.123456789Z","entryPointName":"websecure",)"
                 R"("level":"info","msg":"","request_User-Agent":"Go-http-client/2.0",)"
                 R"("time":"2026-10-10T13:55:36Z"})",
                 true,
                 {.status = "429",
                  .method = "GET",
                  .path = "/v1/kittens?limit=5",
                  .protocol = "HTTP/1.1",
                  .host = "api.example.com",
                  .remote_addr = "203.0.113.50",
                  .time_local = "2026-10-10T13:55:36.123456789Z",
                  .user_agent = "Go-http-client/2.0",
                  .bytes = 17,
                  .request_time = 0.002345678,
                  .upstream_time = 0.0021}},
        LineCase{"no backend reached",
                 "json:traefik",
                 R"({"DownstreamStatus":404,"Duration":81234,"RequestMethod":"GET",)"
                 R"("RequestPath":"/","DownstreamContentSize":19,"RouterName":""})",
                 true,
                 {.status = "404",
                  .method = "GET",
                  .path = "/",
                  .bytes = 19,
                  .request_time = 0.000081234}},
        LineCase{"status as a string",
                 "json:traefik",
                 R"({"DownstreamStatus":"503","Duration":"1000000000"})",
                 true,
                 {.status = "503", .request_time = 1}},
        LineCase{"duration of the wrong type", "json:traefik",
                 R"({"DownstreamStatus":200,"Duration":[1]})", false}),
    [](const ::testing::TestParamInfo<LineCase>& param_info) {
      return TestName(param_info.param.name);
    });

// Caddy's structured access log (logger http.log.access): request details nested under
// "request", headers as arrays, duration in seconds as a float.
INSTANTIATE_TEST_SUITE_P(
    Caddy, JsonPresetTest,
    ::testing::Values(
        LineCase{"handled request",
                 "json:caddy",
                 R"({"level":"info","ts":1791640536.1234,"logger":"http.log.access.log0",)"
                 R"("msg":"handled request","request":{"remote_ip":"192.0.2.30",)"
                 R"("remote_port":"51712","client_ip":"192.0.2.30","proto":"HTTP/2.0",)"
                 R"("method":"GET","host":"shop.example.com","uri":"/cart?item=7",)"
                 R"x("headers":{"Accept":["*/*"],"User-Agent":["Mozilla/5.0 (X11; Linux)"],)x"
                 R"("Referer":["https://shop.example.com/"]},"tls":{"resumed":false,)"
                 R"("version":772,"cipher_suite":4865,"proto":"h2",)"
                 R"("server_name":"shop.example.com"}},"bytes_read":0,"user_id":"",)"
                 R"("duration":0.001843211,"size":5120,"status":200,)"
                 R"("resp_headers":{"Server":["Caddy"],"Content-Type":["text/html"]}})",
                 true,
                 {.status = "200",
                  .method = "GET",
                  .path = "/cart?item=7",
                  .protocol = "HTTP/2.0",
                  .host = "shop.example.com",
                  .remote_addr = "192.0.2.30",
                  .referer = "https://shop.example.com/",
                  .user_agent = "Mozilla/5.0 (X11; Linux)",
                  .bytes = 5120,
                  .request_time = 0.001843211}},
        LineCase{"older caddy: remote_ip only, no headers",
                 "json:caddy",
                 R"({"request":{"remote_ip":"2001:db8::30","method":"DELETE","uri":"/a",)"
                 R"("host":"h"},"status":403,"size":0,"duration":0.0002})",
                 true,
                 {.status = "403",
                  .method = "DELETE",
                  .path = "/a",
                  .host = "h",
                  .remote_addr = "2001:db8::30",
                  .bytes = 0,
                  .request_time = 0.0002}},
        LineCase{"second user agent value is not used",
                 "json:caddy",
                 R"({"request":{"headers":{"User-Agent":["first","second"]}},"status":200})",
                 true,
                 {.status = "200", .user_agent = "first"}},
        LineCase{"headers of the wrong shape",
                 "json:caddy",
                 R"({"request":{"headers":{"User-Agent":"not-an-array"}},"status":200})",
                 true,
                 {.status = "200"}},
        LineCase{"a caddy info line without status", "json:caddy",
                 R"({"level":"info","ts":1791640536.1,"logger":"tls","msg":"certificate renewed"})",
                 false}),
    [](const ::testing::TestParamInfo<LineCase>& param_info) {
      return TestName(param_info.param.name);
    });

TEST(JsonLinesTest, UserMapReplacesThePreset) {
  JsonFieldMap map;
  map.status = "/code";
  map.method = "/req/verb";
  map.path = "/a~1b";
  map.request_time = "/took";
  map.request_time_to_seconds = 1e-3;
  std::string error;
  auto parser = JsonLinesParser::ForMap(map, &error);
  ASSERT_NE(parser, nullptr) << error;
  Fields f;
  ASSERT_EQ(parser->Parse(R"({"code":"503","req":{"verb":"PUT"},"a/b":"/x","took":"12.5"})", &f),
            ParseResult::kOk);
  EXPECT_EQ(f.status, "503");
  EXPECT_EQ(f.method, "PUT");
  EXPECT_EQ(f.path, "/x");
  EXPECT_DOUBLE_EQ(f.request_time, 0.0125);
  const FormatCapabilities c = parser->capabilities();
  EXPECT_TRUE(c.request_time);
  EXPECT_FALSE(c.upstream_time || c.body_bytes || c.host);
}

TEST(JsonLinesTest, KeysAreComparedUnescaped) {
  JsonFieldMap map;
  map.status = "/status";
  map.method = "/a\\b";    // the key a\b (one backslash)
  map.path = "/p\"q";      // the key p"q
  map.host = "/h\\u0041";  // the key h\u0041, literally
  std::string error;
  auto parser = JsonLinesParser::ForMap(map, &error);
  ASSERT_NE(parser, nullptr) << error;
  Fields f;
  // "stat\u0075s" is "status"; "a\\b" is a\b; "p\"q" is p"q; "h\\u0041" is h\u0041, while
  // "h\u0041" (hA) is another key.
  ASSERT_EQ(parser->Parse(R"({"stat\u0075s":"201","a\\b":"GET","p\"q":"/x","hA":"no",)"
                          R"("h\\u0041":"yes"})",
                          &f),
            ParseResult::kOk);
  EXPECT_EQ(f.status, "201");
  EXPECT_EQ(f.method, "GET");
  EXPECT_EQ(f.path, "/x");
  EXPECT_EQ(f.host, "yes");
  // A raw key that looks like a wanted key only before unescaping is not that key.
  ASSERT_EQ(parser->Parse(R"({"status":"200","a\\\\b":"POST","h\u0041":"no"})", &f),
            ParseResult::kOk);
  EXPECT_EQ(f.method, "");
  EXPECT_EQ(f.host, "");
}

TEST(JsonLinesTest, ManyKeysInOneObject) {
  // More wanted keys in one object than the hash table's first size, and the first of
  // duplicate keys wins.
  std::string error;
  auto parser = JsonLinesParser::ForPreset("json", &error);
  ASSERT_NE(parser, nullptr) << error;
  std::string line = "{";
  for (int i = 0; i < 100; ++i) line += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  line += R"("status":404,"status":500,"host":"h","http_host":"g","server_name":"s"})";
  Fields f;
  ASSERT_EQ(parser->Parse(line, &f), ParseResult::kOk);
  EXPECT_EQ(f.status, "404");
  EXPECT_EQ(f.host, "h");
}

TEST(JsonLinesTest, MapErrorsNameTheField) {
  std::string error;
  JsonFieldMap no_status;
  no_status.method = "/method";
  EXPECT_EQ(JsonLinesParser::ForMap(no_status, &error), nullptr);
  EXPECT_NE(error.find("status"), std::string::npos) << error;

  JsonFieldMap bad_pointer;
  bad_pointer.status = "/status";
  bad_pointer.host = "host";
  EXPECT_EQ(JsonLinesParser::ForMap(bad_pointer, &error), nullptr);
  EXPECT_NE(error.find("JSON field host: 'host'"), std::string::npos) << error;

  JsonFieldMap bad_escape;
  bad_escape.status = "/a~2";
  EXPECT_EQ(JsonLinesParser::ForMap(bad_escape, &error), nullptr);
  EXPECT_NE(error.find("'/a~2'"), std::string::npos) << error;

  JsonFieldMap bad_factor;
  bad_factor.status = "/status";
  bad_factor.request_time_to_seconds = 0;
  EXPECT_EQ(JsonLinesParser::ForMap(bad_factor, &error), nullptr);
  EXPECT_NE(error.find("factor"), std::string::npos) << error;
}

TEST(JsonLinesTest, UnknownPresetIsNamed) {
  std::string error;
  EXPECT_EQ(JsonLinesParser::ForPreset("json:haproxy", &error), nullptr);
  EXPECT_NE(error.find("json:haproxy"), std::string::npos) << error;
}

TEST(JsonLinesTest, ViewsPointIntoTheParsersBuffers) {
  std::string error;
  auto parser = JsonLinesParser::ForPreset("json", &error);
  ASSERT_NE(parser, nullptr);
  Fields f;
  const std::string line = R"({"status":"200","http_user_agent":"a\"b","host":"h"})";
  ASSERT_EQ(parser->Parse(line, &f), ParseResult::kOk);
  EXPECT_TRUE(parser->OwnsView(f.status));
  EXPECT_TRUE(parser->OwnsView(f.user_agent));  // unescaped copy
  EXPECT_TRUE(parser->OwnsView(f.host));        // view into the padded line copy
  EXPECT_EQ(f.user_agent, "a\"b");
}

TEST(JsonLinesTest, LongLinesGrowTheBuffersAndStillParse) {
  std::string error;
  auto parser = JsonLinesParser::ForPreset("json", &error);
  ASSERT_NE(parser, nullptr);
  const std::string agent(100000, 'a');
  Fields f;
  ASSERT_EQ(parser->Parse(R"({"status":"200","http_user_agent":")" + agent + "\"}", &f),
            ParseResult::kOk);
  EXPECT_EQ(f.user_agent.size(), agent.size());
  ASSERT_EQ(parser->Parse(R"({"status":"201"})", &f), ParseResult::kOk);
  EXPECT_EQ(f.status, "201");
}

TEST(JsonLinesTest, CapabilitiesOfThePresets) {
  std::string error;
  const FormatCapabilities nginx = JsonLinesParser::ForPreset("json", &error)->capabilities();
  EXPECT_TRUE(nginx.request_time && nginx.upstream_time && nginx.body_bytes && nginx.method &&
              nginx.path && nginx.host);
  const FormatCapabilities caddy = JsonLinesParser::ForPreset("json:caddy", &error)->capabilities();
  EXPECT_TRUE(caddy.request_time);
  EXPECT_FALSE(caddy.upstream_time);
}

}  // namespace
}  // namespace accesslog
