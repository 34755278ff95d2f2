#include "parse/combined.h"

#include <cstring>

#include "parse/values.h"

namespace accesslog {
namespace {

// A forward-only cursor over one line. All helpers return false when the line ends too soon or
// the expected shape is not there; the caller then reports the line malformed.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}

  bool AtEnd() const { return p_ == end_; }
  std::string_view Rest() const { return {p_, static_cast<size_t>(end_ - p_)}; }

  bool Expect(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  // A token up to the next space (or the end). Must be non-empty.
  bool Token(std::string_view* out) {
    const char* start = p_;
    const void* sp = std::memchr(p_, ' ', static_cast<size_t>(end_ - p_));
    p_ = sp ? static_cast<const char*>(sp) : end_;
    *out = {start, static_cast<size_t>(p_ - start)};
    return p_ != start;
  }

  // A double-quoted field; the cursor is on the opening quote. A quote preceded by an odd number
  // of backslashes is escaped (Apache writes \" and \\); nginx escapes " as \x22, so its quoted
  // fields never contain a bare quote. Returns the content without quotes, still escaped.
  bool Quoted(std::string_view* out) {
    if (!Expect('"')) return false;
    const char* start = p_;
    const char* q = p_;
    while (true) {
      const void* hit = std::memchr(q, '"', static_cast<size_t>(end_ - q));
      if (!hit) return false;
      q = static_cast<const char*>(hit);
      size_t backslashes = 0;
      for (const char* b = q; b > start && b[-1] == '\\'; --b) ++backslashes;
      if (backslashes % 2 == 0) break;
      ++q;
    }
    *out = {start, static_cast<size_t>(q - start)};
    p_ = q + 1;
    return true;
  }

  // The user field, which may contain spaces: everything up to the " [" that opens a
  // well-formed [dd/Mon/yyyy:hh:mm:ss +zzzz] timestamp. Leaves the cursor on the space.
  bool UserBeforeTime(std::string_view* out) {
    const char* start = p_;
    const char* s = p_;
    while (true) {
      const void* hit = std::memchr(s, '[', static_cast<size_t>(end_ - s));
      if (!hit) return false;
      const char* bracket = static_cast<const char*>(hit);
      if (bracket > start && bracket[-1] == ' ' && LooksLikeTime(bracket)) {
        *out = {start, static_cast<size_t>(bracket - 1 - start)};
        p_ = bracket - 1;
        return true;
      }
      s = bracket + 1;
    }
  }

  // [10/Oct/2000:13:55:36 -0700]: fixed width 28 with the brackets.
  bool Time(std::string_view* out) {
    if (!LooksLikeTime(p_)) return false;
    *out = {p_ + 1, 26};
    p_ += 28;
    return true;
  }

 private:
  bool LooksLikeTime(const char* b) const {
    if (end_ - b < 28) return false;
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    return b[0] == '[' && digit(b[1]) && digit(b[2]) && b[3] == '/' && b[7] == '/' && digit(b[8]) &&
           digit(b[11]) && b[12] == ':' && b[15] == ':' && b[18] == ':' && b[21] == ' ' &&
           (b[22] == '+' || b[22] == '-') && b[27] == ']';
  }

  const char* p_;
  const char* end_;
};

}  // namespace

ParseResult CombinedParser::Parse(std::string_view line, Fields* out) {
  out->Clear();
  Cursor c(line);
  std::string_view ident, bytes;
  // The address is one token as the servers write it: text before it (a container runtime's
  // envelope, a syslog header) makes the line malformed rather than shifting every field.
  if (!c.Token(&out->remote_addr) || !IsClientAddress(out->remote_addr) || !c.Expect(' ')) {
    return ParseResult::kMalformed;
  }
  if (!c.Token(&ident) || !c.Expect(' ')) return ParseResult::kMalformed;
  if (!c.UserBeforeTime(&out->remote_user) || !c.Expect(' ')) return ParseResult::kMalformed;
  if (!c.Time(&out->time_local) || !c.Expect(' ')) return ParseResult::kMalformed;
  if (!c.Quoted(&out->request) || !c.Expect(' ')) return ParseResult::kMalformed;
  if (!c.Token(&out->status)) return ParseResult::kMalformed;
  if (!c.Expect(' ') || !c.Token(&bytes) ||
      // In the common log format "-" is a response without a body: 0 bytes (Apache's %b).
      !ParseCount(bytes, /*dash_value=*/0, &out->body_bytes)) {
    return ParseResult::kMalformed;
  }
  out->remote_user = Dash(out->remote_user);
  const RequestLine r = SplitRequest(out->request);
  out->method = r.method;
  out->path = r.path;
  out->protocol = r.protocol;

  if (c.AtEnd()) return require_agent_ ? ParseResult::kMalformed : ParseResult::kOk;
  if (!c.Expect(' ')) return ParseResult::kMalformed;
  Cursor agent_part = c;
  if (agent_part.Quoted(&out->referer) && agent_part.Expect(' ') &&
      agent_part.Quoted(&out->user_agent)) {
    out->referer = Dash(out->referer);
    out->user_agent = Dash(out->user_agent);
    return ParseResult::kOk;
  }
  out->referer = out->user_agent = {};
  return require_agent_ ? ParseResult::kMalformed : ParseResult::kOk;
}

}  // namespace accesslog
