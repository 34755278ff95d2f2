// libFuzzer target: the Apache LogFormat compiler and its compiled parsers on arbitrary bytes.
// Fixed, realistic formats parse the whole input as a line; when the input holds a newline, the
// text before it is compiled as a format (errors are fine) and the text after it parsed with it.
// Whatever the input, Compile and Parse return, every view in Fields lies inside the line,
// numbers are absent (-1) or non-negative, and an accepted line's client address is one as the
// servers write it (IsClientAddress).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "fields_check.h"
#include "parse/apache_format.h"

namespace {

using accesslog::fuzz::ParseAndCheck;

auto MustCompile(const char* format) {
  return accesslog::fuzz::MustCompile<accesslog::ApacheFormatParser>(format);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static auto combined_d =
      MustCompile(R"(%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" %D)");
  static auto vhost = MustCompile(R"(%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\")");
  static auto adjacent = MustCompile(R"(%>s%{ms}T%U%q%B %{us}T)");
  for (auto* p : {combined_d.get(), vhost.get(), adjacent.get()})
    ParseAndCheck(p, input, /*address=*/true);

  const size_t newline = input.find('\n');
  if (newline != std::string_view::npos && newline <= 512) {
    std::string error;
    auto compiled = accesslog::ApacheFormatParser::Compile(input.substr(0, newline), &error);
    if (compiled) {
      ParseAndCheck(compiled.get(), input.substr(newline + 1), /*address=*/true);
    } else if (error.empty()) {
      std::abort();  // a refusal must say why
    }
  }
  return 0;
}
