// Parser tests: what a table row expects a line to give, checked field by field in one place,
// and readable names for the rows of a parameterised suite.
//
//   struct LineCase { const char* name; std::string line; bool ok; Want want = {}; };
//   LineCase{"proxied request", line, true, {.status = "200", .method = "GET", .bytes = 512}};
//   ...
//   if (c.ok) ExpectFields(f, c.want);
//   INSTANTIATE_TEST_SUITE_P(Lines, MyTest, ::testing::Values(...),
//                            [](const auto& info) { return TestName(info.param.name); });
//
// A field a row leaves out is expected empty ("") or absent (-1), so a row states every field
// the parser fills for that line.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include "parse/fields.h"

namespace accesslog::parse_test {

// The expected Fields of one line. Designated initializers must name the members in this order.
struct Want {
  std::string status, method, path, protocol, host, remote_addr, remote_user, time_local, referer,
      user_agent, request;
  int64_t bytes = -1;
  double request_time = -1;
  double upstream_time = -1;
};

// Whether ExpectFields compares Fields::request, the raw request line. Parsers that split it
// fill it beside method/path/protocol; a suite whose rows state only the split parts ignores it.
enum class RequestLine { kCompared, kIgnored };

// A duration: absent is exactly -1; a value is compared as a double (4 ULPs).
inline void ExpectSeconds(const char* name, double got, double want) {
  if (want == -1) {
    EXPECT_EQ(got, -1) << name;
  } else {
    EXPECT_DOUBLE_EQ(got, want) << name;
  }
}

// Expects every field of `f` to be as `w` says (see RequestLine for the one exception).
inline void ExpectFields(const Fields& f, const Want& w,
                         RequestLine request = RequestLine::kCompared) {
  EXPECT_EQ(f.status, w.status);
  EXPECT_EQ(f.method, w.method);
  EXPECT_EQ(f.path, w.path);
  EXPECT_EQ(f.protocol, w.protocol);
  EXPECT_EQ(f.host, w.host);
  EXPECT_EQ(f.remote_addr, w.remote_addr);
  EXPECT_EQ(f.remote_user, w.remote_user);
  EXPECT_EQ(f.time_local, w.time_local);
  EXPECT_EQ(f.referer, w.referer);
  EXPECT_EQ(f.user_agent, w.user_agent);
  if (request == RequestLine::kCompared) {
    EXPECT_EQ(f.request, w.request);
  } else {
    // A row stating what the suite does not compare would pass without being checked.
    EXPECT_EQ(w.request, "") << "this suite ignores the request line; drop .request from the row";
  }
  EXPECT_EQ(f.body_bytes, w.bytes);
  ExpectSeconds("request_time", f.request_time, w.request_time);
  ExpectSeconds("upstream_time", f.upstream_time, w.upstream_time);
}

// A gtest parameter name from a row's description: every character but [A-Za-z0-9] becomes '_'.
inline std::string TestName(std::string_view name) {
  std::string out;
  for (const char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

}  // namespace accesslog::parse_test
