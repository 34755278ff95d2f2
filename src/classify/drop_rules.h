// Stage: classification. Drop rules: the parsed lines a source deliberately does not count
// (health checks, readiness probes, scrapes). A source's `drop:` is a list of conditions; a
// condition maps field names to RE2 patterns that must all match the field's whole value; a line
// that satisfies any condition is dropped: the source counts it as
// accesslog_lines_total{result="dropped"} and nowhere else.
//
//   std::vector<DropCondition> conditions = {
//       {{"route", "/(healthz|readyz|metrics)"}, {"user_agent", "kube-probe/.*"}}};
//   std::string error;
//   auto rules = DropRules::Compile(conditions, caps, /*syslog=*/false, &error);
//   if (!rules) die(error);   // "drop[0].route: invalid RE2 pattern: missing ): ..."
//   DropLine line{.fields = &fields, .route = route};   // route only when rules->needs_route()
//   if (rules->Matches(line)) { count it as dropped; }
//
// Fields (DropFieldName): method, path (as logged, with its query), route (the path normalised
// as for the route label, which the caller computes), host, user_agent, remote_addr, referer,
// status (the three digits as logged), upstream; and for syslog sources tag (the TAG or
// APP-NAME), hostname, facility and severity (as decimal numbers: 23 is local7, 6 is info). A
// field that is empty in a line ("-" in the log) matches a pattern only if the pattern matches "".
//
// Errors: Compile refuses a field the format does not carry (the caps of the source's parser,
// and the syslog fields only for a listen source) and a pattern RE2 rejects, naming the
// condition, the key and the reason; the config file loader uses CheckDropField and
// CheckDropPattern to say the same with the file's line and column.
//
// Cost: patterns are compiled once; Matches evaluates the conditions in order, the fields of a
// condition in the order written, and stops at the first field that does not match; it does
// not allocate (RE2's DFA may grow its bounded cache on new inputs) and takes no lock.
// Thread-safety: Matches is const; RE2 objects are thread-safe, so one DropRules may serve
// several threads.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parse/fields.h"
#include "parse/parser.h"

namespace accesslog {

enum class DropField : uint8_t {
  kMethod,
  kPath,
  kRoute,
  kHost,
  kUserAgent,
  kRemoteAddr,
  kReferer,
  kStatus,
  kUpstream,
  kSyslogTag,
  kSyslogHostname,
  kSyslogFacility,
  kSyslogSeverity,
};

// One condition as configured: (field name, pattern) pairs, all of which must match.
using DropCondition = std::vector<std::pair<std::string, std::string>>;

// What a syslog source knows about a message beside its text (listen/syslog_message.h).
struct DropSyslog {
  std::string_view tag;
  std::string_view hostname;
  int facility = -1;
  int severity = -1;
};

// One parsed line as the rules see it. `route` is read only when needs_route(); `syslog` may be
// null for a line that has no syslog header.
struct DropLine {
  const Fields* fields = nullptr;
  std::string_view route;
  const DropSyslog* syslog = nullptr;
};

// Checks that `name` is a drop field the source can fill: its format's capabilities `caps`, and
// `syslog` for a listen source. Returns false with *error set ("unknown field ...; known: ..." or
// "the source's format does not carry ...").
[[nodiscard]] bool CheckDropField(std::string_view name, const FormatCapabilities& caps,
                                  bool syslog, DropField* field, std::string* error);
// Checks that RE2 compiles `pattern`. Returns false with *error set to RE2's reason.
[[nodiscard]] bool CheckDropPattern(const std::string& pattern, std::string* error);

class DropRules {
 public:
  // Compiles the conditions; nullptr with *error ("drop[I].KEY: reason") on a field the source
  // cannot fill, a bad pattern or an empty condition.
  [[nodiscard]] static std::unique_ptr<DropRules> Compile(
      const std::vector<DropCondition>& conditions, const FormatCapabilities& caps, bool syslog,
      std::string* error);

  DropRules(const DropRules&) = delete;  // owns compiled RE2 objects
  DropRules& operator=(const DropRules&) = delete;

  // True when some condition matches the line.
  [[nodiscard]] bool Matches(const DropLine& line) const;
  // Whether some condition reads the route (the caller computes it only then).
  [[nodiscard]] bool needs_route() const { return needs_route_; }
  [[nodiscard]] size_t size() const { return conditions_.size(); }

 private:
  DropRules() = default;
  struct Test {
    DropField field;
    std::unique_ptr<RE2> re;
  };
  std::vector<std::vector<Test>> conditions_;
  bool needs_route_ = false;
};

}  // namespace accesslog
