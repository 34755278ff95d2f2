// The upstream fields (Fields::upstream, Fields::upstream_tries) from every format that carries
// them: nginx's variables, the ingress-nginx preset, a JSON pointer and a regex group.
#include <gtest/gtest.h>

#include "parse/nginx_format.h"
#include "parse/parser.h"
#include "parse/values.h"

namespace accesslog {
namespace {

std::unique_ptr<Parser> Make(const std::string& format) {
  std::string error;
  auto p = MakeParser({.format = format}, &error);
  EXPECT_NE(p, nullptr) << format << ": " << error;
  return p;
}

TEST(UpstreamList, LastMemberAndSize) {
  struct Case {
    std::string_view list, last;
    int size;
  };
  const Case cases[] = {
      {"10.0.0.1:80", "10.0.0.1:80", 1},
      {"10.0.0.1:80, 10.0.0.2:80 : 10.0.0.3:80", "10.0.0.3:80", 3},
      {"10.0.0.1:80 : 10.0.0.2:80, 10.0.0.4:80", "10.0.0.4:80", 3},
      {"unix:/run/a.sock, 10.0.0.2:80", "10.0.0.2:80", 2},
      {"10.0.0.1:80, unix:/run/a.sock", "unix:/run/a.sock", 2},
      {"502, 503", "503", 2},
      {"-", "", 0},
      {"", "", 0},
      {" default-api-80 ", "default-api-80", 1},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(UpstreamListLast(c.list), c.last) << c.list;
    EXPECT_EQ(UpstreamListSize(c.list), c.size) << c.list;
  }
}

const char* kTime = "[10/Oct/2026:13:55:36 +0000]";

struct IngressCase {
  const char* name;
  std::string line;
  bool ok;
  std::string status, path, user_agent, upstream;
  int tries = -1;
  double request_time = -1, upstream_time = -1;
  int64_t bytes = -1;
};

class IngressNginxTest : public ::testing::TestWithParam<IngressCase> {};

TEST_P(IngressNginxTest, ParsesTheLine) {
  const IngressCase& c = GetParam();
  auto p = Make("ingress-nginx");
  ASSERT_NE(p, nullptr);
  Fields f;
  ASSERT_EQ(p->Parse(c.line, &f) == ParseResult::kOk, c.ok) << c.line;
  if (!c.ok) return;
  EXPECT_EQ(f.status, c.status);
  EXPECT_EQ(f.method, "GET");
  EXPECT_EQ(f.path, c.path);
  EXPECT_EQ(f.remote_addr, "192.0.2.1");
  EXPECT_EQ(f.user_agent, c.user_agent);
  EXPECT_EQ(f.upstream, c.upstream);
  EXPECT_EQ(f.upstream_tries, c.tries);
  EXPECT_EQ(f.body_bytes, c.bytes);
  EXPECT_DOUBLE_EQ(f.request_time, c.request_time);
  if (c.upstream_time == -1) {
    EXPECT_EQ(f.upstream_time, -1);
  } else {
    EXPECT_DOUBLE_EQ(f.upstream_time, c.upstream_time);
  }
}

std::string Ingress(const std::string& status_on) {
  return std::string("192.0.2.1 - - ") + kTime + " " + status_on;
}

INSTANTIATE_TEST_SUITE_P(
    Lines, IngressNginxTest,
    ::testing::Values(
        IngressCase{"one upstream",
                    Ingress(R"("GET /api/v1/cats HTTP/1.1" 200 612 "-" "curl/8.4.0" 78 0.004 )"
                            R"([default-api-80] [] 10.0.0.7:8080 612 0.004 200 )"
                            R"(7f3a9c0e1d2b4a5f8e6d7c8b9a0f1e2d)"),
                    true, "200", "/api/v1/cats", "curl/8.4.0", "default-api-80", 1, 0.004, 0.004,
                    612},
        IngressCase{"retried: the lists hold ', ' unquoted",
                    Ingress(R"("GET /api HTTP/1.1" 503 19 "-" "k6/0.47" 80 0.010 )"
                            R"([default-api-80] [] 127.0.0.1:1, 10.0.0.8:8080 0, 19 0.000, 0.009 )"
                            R"(502, 503 abc)"),
                    true, "503", "/api", "k6/0.47", "default-api-80", 2, 0.010, 0.009, 19},
        IngressCase{"internal redirect between groups: ' : '",
                    Ingress(R"("GET /x HTTP/1.1" 200 5 "-" "a" 80 0.010 )"
                            R"([default-x-80] [] 10.0.0.1:80 : 10.0.0.2:80 5 : 5 0.001 : 0.002 )"
                            R"(404 : 200 abc)"),
                    true, "200", "/x", "a", "default-x-80", 2, 0.010, 0.003, 5},
        IngressCase{"no upstream: dashes and empty brackets",
                    Ingress(R"("GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.29" 90 0.000 )"
                            R"([] [] - - - - abc)"),
                    true, "200", "/healthz", "kube-probe/1.29", "", 0, 0, -1, 2},
        IngressCase{"no upstream: dash name",
                    Ingress(R"("GET / HTTP/1.1" 404 0 "-" "-" 90 0.000 [-] [-] - - - - )"), true,
                    "404", "/", "", "", 0, 0, -1, 0},
        IngressCase{"a missing field is malformed",
                    Ingress(R"("GET / HTTP/1.1" 404 0 "-" "-" 90 0.000 [-] [-] - - -)"), false}),
    [](const ::testing::TestParamInfo<IngressCase>& param_info) {
      std::string n = param_info.param.name;
      for (char& ch : n) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return n;
    });

TEST(IngressNginx, PresetIsTheUpstreaminfoFormat) {
  std::string error;
  auto preset = MakeParser({.format = "ingress-nginx"}, &error);
  auto pasted = MakeParser({.format = std::string(kIngressNginxFormat)}, &error);
  ASSERT_NE(preset, nullptr);
  ASSERT_NE(pasted, nullptr);
  const FormatCapabilities c = preset->capabilities();
  EXPECT_TRUE(c.upstream);
  EXPECT_TRUE(c.upstream_tries);
  EXPECT_TRUE(c.user_agent && c.referer && c.remote_addr && c.path && c.method);
  EXPECT_TRUE(c.request_time && c.upstream_time && c.body_bytes);
  EXPECT_FALSE(c.host);
}

TEST(NginxUpstream, ProxyUpstreamNameWinsOverUpstreamAddr) {
  // Either order in the format: the name is the label, the address list counts the tries.
  for (const char* format : {"$status $upstream_addr [$proxy_upstream_name]",
                             "$status [$proxy_upstream_name] $upstream_addr"}) {
    auto p = Make(format);
    ASSERT_NE(p, nullptr);
    Fields f;
    const bool addr_first =
        std::string_view(format).find("addr") < std::string_view(format).find("proxy");
    const std::string line = addr_first ? "503 10.0.0.1:80, 10.0.0.2:80 [ns-svc-80]"
                                        : "503 [ns-svc-80] 10.0.0.1:80, 10.0.0.2:80";
    ASSERT_EQ(p->Parse(line, &f), ParseResult::kOk) << format;
    EXPECT_EQ(f.upstream, "ns-svc-80") << format;
    EXPECT_EQ(f.upstream_tries, 2) << format;
  }
}

TEST(NginxUpstream, UpstreamAddrAloneGivesTheLastServer) {
  auto p = Make(R"($status ua="$upstream_addr")");
  ASSERT_NE(p, nullptr);
  Fields f;
  ASSERT_EQ(p->Parse(R"(200 ua="10.0.0.1:80, 10.0.0.2:80 : 10.0.0.3:80")", &f), ParseResult::kOk);
  EXPECT_EQ(f.upstream, "10.0.0.3:80");
  EXPECT_EQ(f.upstream_tries, 3);
}

TEST(NginxUpstream, UpstreamStatusCountsTheTries) {
  auto p = Make("$status $upstream_status $upstream_addr");
  ASSERT_NE(p, nullptr);
  Fields f;
  // $upstream_status wins for the count (here it has one more member than the address list,
  // which a real nginx never writes: it shows which variable counted).
  ASSERT_EQ(p->Parse("200 502, 502, 200 10.0.0.1:80, 10.0.0.2:80", &f), ParseResult::kOk);
  EXPECT_EQ(f.upstream, "10.0.0.2:80");
  EXPECT_EQ(f.upstream_tries, 3);
}

TEST(NginxUpstream, AbsentWithoutTheVariables) {
  auto p = Make("$status $request_time");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->capabilities().upstream);
  EXPECT_FALSE(p->capabilities().upstream_tries);
  Fields f;
  ASSERT_EQ(p->Parse("200 0.001", &f), ParseResult::kOk);
  EXPECT_EQ(f.upstream, "");
  EXPECT_EQ(f.upstream_tries, -1);
}

TEST(JsonUpstream, PresetReadsUpstreamAddr) {
  auto p = Make("json");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->capabilities().upstream);
  Fields f;
  ASSERT_EQ(p->Parse(R"({"status":502,"upstream_addr":"10.0.0.1:80, 10.0.0.2:80"})", &f),
            ParseResult::kOk);
  EXPECT_EQ(f.upstream, "10.0.0.2:80");
  EXPECT_EQ(f.upstream_tries, 2);
  ASSERT_EQ(p->Parse(R"({"status":200,"upstream_addr":"-"})", &f), ParseResult::kOk);
  EXPECT_EQ(f.upstream, "");
  EXPECT_EQ(f.upstream_tries, 0);
  ASSERT_EQ(p->Parse(R"({"status":200})", &f), ParseResult::kOk);
  EXPECT_EQ(f.upstream, "");
  EXPECT_EQ(f.upstream_tries, -1);
}

