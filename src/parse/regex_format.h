// Stage: fields. Any other log: an RE2 regular expression with named groups, compiled once.
//
//   std::string error;
//   auto p = RegexParser::Compile(
//       R"(^(?P<remote_addr>\S+) (?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3}) )"
//       R"((?P<request_time_ms>\d+)ms$)", &error);
//   if (!p) die(error);  // "the regex has no (?P<status>...) group ..."
//
// Group names (others are allowed and ignored):
//   status (required), method, path, protocol, request (split into method/path/protocol when
//   those are empty), host, remote_addr, remote_user, time_local, referer, user_agent,
//   bytes (or body_bytes), request_time (seconds), request_time_ms, request_time_us,
//   upstream_time (seconds; an nginx-style list "0.1, 0.2" is summed), upstream_time_ms,
//   upstream_time_us.
// "-" in a text group is "", in a number group absent. A number group that matched something
// that is not a non-negative number makes the line kMalformed, as does a line the regex does not
// match. The match is unanchored (RE2::PartialMatch semantics): write ^...$ to match whole lines.
// The text is matched byte by byte (RE2 Latin-1 mode), so "." and [^"] match any byte, even in
// lines that are not valid UTF-8; non-ASCII literals in the pattern still match their UTF-8
// bytes.
//
// Speed: only the groups above are extracted (the others are matched as (?:...)), and a pattern
// with more than four of them is matched in pieces of at most four (GroupMatcher, regex_groups.h),
// so that RE2's one-pass engine does the work wherever it can.
//
// Memory: the submatch arrays are sized once; see GroupMatcher for what RE2 may allocate.
// Thread-safety: one parser per thread (the arrays are per parser; RE2 objects are
// thread-safe).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "parse/parser.h"
#include "parse/regex_groups.h"

namespace accesslog {

class RegexParser final : public Parser {
 public:
  // `pattern` with or without the "regex:" prefix. Returns nullptr and sets *error when RE2
  // rejects it (with RE2's reason and the offending part) or it has no status group.
  // `trace_id`: extract the group named trace_id into Fields::trace_id (exemplars.trace_id).
  [[nodiscard]] static std::unique_ptr<RegexParser> Compile(std::string_view pattern,
                                                            std::string* error,
                                                            bool trace_id = false);

  RegexParser(const RegexParser&) = delete;  // owns the compiled RE2 and the submatch array
  RegexParser& operator=(const RegexParser&) = delete;

  [[nodiscard]] ParseResult Parse(std::string_view line, Fields* out) override;
  [[nodiscard]] FormatCapabilities capabilities() const override { return capabilities_; }

 private:
  enum Group : uint8_t {
    kStatus,
    kMethod,
    kPath,
    kProtocol,
    kRequest,
    kHost,
    kRemoteAddr,
    kRemoteUser,
    kTimeLocal,
    kReferer,
    kUserAgent,
    kBytes,
    kRequestTimeUs,
    kRequestTimeMs,
    kRequestTime,
    kUpstreamTimeUs,
    kUpstreamTimeMs,
    kUpstreamTime,
    kUpstream,
    kTraceId,  // exemplars.trace_id: the group named trace_id (last: left out when not asked)
    kGroupCount,
  };

  RegexParser() = default;
  // The text of group `g` in the last match; data() == nullptr when the group did not take part.
  [[nodiscard]] std::string_view Get(Group g) const { return groups_[g]; }

  std::unique_ptr<GroupMatcher> matcher_;
  std::string_view groups_[kGroupCount];  // the last match, per group
  FormatCapabilities capabilities_;
};

}  // namespace accesslog
