#include "listen/syslog_message.h"

namespace accesslog {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The next space-delimited token of `s` from *at; *at moves past the token and one space.
// Empty when *at is at a space or the end.
std::string_view Token(std::string_view s, size_t* at) {
  const size_t begin = *at;
  size_t end = begin;
  while (end < s.size() && s[end] != ' ') ++end;
  *at = end < s.size() ? end + 1 : end;
  return s.substr(begin, end - begin);
}

std::string_view Nil(std::string_view field) { return field == "-" ? std::string_view() : field; }

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

// Up to `max` digits at *at (at least one); their value in *value. *at moves past them.
bool Digits(std::string_view s, size_t* at, size_t max, int* value) {
  size_t i = *at;
  int v = 0;
  while (i < s.size() && i - *at < max && IsDigit(s[i])) v = v * 10 + (s[i++] - '0');
  if (i == *at) return false;
  *at = i;
  *value = v;
  return true;
}

// Exactly two digits at *at, at most `max`.
bool TwoDigits(std::string_view s, size_t* at, int max) {
  if (*at + 2 > s.size() || !IsDigit(s[*at]) || !IsDigit(s[*at + 1])) return false;
  const int v = (s[*at] - '0') * 10 + (s[*at + 1] - '0');
  *at += 2;
  return v <= max;
}

// The length of an RFC 3164 timestamp at the start of `s`, or 0 when there is none. As rsyslog
// and fluent-bit read it, not only as RFC 3164 writes it ("Mmm dd hh:mm:ss", the day
// space-padded): the month in any case (AUG), the day with one space or a leading zero
// ("Mar 7", "Mar 07"), a year after the day ("May 21 2008 10:50:11", Cisco), fractions of a
// second ("18:55:31.306") and a colon straight after the time ("19:06:53:"). What follows must
// be a space or the end.
size_t BsdTimestampLength(std::string_view s) {
  static constexpr std::string_view kMonths = "janfebmaraprmayjunjulaugsepoctnovdec";
  if (s.size() < 14) return 0;
  bool month = false;
  for (size_t m = 0; m < kMonths.size() && !month; m += 3) {
    month =
        Lower(s[0]) == kMonths[m] && Lower(s[1]) == kMonths[m + 1] && Lower(s[2]) == kMonths[m + 2];
  }
  if (!month || s[3] != ' ') return 0;
  size_t at = s[4] == ' ' ? 5 : 4;
  int day = 0;
  if (!Digits(s, &at, 2, &day) || day < 1 || day > 31 || at >= s.size() || s[at] != ' ') return 0;
  ++at;
  if (at + 5 <= s.size() && IsDigit(s[at]) && IsDigit(s[at + 1]) && IsDigit(s[at + 2]) &&
      IsDigit(s[at + 3]) && s[at + 4] == ' ') {
    at += 5;  // a year
  }
  if (!TwoDigits(s, &at, 23) || at >= s.size() || s[at++] != ':' || !TwoDigits(s, &at, 59) ||
      at >= s.size() || s[at++] != ':' || !TwoDigits(s, &at, 60)) {
    return 0;
  }
  if (at < s.size() && s[at] == '.') {
    int fraction = 0;
    ++at;
    if (!Digits(s, &at, 9, &fraction)) return 0;
  }
  if (at < s.size() && s[at] == ':') ++at;
  return at == s.size() || s[at] == ' ' ? at : 0;
}

// "2026-12-01T10:00:00..." : the start of an RFC 3339 timestamp (the rest up to a space).
bool IsRfc3339Start(std::string_view s) {
  return s.size() >= 19 && IsDigit(s[0]) && IsDigit(s[1]) && IsDigit(s[2]) && IsDigit(s[3]) &&
         s[4] == '-' && IsDigit(s[5]) && IsDigit(s[6]) && s[7] == '-' && IsDigit(s[8]) &&
         IsDigit(s[9]) && (s[10] == 'T' || s[10] == 't') && s[13] == ':' && s[16] == ':';
}

// A TAG token: "nginx:", "nginx[123]:" (then the message follows a space), or the same without
// the colon when the sender omitted it. Returns the tag without [pid] and colon, or empty when
// `token` ends in neither ':' nor ']'.
std::string_view TagOf(std::string_view token) {
  if (token.ends_with(':'))
    token.remove_suffix(1);
  else if (!token.ends_with(']'))
    return {};
  if (token.ends_with(']')) {
    const size_t open = token.find('[');
    if (open == std::string_view::npos) return {};
    token = token.substr(0, open);
  }
  return token;
}

// Skips STRUCTURED-DATA from *at: "-" or one or more [ ... ] elements. False when malformed.
bool SkipStructuredData(std::string_view s, size_t* at) {
  size_t i = *at;
  if (i < s.size() && s[i] == '-') {
    *at = i + 1;
    return true;
  }
  if (i >= s.size() || s[i] != '[') return false;
  while (i < s.size() && s[i] == '[') {
    bool quoted = false;
    ++i;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (quoted) {
        if (c == '\\') {
          ++i;  // \" \\ \] inside a value
        } else if (c == '"') {
          quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ']') {
        break;
      }
    }
    if (i >= s.size()) return false;  // unterminated element
    ++i;                              // past ']'
  }
  *at = i;
  return true;
}

bool ParseRfc5424(std::string_view s, SyslogMessage* out) {
  // s starts after "<PRI>1 ".
  size_t at = 0;
  Token(s, &at);  // TIMESTAMP: kept for nothing (the access-log line has its own time)
  out->host = Nil(Token(s, &at));
  out->tag = Nil(Token(s, &at));
  Token(s, &at);  // PROCID
  Token(s, &at);  // MSGID
  if (!SkipStructuredData(s, &at)) return false;
  if (at < s.size() && s[at] == ' ') ++at;
  std::string_view msg = at <= s.size() ? s.substr(at) : std::string_view();
  if (msg.starts_with("\xEF\xBB\xBF")) msg.remove_prefix(3);
  out->message = msg;
  out->format = SyslogMessage::Format::kRfc5424;
  return true;
}

void ParseRfc3164(std::string_view s, SyslogMessage* out) {
  out->format = SyslogMessage::Format::kRfc3164;
  size_t at = 0;
  // One space between the priority and the timestamp (rsyslog reads that too).
  const size_t start = s.starts_with(' ') ? 1 : 0;
  if (const size_t n = BsdTimestampLength(s.substr(start)); n > 0) {
    at = start + n;
  } else if (IsRfc3339Start(s)) {
    Token(s, &at);
    --at;  // Token moved past the space; the common step below expects to be at it
  } else {
    out->message = s;  // no header: all of it is the message
    return;
  }
  if (at >= s.size() || s[at] != ' ') {
    out->message = s;
    return;
  }
  ++at;
  const size_t after_time = at;
  const std::string_view first = Token(s, &at);
  if (const std::string_view tag = TagOf(first); !tag.empty()) {
    out->tag = tag;  // no HOSTNAME: the tag came first
  } else {
    out->host = first;
    const size_t after_host = at;
    const std::string_view second = Token(s, &at);
    out->tag = TagOf(second);
    if (out->tag.empty()) at = after_host;  // no TAG: the message follows the host
  }
  if (at <= after_time) at = after_time;
  // More than one space before the message (after the tag's colon, or the host) is not part of
  // it: an access-log line starts with its first field.
  while (at < s.size() && s[at] == ' ') ++at;
  out->message = s.substr(std::min(at, s.size()));
}

}  // namespace

