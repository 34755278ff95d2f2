#include "parse/method.h"

namespace accesslog {
namespace {

constexpr std::string_view kMethodNames[kNumMethods] = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "OTHER"};

}  // namespace

Method ParseMethod(std::string_view name) {
  for (int i = 0; i < kNumMethods - 1; ++i) {
    if (name == kMethodNames[i]) return static_cast<Method>(i);
  }
  return Method::kOther;
}

std::string_view MethodName(Method m) { return kMethodNames[static_cast<int>(m)]; }

}  // namespace accesslog
