// Stage: report. `--fail-on` conditions: when one holds, `analyze` exits 3 so a CI job fails.
//
//   std::string error;
//   auto c = accesslog::ParseFailCondition("5xx>1%", &error);
//   if (!c) { usage(error); }  // "--fail-on '5xx>>1%': ..."
//   FailCheck r = EvaluateFailCondition(*c, counts);
//   if (r.holds) std::cerr << "analyze: fail-on condition holds: " << c->text << " ("
//                          << r.explanation << ")\n";
//
// Grammar: METRIC OP VALUE[%], blanks allowed between the parts.
//   METRIC  5xx, 4xx, 429, undocumented (responses whose code is not documented: by their
//           operation with an OpenAPI contract, else by the table), malformed, unmatched
//           (responses whose path matched no template of the contract; analyze refuses it
//           without one)
//   OP      >  >=  <  <=
//   VALUE   with "%": a percentage (0-100) of the responses (of the lines read, for malformed);
//           without: an absolute count, a whole number ("undocumented>0", "5xx>=100").
// A percentage over zero responses (or zero lines) is 0 %.
//
// Thread-safety: plain functions and values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace accesslog {

enum class FailMetric { k5xx, k4xx, k429, kUndocumented, kMalformed, kUnmatched };
enum class FailOp { kGreater, kGreaterEqual, kLess, kLessEqual };

struct FailCondition {
  std::string text;  // as given, without surrounding blanks: "5xx>1%"
  FailMetric metric = FailMetric::k5xx;
  FailOp op = FailOp::kGreater;
  double value = 0;      // a percentage when `percent`, else a count
  bool percent = false;  // compare the ratio, not the count
};

// What conditions are evaluated against.
struct FailOnCounts {
  uint64_t lines = 0;      // every line read (the denominator for malformed)
  uint64_t responses = 0;  // lines with a valid status (the denominator for the rest)
  uint64_t count_5xx = 0;
  uint64_t count_4xx = 0;
  uint64_t count_429 = 0;
  uint64_t undocumented = 0;
  uint64_t malformed = 0;
  uint64_t unmatched = 0;  // with a contract: responses whose path matched no template
};

struct FailCheck {
  bool holds = false;
  double actual = 0;        // the ratio (0..1) for a percentage condition, else the count
  std::string explanation;  // "5xx ratio is 2.31%", "undocumented count is 12"
};

// Parses one condition. On failure returns nullopt and sets *error to one line naming the
// condition and what is wrong with it.
[[nodiscard]] std::optional<FailCondition> ParseFailCondition(std::string_view text,
                                                              std::string* error);

[[nodiscard]] FailCheck EvaluateFailCondition(const FailCondition& condition,
                                              const FailOnCounts& counts);

// "5xx", "4xx", "429", "undocumented", "malformed", "unmatched".
[[nodiscard]] std::string_view FailMetricName(FailMetric metric);

}  // namespace accesslog
