#include "report/text_format.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace accesslog {
namespace {

// The length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one (stray
// continuation bytes, overlong forms, surrogates, code points past U+10FFFF, truncation).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b1 < lo || b1 > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < 0x80 || b > 0xBF) return 0;
  }
  return n;
}

}  // namespace

std::string FormatPercent(double ratio) {
  char buf[32];
  const double pct = ratio * 100;
  std::snprintf(buf, sizeof buf, pct > 0 && pct < 0.01 ? "%.4f%%" : "%.2f%%", pct);
  return buf;
}

std::string FormatBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf,
                v < 10    ? "%.2f %s"
                : v < 100 ? "%.1f %s"
                          : "%.0f %s",
                v, kUnits[unit]);
  return buf;
}

std::string FormatSeconds(double seconds) {
  char buf[32];
  const double ms = seconds * 1000;
  if (seconds == 0) return "0 ms";
  if (ms < 1) {
    std::snprintf(buf, sizeof buf, "%.3f ms", ms);
  } else if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f s", seconds);
  }
  return buf;
}

std::string EscapeSample(std::string_view line, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(line.size(), max_bytes) + 16);
  size_t i = 0;
  while (i < line.size() && i < max_bytes) {
    const auto c = static_cast<unsigned char>(line[i]);
    char hex[8];
    if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (c == '\\') {
      out += "\\\\";
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
      ++i;
    } else if (const size_t n = Utf8SequenceLength(line, i); n == 0) {
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
      ++i;
    } else if (i + n > max_bytes) {
      break;  // do not cut a character in two
    } else {
      out.append(line.substr(i, n));
      i += n;
    }
  }
  if (i < line.size()) out += "...";
  return out;
}

size_t DisplayWidth(std::string_view utf8) {
  size_t n = 0;
  for (char c : utf8) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string TruncateDisplay(std::string_view utf8, size_t max_width) {
  if (DisplayWidth(utf8) <= max_width) return std::string(utf8);
  const size_t keep = max_width > 3 ? max_width - 3 : 0;
  size_t width = 0, i = 0;
  for (; i < utf8.size(); ++i) {
    if ((static_cast<unsigned char>(utf8[i]) & 0xC0) != 0x80) {
      if (width == keep) break;
      ++width;
    }
  }
  return std::string(utf8.substr(0, i)) + "...";
}

}  // namespace accesslog
