#include "parse/regex_format.h"

#include <algorithm>

#include "parse/values.h"

namespace accesslog {

std::unique_ptr<RegexParser> RegexParser::Compile(std::string_view pattern, std::string* error,
                                                  bool trace_id) {
  if (pattern.starts_with("regex:")) pattern.remove_prefix(6);
  RE2::Options options;
  options.set_log_errors(false);
  // Byte-wise matching: access logs are not always valid UTF-8, and a line must not fail to
  // match only because a user agent holds a stray byte.
  options.set_encoding(RE2::Options::EncodingLatin1);
  static constexpr GroupMatcher::Name kNames[] = {
      {"status", kStatus},
      {"method", kMethod},
      {"path", kPath},
      {"protocol", kProtocol},
      {"request", kRequest},
      {"host", kHost},
      {"remote_addr", kRemoteAddr},
      {"remote_user", kRemoteUser},
      {"time_local", kTimeLocal},
      {"referer", kReferer},
      {"user_agent", kUserAgent},
      {"bytes", kBytes},
      {"body_bytes", kBytes},
      {"request_time_us", kRequestTimeUs},
      {"request_time_ms", kRequestTimeMs},
      {"request_time", kRequestTime},
      {"upstream_time_us", kUpstreamTimeUs},
      {"upstream_time_ms", kUpstreamTimeMs},
      {"upstream_time", kUpstreamTime},
      {"upstream", kUpstream},
      {"trace_id", kTraceId},  // last: only when exemplars ask for it
  };
  std::unique_ptr<RegexParser> p(new RegexParser());
  const std::span<const GroupMatcher::Name> names(kNames, std::size(kNames) - (trace_id ? 0 : 1));
  p->matcher_ = GroupMatcher::Compile(pattern, names, kGroupCount, options, error);
  if (!p->matcher_) return nullptr;
  if (trace_id && !p->matcher_->Has(kTraceId)) {
    *error = "exemplars.trace_id: the regex has no (?P<trace_id>...) group";
    return nullptr;
  }
  if (!p->matcher_->Has(kStatus)) {
    *error =
        "the regex has no (?P<status>...) group; every line needs a status (groups: status, "
        "method, path, request, protocol, host, remote_addr, remote_user, referer, user_agent, "
        "bytes, request_time, request_time_ms, request_time_us, upstream_time, upstream)";
    return nullptr;
  }
  auto has = [&p](Group g) { return p->matcher_->Has(g); };
  p->capabilities_ = {
      .request_time = has(kRequestTime) || has(kRequestTimeMs) || has(kRequestTimeUs),
      .upstream_time = has(kUpstreamTime) || has(kUpstreamTimeMs) || has(kUpstreamTimeUs),
      .body_bytes = has(kBytes),
      .method = has(kMethod) || has(kRequest),
      .path = has(kPath) || has(kRequest),
      .host = has(kHost),
      .remote_addr = has(kRemoteAddr),
      .referer = has(kReferer),
      .user_agent = has(kUserAgent),
      .upstream = has(kUpstream),
      .upstream_tries = has(kUpstream)};
  return p;
}

ParseResult RegexParser::Parse(std::string_view line, Fields* out) {
  out->Clear();
  if (!matcher_->Match(line, groups_)) return ParseResult::kMalformed;
  out->status = Get(kStatus);
  out->request = Get(kRequest);
  out->method = Dash(Get(kMethod));
  out->path = Dash(Get(kPath));
  out->protocol = Dash(Get(kProtocol));
  out->host = Dash(Get(kHost));
  out->remote_addr = Dash(Get(kRemoteAddr));
  out->remote_user = Dash(Get(kRemoteUser));
  out->time_local = Dash(Get(kTimeLocal));
  out->referer = Dash(Get(kReferer));
  out->user_agent = Dash(Get(kUserAgent));
  if (const std::string_view up = Get(kUpstream); up.data() != nullptr) {
    out->upstream = UpstreamListLast(up);
    out->upstream_tries = UpstreamListSize(up);
  }
  out->trace_id = Dash(Get(kTraceId));
  if (!out->request.empty() &&
      (out->method.empty() || out->path.empty() || out->protocol.empty())) {
    const RequestLine r = SplitRequest(out->request);
    if (out->method.empty()) out->method = r.method;
    if (out->path.empty()) out->path = r.path;
    if (out->protocol.empty()) out->protocol = r.protocol;
  }
  if (!ParseCount(Get(kBytes), -1, &out->body_bytes)) return ParseResult::kMalformed;

  // Durations: the finest unit the pattern captured wins.
  struct Unit {
    Group group;
    double divisor;
  };
  static constexpr Unit kRequestUnits[] = {
      {kRequestTimeUs, 1e6}, {kRequestTimeMs, 1e3}, {kRequestTime, 1}};
  for (const Unit& u : kRequestUnits) {
    const std::string_view v = Get(u.group);
    if (v.data() == nullptr) continue;
    if (!ParseDuration(v, u.divisor, &out->request_time)) return ParseResult::kMalformed;
    break;
  }
  static constexpr Unit kUpstreamUnits[] = {
      {kUpstreamTimeUs, 1e6}, {kUpstreamTimeMs, 1e3}, {kUpstreamTime, 1}};
  for (const Unit& u : kUpstreamUnits) {
    const std::string_view v = Get(u.group);
    if (v.data() == nullptr) continue;
    if (!ParseDurationList(v, u.divisor, &out->upstream_time)) return ParseResult::kMalformed;
    break;
  }
  return ParseResult::kOk;
}

}  // namespace accesslog
