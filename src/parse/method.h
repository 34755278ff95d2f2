// Stage: fields. The request method of a line, as a small enum: the methods HTTP defines by their
// exact, case-sensitive names (as servers log them), anything else kOther. The `method` label,
// the OpenAPI matcher (an operation per method) and analyze read it.
//
// Thread-safety: no state.
#pragma once

#include <cstdint>
#include <string_view>

namespace accesslog {

enum class Method : uint8_t {
  kGet,
  kHead,
  kPost,
  kPut,
  kDelete,
  kPatch,
  kOptions,
  kConnect,
  kTrace,
  kOther,
};
inline constexpr int kNumMethods = 10;

// Known methods by exact, case-sensitive name (as servers log them); anything else is kOther.
[[nodiscard]] Method ParseMethod(std::string_view name);
[[nodiscard]] std::string_view MethodName(Method m);

}  // namespace accesslog
