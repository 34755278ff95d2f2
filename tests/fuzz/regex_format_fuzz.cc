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

#include "fields_check.h"
#include "parse/regex_format.h"

namespace {

using accesslog::fuzz::ParseAndCheck;

auto MustCompile(const char* format) {
  return accesslog::fuzz::MustCompile<accesslog::RegexParser>(format);
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
