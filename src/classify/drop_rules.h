// Stage: classification. Drop rules: the parsed lines a source deliberately does not count
// (health checks, readiness probes, scrapes). A source's `drop:` is a list of conditions; a
// condition maps field names to RE2 patterns that must all match the field's whole value; a line
// that satisfies any condition is dropped: the source counts it as
// accesslog_lines_total{result="dropped"} and nowhere else.
//
//   std::vector<DropCondition> conditions = {
//       {{"route", "/(healthz|readyz|metrics)"}, {"user_agent", "kube-probe/.*"}}};
//   std::string error;
//   auto rules = DropRules::Compile(conditions, caps, {.syslog = false}, &error);
//   if (!rules) die(error);   // "drop[0].route: invalid RE2 pattern: missing ): ..."
//   DropLine line{.fields = &fields};
//   auto route = [&] { return normalizer.Normalize(fields.path, &scratch); };  // called lazily
//   if (rules->Matches(line, route)) { count it as dropped; }
//
// Fields (DropFieldName): method, path (as logged, with its query), route (the path normalised
// as for the route label, which the caller computes), host, user_agent, remote_addr, referer,
// status (the three digits as logged), upstream; and for syslog sources tag (the TAG or
// APP-NAME), hostname, facility and severity (as decimal numbers: 23 is local7, 6 is info); and
// for sources with an OpenAPI document (api:) operation, the operationId of the operation the
// line answered ("" when none), their route being the document's path template ("__unmatched__"
// when none matched). A field that is empty in a line ("-" in the log) matches a pattern only if
// the pattern matches "".
//
// Errors: Compile refuses a field the format does not carry (the caps of the source's parser,
// and the syslog fields only for a listen source) and a pattern RE2 rejects, naming the
// condition, the key and the reason; the config file loader uses CheckDropField and
// CheckDropPattern to say the same with the file's line and column.
//
// Cost: patterns are compiled once; Matches evaluates the conditions in order and, inside one,
// the fields in the order written except that the route comes last (it is the only field that
// costs a computation: the caller's route function runs only when every other field of a
// condition has matched, at most once per line); it stops at the first field that does not
// match. Each test first compares the value with the pattern's possible match range
// (RE2::PossibleMatchRange: a literal prefix such as "kube-probe/" rejects most values without
// running RE2), then runs RE2's DFA with no submatches. Matches does not allocate (RE2's DFA may
// grow its bounded cache on new inputs) and takes no lock.
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
  kOperation,
};

// What a source has beyond its format's fields: a syslog header (a listen source), an OpenAPI
// document (api:).
struct DropScope {
  bool syslog = false;
  bool api = false;
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

// One parsed line as the rules see it. `syslog` may be null for a line that has no syslog
// header.
struct DropLine {
  const Fields* fields = nullptr;
  const DropSyslog* syslog = nullptr;
  std::string_view operation;  // a source with api: the line's operationId ("" when none)
};

// Checks that `name` is a drop field the source can fill: its format's capabilities `caps`, the
// syslog fields for a listen source, operation for a source with api. Returns false with *error
// set ("unknown field ...; known: ..." or "the source's format does not carry ...").
[[nodiscard]] bool CheckDropField(std::string_view name, const FormatCapabilities& caps,
                                  DropScope scope, DropField* field, std::string* error);
// Checks that RE2 compiles `pattern`. Returns false with *error set to RE2's reason.
[[nodiscard]] bool CheckDropPattern(const std::string& pattern, std::string* error);

class DropRules {
 public:
  // Compiles the conditions; nullptr with *error ("drop[I].KEY: reason") on a field the source
  // cannot fill, a bad pattern or an empty condition.
  [[nodiscard]] static std::unique_ptr<DropRules> Compile(
      const std::vector<DropCondition>& conditions, const FormatCapabilities& caps,
      DropScope scope, std::string* error);

  DropRules(const DropRules&) = delete;  // owns compiled RE2 objects
  DropRules& operator=(const DropRules&) = delete;

  // True when some condition matches the line. `route()` returns the line's route (a view valid
  // until Matches returns); it is called only when a condition reaches its route field, at
  // most once.
  template <typename RouteFn>
  [[nodiscard]] bool Matches(const DropLine& line, RouteFn&& route) const {
    std::string_view route_value;
    bool have_route = false;
    char digits[4];
    for (const std::vector<Test>& condition : conditions_) {
      bool all = true;
      for (const Test& t : condition) {
        std::string_view v;
        if (t.field == DropField::kRoute) {
          if (!have_route) {
            route_value = route();
            have_route = true;
          }
          v = route_value;
        } else {
          v = Value(t.field, line, digits);
        }
        if (!t.Match(v)) {
          all = false;
          break;
        }
      }
      if (all) return true;
    }
    return false;
  }
  // The same, for rules that do not read the route (!needs_route()).
  [[nodiscard]] bool Matches(const DropLine& line) const {
    return Matches(line, [] { return std::string_view(); });
  }
  // Whether some condition reads the route (the caller computes it only then).
  [[nodiscard]] bool needs_route() const { return needs_route_; }
  [[nodiscard]] size_t size() const { return conditions_.size(); }

 private:
  DropRules() = default;
  struct Test {
    DropField field;
    std::unique_ptr<RE2> re;
    // Every full match s satisfies min <= s <= max (when has_range).
    bool has_range = false;
    std::string min, max;
    [[nodiscard]] bool Match(std::string_view v) const {
      if (has_range && (v < min || v > max)) return false;
      return re->Match(v, 0, v.size(), RE2::ANCHOR_BOTH, nullptr, 0);
    }
  };
  // The field's value as text; numbers are written into `digits`.
  [[nodiscard]] static std::string_view Value(DropField f, const DropLine& line, char (&digits)[4]);
  std::vector<std::vector<Test>> conditions_;
  bool needs_route_ = false;
};

}  // namespace accesslog
