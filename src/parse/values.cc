#include "parse/values.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <system_error>

namespace accesslog {

namespace {

// Character classes of a client address, one bit each, for one pass over the token.
enum : uint8_t {
  kDigit = 1,
  kHexLetter = 2,    // a-f, A-F
  kOtherLetter = 4,  // g-z, G-Z
  kDot = 8,
  kColon = 16,
  kNameMark = 32,  // '-', '_'
  kPercent = 64,   // an IPv6 zone follows
  kOther = 128,    // anything else: never in an address
};

constexpr std::array<uint8_t, 256> MakeAddressClasses() {
  std::array<uint8_t, 256> t{};
  for (auto& c : t) c = kOther;
  for (int c = '0'; c <= '9'; ++c) t[c] = kDigit;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = c <= 'f' ? kHexLetter : kOtherLetter;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = c <= 'F' ? kHexLetter : kOtherLetter;
  t['.'] = kDot;
  t[':'] = kColon;
  t['-'] = kNameMark;
  t['_'] = kNameMark;
  t['%'] = kPercent;
  return t;
}
constexpr std::array<uint8_t, 256> kAddressClasses = MakeAddressClasses();

// An IPv6 address (hex digits and at least two colons, maybe an IPv4 tail) with a zone after
// '%' (letters, digits, '.', '-', '_').
bool IsIpv6WithZone(std::string_view s) {
  const size_t percent = s.find('%');
  const std::string_view addr = s.substr(0, percent);
  const std::string_view zone = s.substr(percent + 1);
  int colons = 0;
  for (const char c : addr) {
    const uint8_t k = kAddressClasses[static_cast<unsigned char>(c)];
    if ((k & (kDigit | kHexLetter | kDot | kColon)) == 0) return false;
    colons += c == ':' ? 1 : 0;
  }
  if (colons < 2 || addr.size() > 45 || zone.empty()) return false;
  for (const char c : zone) {
    if ((kAddressClasses[static_cast<unsigned char>(c)] & (kPercent | kColon | kOther)) != 0) {
      return false;
    }
  }
  return true;
}

// Labels joined by dots, none empty (a final dot allowed), at least one dot: what a reverse
// lookup gives (the caller saw a letter, and only a name's characters).
bool IsHostName(std::string_view s) {
  if (s.back() == '.') s.remove_suffix(1);
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  return s.find('.') != std::string_view::npos && s.find("..") == std::string_view::npos;
}

}  // namespace

// Most addresses are IPv4: the first pass reads the token as one, and stops at the first
// character that is neither a digit nor a dot; only then do the classes of its characters decide
// which other shape it must have. Per line: no allocation, about 10 ns for an IPv4 address.
bool IsClientAddress(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  unsigned value = 0;  // of the dotted quad's current part
  unsigned digits = 0;
  unsigned dots = 0;
  bool bad = false;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    const unsigned d = static_cast<unsigned char>(s[i]) - unsigned{'0'};
    if (d <= 9) {
      value = value * 10 + d;  // (may wrap past 3 digits: those are refused by their count)
      ++digits;
    } else if (s[i] == '.') {
      bad |= digits == 0 || digits > 3 || value > 255;
      ++dots;
      value = digits = 0;
    } else {
      break;
    }
  }
  if (i == s.size()) return !bad && digits > 0 && digits <= 3 && value <= 255 && dots == 3;
  uint8_t seen = 0;
  for (const char c : s) seen |= kAddressClasses[static_cast<unsigned char>(c)];
  if ((seen & kColon) != 0) {
    if (s.starts_with("unix:")) {
      for (const char c : s) {
        if (static_cast<unsigned char>(c) <= ' ' || c == '"') return false;
      }
      return true;
    }
    if ((seen & ~(kDigit | kHexLetter | kDot | kColon)) == 0) {
      return s.size() <= 45 && std::count(s.begin(), s.end(), ':') >= 2;
    }
    return (seen & kPercent) != 0 && IsIpv6WithZone(s);
  }
  if (s == "-" || s == "localhost") return true;
  if ((seen & (kPercent | kOther)) != 0) return false;
  return (seen & (kHexLetter | kOtherLetter)) != 0 && IsHostName(s);
}

bool ParseCount(std::string_view s, int64_t dash_value, int64_t* out) {
  if (s.empty() || s == "-") {
    *out = dash_value;
    return true;
  }
  // from_chars accepts a leading '-' for signed types; a byte count never has one.
  if (s[0] < '0' || s[0] > '9') return false;
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return false;
  *out = v;
  return true;
}