TEST(JsonUpstream, FieldMapPointer) {
  JsonFieldMap map;
  map.status = "/s";
  map.upstream = "/route/upstream";
  std::string error;
  auto p = MakeParser({.format = "json", .json_fields = map}, &error);
  ASSERT_NE(p, nullptr) << error;
  Fields f;
  ASSERT_EQ(p->Parse(R"({"s":"200","route":{"upstream":"billing"}})", &f), ParseResult::kOk);
  EXPECT_EQ(f.upstream, "billing");
  EXPECT_EQ(f.upstream_tries, 1);
}

TEST(RegexUpstream, NamedGroup) {
  auto p = Make(R"(regex:^(?P<status>\d{3}) up=(?P<upstream>.*)$)");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->capabilities().upstream);
  Fields f;
  ASSERT_EQ(p->Parse("503 up=10.0.0.1:80, 10.0.0.2:80", &f), ParseResult::kOk);
  EXPECT_EQ(f.upstream, "10.0.0.2:80");
  EXPECT_EQ(f.upstream_tries, 2);
  ASSERT_EQ(p->Parse("200 up=-", &f), ParseResult::kOk);
  EXPECT_EQ(f.upstream, "");
  EXPECT_EQ(f.upstream_tries, 0);
}

}  // namespace
}  // namespace accesslog
