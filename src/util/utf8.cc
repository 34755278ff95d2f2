#include "util/utf8.h"

namespace accesslog {
namespace {

// The length of the well-formed UTF-8 sequence that starts `s` (non-empty), or 0 when it is
// ill-formed; then *bad is the length of its maximal subpart, the bytes one U+FFFD replaces.
// The byte ranges are those of the Unicode standard's table of well-formed sequences (3-7).
size_t WellFormedPrefix(std::string_view s, size_t* bad) {
  const auto lead = static_cast<unsigned char>(s[0]);
  if (lead < 0x80) return 1;
  size_t continuation = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the first continuation byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    continuation = 2;
    if (lead == 0xE0) lo = 0xA0;  // no overlong forms
    if (lead == 0xED) hi = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    continuation = 3;
    if (lead == 0xF0) lo = 0x90;  // no overlong forms
    if (lead == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
  } else {
    *bad = 1;  // a continuation byte, an overlong lead (C0, C1) or F5..FF
    return 0;
  }
  for (size_t i = 1; i <= continuation; ++i) {
    const auto b = i < s.size() ? static_cast<unsigned char>(s[i]) : 0;
    if (b < lo || b > hi) {
      *bad = i;
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return continuation + 1;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t bad = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t n = WellFormedPrefix(s.substr(i), &bad);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string ToValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t bad = 0;
    if (const size_t n = WellFormedPrefix(s.substr(i), &bad); n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
      i += bad;
    }
  }
  return out;
}

}  // namespace accesslog