bool ParseSyslog(std::string_view d, SyslogMessage* out) {
  *out = SyslogMessage();
  while (!d.empty() && (d.back() == '\n' || d.back() == '\r')) d.remove_suffix(1);
  if (d.size() < 3 || d[0] != '<') return false;
  size_t i = 1;
  int pri = 0;
  while (i < d.size() && i <= 3 && IsDigit(d[i])) pri = pri * 10 + (d[i++] - '0');
  if (i == 1 || i >= d.size() || d[i] != '>' || pri > 191) return false;
  if (i > 2 && d[1] == '0') return false;  // "<01>": no leading zeros (RFC 5424 PRIVAL)
  out->facility = static_cast<uint8_t>(pri / 8);
  out->severity = static_cast<uint8_t>(pri % 8);
  std::string_view rest = d.substr(i + 1);
  if (rest.size() >= 2 && rest[0] == '1' && rest[1] == ' ') {
    const uint8_t facility = out->facility, severity = out->severity;
    if (ParseRfc5424(rest.substr(2), out)) {
      out->facility = facility;
      out->severity = severity;
      return true;
    }
    *out = SyslogMessage();
    out->facility = facility;
    out->severity = severity;
  }
  ParseRfc3164(rest, out);
  return true;
}

}  // namespace accesslog
