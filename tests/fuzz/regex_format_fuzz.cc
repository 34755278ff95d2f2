// libFuzzer target: the RE2 named-group parser on arbitrary bytes, with fixed patterns that use
// every group name, plus (when the input holds a newline and a short first line) that first line
// compiled as a pattern. Whatever the input, Compile and Parse return, every view in Fields lies
// inside the line, and numbers are absent (-1) or non-negative.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "parse/regex_format.h"

namespace {

void CheckFields(const accesslog::Fields& f, std::string_view line) {
  for (std::string_view v : {f.status, f.remote_addr, f.remote_user, f.time_local, f.request,
                             f.method, f.path, f.protocol, f.host, f.referer, f.user_agent}) {
    if (v.empty()) continue;
    if (v.data() < line.data() || v.data() + v.size() > line.data() + line.size()) std::abort();
  }
  for (double d : {f.request_time, f.upstream_time}) {
    if (!(d == -1 || (d >= 0 && std::isfinite(d)))) std::abort();
  }
  if (f.body_bytes < -1) std::abort();
}

void ParseAndCheck(accesslog::Parser* parser, std::string_view line) {
  accesslog::Fields f;
  if (parser->Parse(line, &f) == accesslog::ParseResult::kOk) CheckFields(f, line);
}

std::unique_ptr<accesslog::RegexParser> MustCompile(const char* pattern) {
  std::string error;
  auto p = accesslog::RegexParser::Compile(pattern, &error);
  if (!p) std::abort();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static auto all_groups = MustCompile(
      R"re(regex:^(?P<remote_addr>\S*) (?P<remote_user>\S*) \[(?P<time_local>[^]]*)\] )re"
      R"re("(?P<request>[^"]*)" (?P<status>\S+) (?P<bytes>\S+) "(?P<referer>[^"]*)" )re"
      R"re("(?P<user_agent>[^"]*)" (?P<host>\S*) (?P<method>\S*) (?P<path>\S*) )re"
      R"re((?P<protocol>\S*) (?P<request_time>\S*) (?P<upstream_time>[^|]*)\|)re"
      R"re((?P<request_time_ms>\S*)?)re");
  static auto loose = MustCompile(
      R"re((?P<status>\d+)?.*?(?P<request_time_us>[\d.e+-]+)?(?:us)?(?P<upstream_time_ms>.*))re");
  for (auto* p : {all_groups.get(), loose.get()}) ParseAndCheck(p, input);

  const size_t newline = input.find('\n');
  if (newline != std::string_view::npos && newline <= 128) {
    std::string error;
    auto compiled = accesslog::RegexParser::Compile(input.substr(0, newline), &error);
    if (compiled) {
      ParseAndCheck(compiled.get(), input.substr(newline + 1));
    } else if (error.empty()) {
      std::abort();
    }
  }
  return 0;
}
