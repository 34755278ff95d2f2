// Stage: fields. The JSON text helpers of the JSON lines parser (json_lines.h): JSON pointers
// (RFC 6901), string unescaping into UTF-8, and a raw token's type. No state, no allocation
// but the pointer's tokens.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace accesslog::json_text {

// JSON's insignificant whitespace: space, tab, LF, CR.
[[nodiscard]] inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// RFC 6901: "/a~1b/0" -> {"a/b", "0"}. Returns false on a bad ~ escape.
[[nodiscard]] bool SplitPointer(std::string_view pointer, std::vector<std::string>* tokens);

// Whether a pointer token is an array index ("0", "12"; no leading zero, no sign); sets *index.
[[nodiscard]] bool IsIndex(std::string_view token, size_t* index);

// JSON string escapes -> UTF-8, written at dst (which has room for src.size() bytes: no escape
// is shorter than what it stands for). A lone surrogate becomes U+FFFD. Returns the end of what
// was written, or nullptr on a bad escape.
[[nodiscard]] char* Unescape(std::string_view src, char* dst);

// The type of the value whose raw token this is, from its first byte, as simdjson's
// value::type() decides it (the rest of the token is checked where it is used). False for a
// byte no JSON value starts with.
[[nodiscard]] bool TypeOf(std::string_view token, simdjson::ondemand::json_type* type);

// A cheap hash of an object key for the per-node tables: its length, first and last two bytes
// (the keys of one object rarely agree on all four). A collision costs one more comparison.
inline uint32_t KeyHash(std::string_view key) {
  const size_t n = key.size();
  const auto byte = [&key](size_t i) {
    return static_cast<uint32_t>(static_cast<uint8_t>(key[i]));
  };
  const uint32_t h =
      n < 2 ? static_cast<uint32_t>(n) | (n == 1 ? byte(0) << 8 : 0)
            : static_cast<uint32_t>(n) | byte(0) << 8 | byte(n - 1) << 16 | byte(n - 2) << 24;
  return h * 0x9E3779B1u;
}

// Equality of two byte ranges of the same (short) length, inline and with few branches: keys are
// about ten bytes, for which a call to memcmp costs more than the comparison. Overlapping loads
// never read outside either range.
inline bool SameBytes(const char* a, const char* b, size_t n) {
  const auto load64 = [](const char* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  };
  const auto load32 = [](const char* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  };
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8) {
      if (load64(a + i) != load64(b + i)) return false;
    }
    return load64(a + n - 8) == load64(b + n - 8);
  }
  if (n >= 4) return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
  return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
}

}  // namespace accesslog::json_text
