#include "report/log_time.h"

#include <charconv>
#include <cstdio>

namespace accesslog {
namespace {

// Howard Hinnant's civil-calendar algorithms (proleptic Gregorian, any year).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2 ? 1 : 0);
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Exactly `n` ASCII digits at text[pos...]. from_chars would also take a leading '-', so the
// first byte is checked, and it must consume all n bytes.
bool Digits(std::string_view text, size_t pos, size_t n, int* out) {
  if (pos + n > text.size() || text[pos] < '0' || text[pos] > '9') return false;
  const char* begin = text.data() + pos;
  const auto [ptr, ec] = std::from_chars(begin, begin + n, *out);
  return ec == std::errc() && ptr == begin + n;
}

int MonthFromName(std::string_view name) {
  static constexpr std::string_view kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (name == kMonths[i]) return i + 1;
  }
  return 0;
}

struct Civil {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int offset_seconds = 0;
};

bool Finish(const Civil& c, LogTime* out) {
  if (c.month < 1 || c.month > 12 || c.day < 1 || c.day > DaysInMonth(c.year, c.month) ||
      c.hour > 23 || c.minute > 59 || c.second > 60) {  // 60: a leap second
    return false;
  }
  const int64_t days =
      DaysFromCivil(c.year, static_cast<unsigned>(c.month), static_cast<unsigned>(c.day));
  const int64_t local = days * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
  out->unix_seconds = local - c.offset_seconds;
  out->utc_offset_seconds = c.offset_seconds;
  return true;
}

// "+hhmm", "+hh:mm" or "+hh" (or '-'); the whole rest of the text.
bool ParseOffset(std::string_view z, int* seconds) {
  if (z.size() < 3 || (z[0] != '+' && z[0] != '-')) return false;
  int h = 0, m = 0;
  if (!Digits(z, 1, 2, &h)) return false;
  if (z.size() == 5) {
    if (!Digits(z, 3, 2, &m)) return false;
  } else if (z.size() == 6) {
    if (z[3] != ':' || !Digits(z, 4, 2, &m)) return false;
  } else if (z.size() != 3) {
    return false;
  }
  if (h > 23 || m > 59) return false;
  *seconds = (z[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
  return true;
}

// dd/Mon/yyyy:HH:MM:SS +zzzz
bool ParseClf(std::string_view t, LogTime* out) {
  Civil c;
  if (t.size() != 26 || t[2] != '/' || t[6] != '/' || t[11] != ':' || t[14] != ':' ||
      t[17] != ':' || t[20] != ' ') {
    return false;
  }
  c.month = MonthFromName(t.substr(3, 3));
  if (c.month == 0 || !Digits(t, 0, 2, &c.day) || !Digits(t, 7, 4, &c.year) ||
      !Digits(t, 12, 2, &c.hour) || !Digits(t, 15, 2, &c.minute) || !Digits(t, 18, 2, &c.second) ||
      !ParseOffset(t.substr(21), &c.offset_seconds)) {
    return false;
  }
  return Finish(c, out);
}

// YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|+hh:mm|+hhmm|+hh]
bool ParseIso(std::string_view t, LogTime* out) {
  Civil c;
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') ||
      t[13] != ':' || t[16] != ':') {
    return false;
  }
  if (!Digits(t, 0, 4, &c.year) || !Digits(t, 5, 2, &c.month) || !Digits(t, 8, 2, &c.day) ||
      !Digits(t, 11, 2, &c.hour) || !Digits(t, 14, 2, &c.minute) || !Digits(t, 17, 2, &c.second)) {
    return false;
  }
  std::string_view rest = t.substr(19);
  if (!rest.empty() && (rest[0] == '.' || rest[0] == ',')) {
    size_t i = 1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    if (i == 1) return false;
    rest.remove_prefix(i);
  }
  if (rest.empty() || rest == "Z" || rest == "z") {
    c.offset_seconds = 0;
  } else if (!ParseOffset(rest, &c.offset_seconds)) {
    return false;
  }
  return Finish(c, out);
}

}  // namespace

bool ParseLogTime(std::string_view text, LogTime* out) {
  if (text.size() >= 5 && text[4] == '-') return ParseIso(text, out);
  return ParseClf(text, out);
}

std::string FormatUtcOffset(int32_t utc_offset_seconds) {
  if (utc_offset_seconds == 0) return "Z";
  const int32_t a = utc_offset_seconds < 0 ? -utc_offset_seconds : utc_offset_seconds;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", utc_offset_seconds < 0 ? '-' : '+', a / 3600,
                a % 3600 / 60);
  return buf;
}

std::string FormatLogTime(int64_t unix_seconds, int32_t utc_offset_seconds) {
  const int64_t local = unix_seconds + utc_offset_seconds;
  int64_t days = local / 86400;
  int64_t secs = local % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(y),
                m, d, static_cast<long long>(secs / 3600), static_cast<long long>(secs % 3600 / 60),
                static_cast<long long>(secs % 60));
  return buf + FormatUtcOffset(utc_offset_seconds);
}

}  // namespace accesslog
