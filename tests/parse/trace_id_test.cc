// exemplars.trace_id in each parser that carries one: an nginx variable ($request_id, and
// $http_traceparent reduced to its trace id), a JSON pointer (and a traceparent under one), a
// regex's trace_id group; the formats that carry none refuse it; W3C traceparent parsing.
#include "parse/trace_id.h"

#include <gtest/gtest.h>

#include "parse/parser.h"

namespace accesslog {
namespace {

constexpr std::string_view kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";

std::string Traceparent(std::string_view version = "00", std::string_view trace = kTrace) {
  return std::string(version) + "-" + std::string(trace) + "-00f067aa0ba902b7-01";
}

TEST(TraceIdTest, TraceIdOfTraceparent) {
  EXPECT_EQ(TraceIdOfTraceparent(Traceparent()), kTrace);
  // A later version may append fields after a dash.
  EXPECT_EQ(TraceIdOfTraceparent(Traceparent("01") + "-what-comes"), kTrace);
  EXPECT_EQ(TraceIdOfTraceparent(Traceparent("01")), kTrace);
  for (const std::string& bad : {
           Traceparent("ff"),                                      // forbidden version
           Traceparent("00") + "-x",                               // version 00 is exactly 55
           Traceparent("00", "00000000000000000000000000000000"),  // all-zero trace id
           Traceparent("00", "4BF92F3577B34DA6A3CE929D0E0E4736"),  // upper case
           Traceparent("0g"),
           std::string("00-4bf92f3577b34da6a3ce929d0e0e4736"),
           std::string("-"),
           std::string(),
           std::string("00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01"),
       }) {
    EXPECT_EQ(TraceIdOfTraceparent(bad), "") << bad;
  }
}

// A copy: the views die with the parser.
// Every byte at every hex position: accepted exactly when it is 0-9 or a-f.
TEST(TraceIdTest, EveryByteAtEveryHexPosition) {
  const std::string good = Traceparent();
  for (size_t at = 3; at < good.size(); ++at) {
    if (at == 35 || at == 52) continue;
    for (int b = 0; b < 256; ++b) {
      std::string v = good;
      v[at] = static_cast<char>(b);
      const bool hex = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f');
      EXPECT_EQ(!TraceIdOfTraceparent(v).empty(), hex) << at << " " << b;
    }
  }
}

std::string TraceOf(const FormatSpec& spec, std::string_view line, Fields* f) {
  std::string error;
  auto p = MakeParser(spec, &error);
  EXPECT_NE(p, nullptr) << error;
  if (!p) return "(no parser)";
  EXPECT_EQ(p->Parse(line, f), ParseResult::kOk) << line;
  return std::string(f->trace_id);
}

TEST(TraceIdTest, NginxVariable) {
  Fields f;
  const std::string format = "$status $request_time $request_id";
  EXPECT_EQ(TraceOf({.format = format, .trace_id = "$request_id"}, "200 0.1 abc123", &f), "abc123");
  EXPECT_EQ(TraceOf({.format = format, .trace_id = "$request_id"}, "200 0.1 -", &f), "");
  EXPECT_EQ(TraceOf({.format = format}, "200 0.1 abc123", &f), "") << "not asked for";
  // ${name} and any case, as nginx reads variable names.
  EXPECT_EQ(TraceOf({.format = "$status ${REQ_ID}", .trace_id = "${req_id}"}, "200 x1", &f), "x1");
  const std::string tp_format = "$status \"$http_traceparent\"";
  EXPECT_EQ(TraceOf({.format = tp_format, .trace_id = "$http_traceparent"},
                    "200 \"" + Traceparent() + "\"", &f),
            kTrace);
  EXPECT_EQ(TraceOf({.format = tp_format, .trace_id = "$http_traceparent"}, "200 \"junk\"", &f),
            "");
  std::string error;
  EXPECT_EQ(MakeParser({.format = format, .trace_id = "$http_traceparent"}, &error), nullptr);
  EXPECT_NE(error.find("exemplars.trace_id: the log_format does not write $http_traceparent"),
            std::string::npos)
      << error;
}

TEST(TraceIdTest, JsonPointer) {
  Fields f;
  EXPECT_EQ(TraceOf({.format = "json", .trace_id = "/trace_id"},
                    R"({"status":200,"trace_id":"abc"})", &f),
            "abc");
  EXPECT_EQ(
      TraceOf({.format = "json:envoy", .trace_id = "/headers/traceparent"},
              R"({"response_code":200,"headers":{"traceparent":")" + Traceparent() + "\"}}", &f),
      kTrace);
  // Not a string: no trace id, the line still counts.
  EXPECT_EQ(
      TraceOf({.format = "json", .trace_id = "/trace_id"}, R"({"status":200,"trace_id":5})", &f),
      "");
  std::string error;
  EXPECT_EQ(MakeParser({.format = "json", .trace_id = "trace_id"}, &error), nullptr);
  EXPECT_NE(error.find("a JSON pointer such as /trace_id"), std::string::npos) << error;
}

TEST(TraceIdTest, RegexGroup) {
  Fields f;
  const std::string pattern = R"(regex:^(?P<status>\d+) (?P<trace_id>\S+)$)";
  EXPECT_EQ(TraceOf({.format = pattern, .trace_id = "trace_id"}, "200 t-1", &f), "t-1");
  EXPECT_EQ(TraceOf({.format = pattern}, "200 t-1", &f), "") << "not asked for";
  std::string error;
  EXPECT_EQ(MakeParser({.format = R"(regex:^(?P<status>\d+))", .trace_id = "trace_id"}, &error),
            nullptr);
  EXPECT_NE(error.find("no (?P<trace_id>...) group"), std::string::npos) << error;
  EXPECT_EQ(MakeParser({.format = pattern, .trace_id = "tid"}, &error), nullptr);
}

TEST(TraceIdTest, FormatsWithoutTraceIdsRefuseIt) {
  std::string error;
  EXPECT_EQ(MakeParser({.format = "combined", .trace_id = "$request_id"}, &error), nullptr);
  EXPECT_NE(error.find("carries no trace id"), std::string::npos) << error;
  EXPECT_EQ(MakeParser({.format = "%h %>s %b", .trace_id = "x"}, &error), nullptr);
}

}  // namespace
}  // namespace accesslog
