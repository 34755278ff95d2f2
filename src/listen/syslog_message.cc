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

// "Mmm dd hh:mm:ss" (the day space-padded or two digits).
bool IsBsdTimestamp(std::string_view s) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (s.size() < 15) return false;
  bool month = false;
  for (size_t m = 0; m < kMonths.size(); m += 3) month |= s.substr(0, 3) == kMonths.substr(m, 3);
  return month && s[3] == ' ' && (s[4] == ' ' || IsDigit(s[4])) && IsDigit(s[5]) && s[6] == ' ' &&
         IsDigit(s[7]) && IsDigit(s[8]) && s[9] == ':' && IsDigit(s[10]) && IsDigit(s[11]) &&
         s[12] == ':' && IsDigit(s[13]) && IsDigit(s[14]);
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
  if (IsBsdTimestamp(s)) {
    at = 15;
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
