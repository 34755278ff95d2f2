#include "parse/line_template.h"

#include <algorithm>

#include "parse/trace_id.h"
#include "parse/values.h"

namespace accesslog {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// True when the '"' at `q` is escaped: preceded by an odd number of backslashes (after `start`).
bool Escaped(const char* start, const char* q) {
  size_t backslashes = 0;
  for (const char* b = q; b > start && b[-1] == '\\'; --b) ++backslashes;
  return backslashes % 2 == 1;
}

}  // namespace

LineTemplate::LineTemplate() { std::fill(std::begin(winner_), std::end(winner_), -1); }

void LineTemplate::AddLiteral(std::string_view text) {
  if (steps_.empty()) {
    head_.append(text);
  } else {
    steps_.back().literal_after.append(text);
  }
}

void LineTemplate::AddVariable(const VariableSpec& spec) {
  Step step;
  step.spec = spec;
  steps_.push_back(std::move(step));
}

void LineTemplate::Finish() {
  std::fill(std::begin(winner_), std::end(winner_), -1);
  // Which variable fills each field: the lowest priority, then the first in the format.
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Target t = steps_[i].spec.target;
    if (t == Target::kSkip || t == Target::kQuery) continue;
    int& w = winner_[static_cast<size_t>(t)];
    if (w < 0 || steps_[i].spec.priority < steps_[static_cast<size_t>(w)].spec.priority) {
      w = static_cast<int>(i);
    }
  }
  for (size_t i = 0; i < steps_.size(); ++i) {
    VariableSpec& spec = steps_[i].spec;
    if (spec.target == Target::kSkip) continue;
    if (spec.target == Target::kQuery) {
      // %q only makes sense glued to the path: "%U%q" logs "/p?x=1" as one run of text.
      const bool glued = i > 0 && steps_[i - 1].literal_after.empty() &&
                         winner_[static_cast<size_t>(Target::kPath)] == static_cast<int>(i - 1);
      if (!glued) spec.target = Target::kSkip;
      continue;
    }
    if (winner_[static_cast<size_t>(spec.target)] != static_cast<int>(i)) {
      spec.target = Target::kSkip;
    }
  }
  const bool request = Has(Target::kRequest);
  request_sets_method_ = request && !Has(Target::kMethod);
  request_sets_path_ = request && !Has(Target::kPath);
  request_sets_protocol_ = request && !Has(Target::kProtocol);
  const bool addr = Has(Target::kUpstreamAddr);
  addr_sets_upstream_ = addr && !Has(Target::kUpstream);
  addr_sets_tries_ = addr && !Has(Target::kUpstreamTries);

  for (size_t i = 0; i < steps_.size(); ++i) {
    Step& s = steps_[i];
    const std::string& before = i == 0 ? head_ : steps_[i - 1].literal_after;
    s.quoted = !before.empty() && before.back() == '"' && !s.literal_after.empty() &&
               s.literal_after.front() == '"';
    switch (s.spec.target) {
      case Target::kStatus:
      case Target::kBodyBytes:
      case Target::kRequestTime:
        s.adjacent = Adjacent::kNumber;
        break;
      case Target::kPath:
        s.adjacent = Adjacent::kUrlPath;
        break;
      default:
        s.adjacent = Adjacent::kToken;
    }
  }
}

FormatCapabilities LineTemplate::capabilities() const {
  return {.request_time = Has(Target::kRequestTime),
          .upstream_time = Has(Target::kUpstreamTime),
          .body_bytes = Has(Target::kBodyBytes),
          .method = Has(Target::kMethod) || Has(Target::kRequest),
          .path = Has(Target::kPath) || Has(Target::kRequest),
          .host = Has(Target::kHost),
          .remote_addr = Has(Target::kRemoteAddr),
          .referer = Has(Target::kReferer),
          .user_agent = Has(Target::kUserAgent),
          .upstream = Has(Target::kUpstream) || Has(Target::kUpstreamAddr),
          .upstream_tries = Has(Target::kUpstreamTries) || Has(Target::kUpstreamAddr)};
}

bool LineTemplate::Assign(const Step& step, std::string_view value, Fields* out) const {
  switch (step.spec.target) {
    case Target::kSkip:
    case Target::kCount:
      return true;
    case Target::kStatus:
      out->status = value;
      return true;
    case Target::kRemoteAddr:
      out->remote_addr = Dash(value);
      return true;
    case Target::kRemoteUser:
      out->remote_user = Dash(value);
      return true;
    case Target::kTimeLocal:
      out->time_local = Dash(value);
      return true;
    case Target::kRequest:
      out->request = value;
      return true;
    case Target::kMethod:
      out->method = Dash(value);
      return true;
    case Target::kPath:
      out->path = Dash(value);
      return true;
    case Target::kQuery:
      if (!out->path.empty() && out->path.data() + out->path.size() == value.data()) {
        out->path = {out->path.data(), out->path.size() + value.size()};
      }
      return true;
    case Target::kProtocol:
      out->protocol = Dash(value);
      return true;
    case Target::kHost:
      out->host = Dash(value);
      return true;
    case Target::kTraceId:
      out->trace_id = step.spec.traceparent ? TraceIdOfTraceparent(value) : Dash(value);
      return true;
    case Target::kReferer:
      out->referer = Dash(value);
      return true;
    case Target::kUserAgent:
      out->user_agent = Dash(value);
      return true;
    case Target::kBodyBytes:
      return ParseCount(value, step.spec.dash_bytes, &out->body_bytes);
    case Target::kRequestTime:
      return step.spec.multi_value ? ParseDurationList(value, step.spec.divisor, &out->request_time)
                                   : ParseDuration(value, step.spec.divisor, &out->request_time);
    case Target::kUpstreamTime:
      return step.spec.multi_value
                 ? ParseDurationList(value, step.spec.divisor, &out->upstream_time)
                 : ParseDuration(value, step.spec.divisor, &out->upstream_time);
    case Target::kUpstream:
      out->upstream = UpstreamListLast(value);
      return true;
    case Target::kUpstreamAddr:
      if (addr_sets_upstream_) out->upstream = UpstreamListLast(value);
      if (addr_sets_tries_) out->upstream_tries = UpstreamListSize(value);
      return true;
    case Target::kUpstreamTries:
      out->upstream_tries = UpstreamListSize(value);
      return true;
  }
  return true;
}