namespace {

// A plain decimal number: digits with an optional fraction and exponent. from_chars would also
// take "inf", "nan" and a leading '-', none of which is a duration.
bool ParseNonNegative(std::string_view s, double* out) {
  // Fast path for what servers write ("0.012", "15001"): up to 15 digits with at most one '.'
  // between digits. The digits make an integer n < 10^15, exact in a double, and 10^k is exact
  // too, so the one division n / 10^k is correctly rounded: the same double from_chars returns.
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  if (!s.empty() && s.size() <= 16) {
    uint64_t n = 0;
    size_t digits = 0;
    size_t dot = std::string_view::npos;
    for (size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (c >= '0' && c <= '9') {
        n = n * 10 + static_cast<uint64_t>(c - '0');
        ++digits;
      } else if (c == '.' && dot == std::string_view::npos && i > 0 && i + 1 < s.size()) {
        dot = i;
      } else {
        digits = 0;  // anything else: leave it to from_chars
        break;
      }
    }
    if (digits > 0 && digits <= 15) {
      const size_t fraction = dot == std::string_view::npos ? 0 : s.size() - dot - 1;
      *out = static_cast<double>(n) / kPow10[fraction];
      return true;
    }
  }
  if (s.empty() || s[0] < '0' || s[0] > '9') {
    // ".5" is not something any server writes, but it is unambiguous; allow it.
    if (s.size() < 2 || s[0] != '.' || s[1] < '0' || s[1] > '9') return false;
  }
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

bool ParseDuration(std::string_view s, double divisor, double* out) {
  if (s.empty() || s == "-") {
    *out = -1;
    return true;
  }
  double v = 0;
  if (!ParseNonNegative(s, &v)) return false;
  *out = v / divisor;
  return std::isfinite(*out);
}

bool ParseDurationList(std::string_view s, double divisor, double* out) {
  double sum = 0;
  bool any = false;
  while (true) {
    const size_t sep = s.find_first_of(",:");
    const std::string_view member = Trim(s.substr(0, sep));
    if (!member.empty() && member != "-") {
      double v = 0;
      if (!ParseNonNegative(member, &v)) return false;
      sum += v;
      any = true;
    } else if (member.empty() && sep != std::string_view::npos) {
      return false;  // ", ," or a leading separator: not nginx's shape
    }
    if (sep == std::string_view::npos) break;
    s.remove_prefix(sep + 1);
  }
  if (!any) {
    *out = -1;
    return true;
  }
  *out = sum / divisor;
  return std::isfinite(*out);
}

namespace {

// Where the separator before the last member starts and how long it is; npos when one member.
size_t LastUpstreamSeparator(std::string_view list, size_t* length) {
  const size_t comma = list.rfind(", ");
  const size_t colon = list.rfind(" : ");
  if (comma == std::string_view::npos && colon == std::string_view::npos) return comma;
  if (colon == std::string_view::npos || (comma != std::string_view::npos && comma > colon)) {
    *length = 2;
    return comma;
  }
  *length = 3;
  return colon;
}

}  // namespace

std::string_view UpstreamListLast(std::string_view list) {
  list = Trim(list);
  size_t length = 0;
  const size_t sep = LastUpstreamSeparator(list, &length);
  if (sep != std::string_view::npos) list = Trim(list.substr(sep + length));
  return Dash(list);
}

int UpstreamListSize(std::string_view list) {
  list = Trim(list);
  if (list.empty() || list == "-") return 0;
  int n = 1;
  for (size_t i = 0; i + 1 < list.size(); ++i) {
    if (list[i] == ',' && list[i + 1] == ' ') {
      ++n;
    } else if (list[i] == ' ' && list[i + 1] == ':' && i + 2 < list.size() && list[i + 2] == ' ') {
      ++n;
      i += 2;
    }
  }
  return n;
}

RequestLine SplitRequest(std::string_view request) {
  RequestLine r;
  const size_t first = request.find(' ');
  if (first == std::string_view::npos) {
    r.method = request;
    return r;
  }
  r.method = request.substr(0, first);
  const std::string_view rest = request.substr(first + 1);
  const size_t last = rest.rfind(' ');
  if (last != std::string_view::npos && rest.substr(last + 1).starts_with("HTTP/")) {
    r.path = rest.substr(0, last);
    r.protocol = rest.substr(last + 1);
  } else {
    r.path = rest;
  }
  return r;
}

double DivisorForFactor(double factor) {
  if (!(factor > 0) || !std::isfinite(factor)) return 0;
  const double inverse = 1 / factor;
  const double whole = std::round(inverse);
  if (whole >= 1 && std::fabs(inverse - whole) <= 1e-9 * whole) return whole;
  return inverse;
}

}  // namespace accesslog
