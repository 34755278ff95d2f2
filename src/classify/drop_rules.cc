#include "classify/drop_rules.h"

#include <algorithm>
#include <charconv>

namespace accesslog {
namespace {

struct Known {
  const char* name;
  DropField field;
};

constexpr Known kFields[] = {
    {"method", DropField::kMethod},
    {"path", DropField::kPath},
    {"route", DropField::kRoute},
    {"host", DropField::kHost},
    {"user_agent", DropField::kUserAgent},
    {"remote_addr", DropField::kRemoteAddr},
    {"referer", DropField::kReferer},
    {"status", DropField::kStatus},
    {"upstream", DropField::kUpstream},
    {"tag", DropField::kSyslogTag},
    {"hostname", DropField::kSyslogHostname},
    {"facility", DropField::kSyslogFacility},
    {"severity", DropField::kSyslogSeverity},
    {"operation", DropField::kOperation},
};

const char* kKnownList =
    "method, path, route, host, user_agent, remote_addr, referer, status, upstream; syslog "
    "sources: tag, hostname, facility, severity; sources with api: operation";

RE2::Options PatternOptions() {
  RE2::Options options;
  options.set_log_errors(false);
  // Byte-wise, as the regex format: a log's fields are not always valid UTF-8.
  options.set_encoding(RE2::Options::EncodingLatin1);
  return options;
}

bool Carried(DropField f, const FormatCapabilities& caps, DropScope scope) {
  switch (f) {
    case DropField::kMethod:
      return caps.method;
    case DropField::kPath:
    case DropField::kRoute:
      return caps.path;
    case DropField::kHost:
      return caps.host;
    case DropField::kUserAgent:
      return caps.user_agent;
    case DropField::kRemoteAddr:
      return caps.remote_addr;
    case DropField::kReferer:
      return caps.referer;
    case DropField::kStatus:
      return true;
    case DropField::kUpstream:
      return caps.upstream;
    case DropField::kSyslogTag:
    case DropField::kSyslogHostname:
    case DropField::kSyslogFacility:
    case DropField::kSyslogSeverity:
      return scope.syslog;
    case DropField::kOperation:
      return scope.api && caps.path && caps.method;
  }
  return false;
}

}  // namespace

std::string_view DropRules::Value(DropField f, const DropLine& line, char (&digits)[4]) {
  const Fields& fields = *line.fields;
  auto number = [&digits](int v) -> std::string_view {
    if (v < 0) return {};
    const auto r = std::to_chars(digits, digits + sizeof(digits), v);
    return {digits, static_cast<size_t>(r.ptr - digits)};
  };
  switch (f) {
    case DropField::kMethod:
      return fields.method;
    case DropField::kPath:
      return fields.path;
    case DropField::kRoute:
      return {};  // the caller's route function (Matches)
    case DropField::kHost:
      return fields.host;
    case DropField::kUserAgent:
      return fields.user_agent;
    case DropField::kRemoteAddr:
      return fields.remote_addr;
    case DropField::kReferer:
      return fields.referer;
    case DropField::kStatus:
      return fields.status;
    case DropField::kUpstream:
      return fields.upstream;
    case DropField::kSyslogTag:
      return line.syslog ? line.syslog->tag : std::string_view();
    case DropField::kSyslogHostname:
      return line.syslog ? line.syslog->hostname : std::string_view();
    case DropField::kSyslogFacility:
      return line.syslog ? number(line.syslog->facility) : std::string_view();
    case DropField::kSyslogSeverity:
      return line.syslog ? number(line.syslog->severity) : std::string_view();
    case DropField::kOperation:
      return line.operation;
  }
  return {};
}

bool CheckDropField(std::string_view name, const FormatCapabilities& caps, DropScope scope,
                    DropField* field, std::string* error) {
  for (const Known& k : kFields) {
    if (name != k.name) continue;
    if (!Carried(k.field, caps, scope)) {
      *error = k.field == DropField::kOperation && !scope.api
                   ? "'operation' is the operation of the source's OpenAPI document: only a "
                     "source with api.openapi has it"
               : k.field >= DropField::kSyslogTag && k.field != DropField::kOperation
                   ? "'" + std::string(name) + "' is a syslog field: only a listen source has it"
                   : "the source's format does not carry '" + std::string(name) +
                         "', so this condition could never match";
      return false;
    }
    *field = k.field;
    return true;
  }
  *error = "unknown field '" + std::string(name) + "' (known: " + kKnownList + ")";
  return false;
}

bool CheckDropPattern(const std::string& pattern, std::string* error) {
  const RE2 re(pattern, PatternOptions());
  if (re.ok()) return true;
  *error = "invalid RE2 pattern '" + pattern + "': " + re.error();
  return false;
}

std::unique_ptr<DropRules> DropRules::Compile(const std::vector<DropCondition>& conditions,
                                              const FormatCapabilities& caps,
                                              DropScope scope, std::string* error) {
  std::unique_ptr<DropRules> rules(new DropRules());
  for (size_t i = 0; i < conditions.size(); ++i) {
    const std::string where = "drop[" + std::to_string(i) + "]";
    if (conditions[i].empty()) {
      *error = where + ": a condition needs at least one field";
      return nullptr;
    }
    std::vector<Test> tests;
    for (const auto& [name, pattern] : conditions[i]) {
      Test t;
      std::string why;
      if (!CheckDropField(name, caps, scope, &t.field, &why)) {
        *error = where + "." + name + ": " + why;
        return nullptr;
      }
      t.re = std::make_unique<RE2>(pattern, PatternOptions());
      if (!t.re->ok()) {
        *error = where + "." + name + ": invalid RE2 pattern '" + pattern + "': " + t.re->error();
        return nullptr;
      }
      t.has_range = t.re->PossibleMatchRange(&t.min, &t.max, 16);
      rules->needs_route_ |= t.field == DropField::kRoute;
      tests.push_back(std::move(t));
    }
    // The route last: the only field whose value costs a computation (see the header).
    std::stable_partition(tests.begin(), tests.end(),
                          [](const Test& t) { return t.field != DropField::kRoute; });
    rules->conditions_.push_back(std::move(tests));
  }
  return rules;
}

}  // namespace accesslog