ParseResult LineTemplate::Match(std::string_view line, Fields* out) const {
  out->Clear();
  if (!line.starts_with(head_)) return ParseResult::kMalformed;
  const char* const begin = line.data();
  const char* const end = begin + line.size();
  const char* p = begin + head_.size();

  for (size_t i = 0; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    const std::string_view lit = s.literal_after;
    const bool last = i + 1 == steps_.size();
    const std::string_view rest(p, static_cast<size_t>(end - p));
    std::string_view value;

    if (s.spec.shape == Shape::kBracketed) {
      if (rest.empty() || rest.front() != '[') return ParseResult::kMalformed;
      const size_t close = rest.find(']');
      if (close == std::string_view::npos) return ParseResult::kMalformed;
      value = rest.substr(1, close - 1);
      p += close + 1;
      if (!std::string_view(p, static_cast<size_t>(end - p)).starts_with(lit)) {
        return ParseResult::kMalformed;
      }
      p += lit.size();
    } else if (s.quoted) {
      // The first '"' that is not escaped closes the value, and the next literal must follow.
      size_t from = 0;
      size_t q;
      while (true) {
        q = rest.find('"', from);
        if (q == std::string_view::npos) return ParseResult::kMalformed;
        if (!Escaped(p, p + q)) break;
        from = q + 1;
      }
      if (!rest.substr(q).starts_with(lit)) return ParseResult::kMalformed;
      value = rest.substr(0, q);
      p += q + lit.size();
    } else if (s.spec.multi_value && !last && !lit.empty() && lit.front() == ' ') {
      // An unquoted nginx list: tokens joined by ", " or " : ", then the literal.
      const char* q = p;
      while (true) {
        while (q < end && *q != ' ') ++q;
        const std::string_view more(q, static_cast<size_t>(end - q));
        if (q > p && q[-1] == ',' && more.size() > 1 && more[1] != ' ') {
          q += 1;  // "a, b": the comma ended the token
        } else if (more.starts_with(" : ") && more.size() > 3 && more[3] != ' ') {
          q += 3;
        } else {
          break;
        }
      }
      if (!std::string_view(q, static_cast<size_t>(end - q)).starts_with(lit)) {
        return ParseResult::kMalformed;
      }
      value = {p, static_cast<size_t>(q - p)};
      p = q + lit.size();
    } else if (last) {
      // Greedy: the final literal must end the line; the value is everything before it.
      if (!rest.ends_with(lit)) return ParseResult::kMalformed;
      value = rest.substr(0, rest.size() - lit.size());
      p = end;
    } else if (lit.empty()) {
      // Another variable follows directly: take this one's natural token.
      const char* q = p;
      switch (s.adjacent) {
        case Adjacent::kNumber:
          if (q < end && *q == '-') {
            ++q;
          } else {
            while (q < end && (IsDigit(*q) || *q == '.')) ++q;
          }
          break;
        case Adjacent::kUrlPath:
          while (q < end && *q != '?' && *q != ' ' && *q != '"') ++q;
          break;
        case Adjacent::kToken:
          while (q < end && *q != ' ' && *q != '"') ++q;
          break;
      }
      value = {p, static_cast<size_t>(q - p)};
      p = q;
    } else {
      const size_t at = rest.find(lit);
      if (at == std::string_view::npos) return ParseResult::kMalformed;
      value = rest.substr(0, at);
      p += at + lit.size();
    }
    if (s.spec.address && !IsClientAddress(value)) return ParseResult::kMalformed;
    if (!Assign(s, value, out)) return ParseResult::kMalformed;
  }
  if (steps_.empty() && line.size() != head_.size()) return ParseResult::kMalformed;
  if (p != end) return ParseResult::kMalformed;

  if (request_sets_method_ || request_sets_path_ || request_sets_protocol_) {
    const RequestLine r = SplitRequest(out->request);
    if (request_sets_method_) out->method = r.method;
    if (request_sets_path_) out->path = r.path;
    if (request_sets_protocol_) out->protocol = r.protocol;
  }
  return ParseResult::kOk;
}

}  // namespace accesslog
