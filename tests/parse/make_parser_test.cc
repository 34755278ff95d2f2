// MakeParser's dispatch rules (parser.h): which parser each --log.format value gets, and the
// errors for values it cannot use.
#include <gtest/gtest.h>

#include <cctype>

#include "parse/apache_format.h"
#include "parse/combined.h"
#include "parse/json_lines.h"
#include "parse/nginx_format.h"
#include "parse/parser.h"
#include "parse/regex_format.h"

namespace accesslog {
namespace {

enum class Kind { kCombined, kJson, kRegex, kNginx, kApache };

Kind KindOf(Parser* p) {
  if (dynamic_cast<CombinedParser*>(p)) return Kind::kCombined;
  if (dynamic_cast<JsonLinesParser*>(p)) return Kind::kJson;
  if (dynamic_cast<RegexParser*>(p)) return Kind::kRegex;
  if (dynamic_cast<NginxFormatParser*>(p)) return Kind::kNginx;
  return dynamic_cast<ApacheFormatParser*>(p) ? Kind::kApache
                                              : throw std::logic_error("unknown parser");
}

struct DispatchCase {
  const char* name;
  const char* format;
  Kind kind;
};

class MakeParserDispatchTest : public ::testing::TestWithParam<DispatchCase> {};

TEST_P(MakeParserDispatchTest, PicksTheParser) {
  const DispatchCase& c = GetParam();
  std::string error;
  auto parser = MakeParser({.format = c.format}, &error);
  ASSERT_NE(parser, nullptr) << error;
  EXPECT_EQ(KindOf(parser.get()), c.kind);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, MakeParserDispatchTest,
    ::testing::Values(DispatchCase{"combined", "combined", Kind::kCombined},
                      DispatchCase{"common", "common", Kind::kCombined},
                      DispatchCase{"json", "json", Kind::kJson},
                      DispatchCase{"json nginx", "json:nginx", Kind::kJson},
                      DispatchCase{"json envoy", "json:envoy", Kind::kJson},
                      DispatchCase{"json traefik", "json:traefik", Kind::kJson},
                      DispatchCase{"json caddy", "json:caddy", Kind::kJson},
                      DispatchCase{"regex prefix", R"(regex:^(?P<status>\d+)$)", Kind::kRegex},
                      DispatchCase{"named group without prefix",
                                   R"(^(?P<status>\d+) \$ (?P<path>\S+)$)", Kind::kRegex},
                      DispatchCase{"nginx variables", "$remote_addr [$time_local] $status",
                                   Kind::kNginx},
                      DispatchCase{"nginx braces", "${status}", Kind::kNginx},
                      DispatchCase{"nginx with a percent literal", "$status 100%", Kind::kNginx},
                      DispatchCase{"nginx directive", "log_format main '$status';", Kind::kNginx},
                      DispatchCase{"apache", R"(%h %l %u %t "%r" %>s %b)", Kind::kApache},
                      DispatchCase{"apache with a dollar literal", R"(%>s $5)", Kind::kApache}),
    [](const ::testing::TestParamInfo<DispatchCase>& param_info) {
      std::string out;
      for (const char* p = param_info.param.name; *p; ++p) {
        out += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
      }
      return out;
    });

struct ErrorCase {
  const char* format;
  const char* message;
};

class MakeParserErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(MakeParserErrorTest, NamesTheValueAndTheReason) {
  const ErrorCase& c = GetParam();
  std::string error;
  EXPECT_EQ(MakeParser({.format = c.format}, &error), nullptr);
  EXPECT_NE(error.find(c.message), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(
    Formats, MakeParserErrorTest,
    ::testing::Values(ErrorCase{"ltsv", "unknown log format 'ltsv'"},
                      ErrorCase{"", "unknown log format ''"},
                      ErrorCase{"json:haproxy", "unknown JSON preset 'json:haproxy'"},
                      ErrorCase{"$remote_addr ${status",
                                "nginx log_format '$remote_addr ${status': "
                                "unterminated ${ at column 14"},
                      ErrorCase{R"(%h "%{Referer)",
                                R"(Apache LogFormat '%h "%{Referer': unterminated %{ at column 5)"},
                      ErrorCase{"%h %b", "no %s or %>s"},
                      ErrorCase{R"(regex:(?P<path>\S+))", "no (?P<status>...) group"},
                      ErrorCase{R"(regex:(?P<status>\d+)(?P<path>[)", "invalid regex"}));

TEST(MakeParserTest, JsonFieldsReplaceThePreset) {
  JsonFieldMap map;
  map.status = "/code";
  std::string error;
  auto parser = MakeParser({.format = "json:caddy", .json_fields = map}, &error);
  ASSERT_NE(parser, nullptr) << error;
  Fields f;
  ASSERT_EQ(parser->Parse(R"({"code":418,"status":200})", &f), ParseResult::kOk);
  EXPECT_EQ(f.status, "418");
}

TEST(MakeParserTest, JsonFieldsDoNotHideAnUnknownPreset) {
  JsonFieldMap map;
  map.status = "/code";
  std::string error;
  EXPECT_EQ(MakeParser({.format = "json:cadddy", .json_fields = map}, &error), nullptr);
  EXPECT_NE(error.find("json:cadddy"), std::string::npos) << error;
}

TEST(MakeParserTest, JsonFieldsNeedAJsonFormat) {
  JsonFieldMap map;
  map.status = "/code";
  std::string error;
  EXPECT_EQ(MakeParser({.format = "combined", .json_fields = map}, &error), nullptr);
  EXPECT_NE(error.find("'combined' is not json"), std::string::npos) << error;
}

}  // namespace
}  // namespace accesslog
