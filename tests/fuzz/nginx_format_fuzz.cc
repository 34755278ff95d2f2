// libFuzzer target: the nginx log_format compiler and its compiled parsers on arbitrary bytes.
// Two things are fuzzed at once: fixed, realistic formats parse the whole input as a line; and
// when the input holds a newline, the text before it is compiled as a format (errors are fine)
// and the text after it parsed with that format. Whatever the input, Compile and Parse return,
// every view in Fields lies inside the line, numbers are absent (-1) or non-negative, and an
// accepted line's client address is one as the servers write it (IsClientAddress).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "fields_check.h"
#include "parse/nginx_format.h"

namespace {

using accesslog::fuzz::ParseAndCheck;

auto MustCompile(const char* format) {
  return accesslog::fuzz::MustCompile<accesslog::NginxFormatParser>(format);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static auto combined = MustCompile(
      R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent )"
      R"("$http_referer" "$http_user_agent")");
  static auto timed = MustCompile(
      R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent )"
      R"("$http_referer" "$http_user_agent" rt=$request_time urt="$upstream_response_time" )"
      R"(uct="$upstream_connect_time" ua="$upstream_addr" $host)");
  static auto json = MustCompile(
      R"(log_format j escape=json '{"s":"$status","u":"$request_uri","rt":$request_time,' )"
      R"('"urt":"$upstream_response_time","b":$body_bytes_sent}';)");
  static auto adjacent = MustCompile("$status$request_time$uri$args$bytes_sent");
  static auto ingress = MustCompile(std::string(accesslog::kIngressNginxFormat).c_str());
  for (auto* p : {combined.get(), timed.get(), json.get(), adjacent.get(), ingress.get()}) {
    ParseAndCheck(p, input, /*address=*/true);
  }

  const size_t newline = input.find('\n');
  if (newline != std::string_view::npos && newline <= 512) {
    std::string error;
    auto compiled = accesslog::NginxFormatParser::Compile(input.substr(0, newline), &error);
    if (compiled) {
      ParseAndCheck(compiled.get(), input.substr(newline + 1), /*address=*/true);
    } else if (error.empty()) {
      std::abort();  // a refusal must say why
    }
  }
  return 0;
}
