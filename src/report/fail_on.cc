#include "report/fail_on.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "report/text_format.h"

namespace accesslog {
namespace {

constexpr std::string_view kBlanks = " \t";

std::string_view Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(kBlanks);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kBlanks) - b + 1);
}

bool ParseMetric(std::string_view name, FailMetric* out) {
  static constexpr FailMetric kAll[] = {FailMetric::k5xx,       FailMetric::k4xx,
                                        FailMetric::k429,       FailMetric::kUndocumented,
                                        FailMetric::kMalformed, FailMetric::kUnmatched};
  for (FailMetric m : kAll) {
    if (name == FailMetricName(m)) {
      *out = m;
      return true;
    }
  }
  return false;
}

bool Compare(double lhs, FailOp op, double rhs) {
  switch (op) {
    case FailOp::kGreater:
      return lhs > rhs;
    case FailOp::kGreaterEqual:
      return lhs >= rhs;
    case FailOp::kLess:
      return lhs < rhs;
    case FailOp::kLessEqual:
      return lhs <= rhs;
  }
  return false;
}

}  // namespace

std::string_view FailMetricName(FailMetric metric) {
  switch (metric) {
    case FailMetric::k5xx:
      return "5xx";
    case FailMetric::k4xx:
      return "4xx";
    case FailMetric::k429:
      return "429";
    case FailMetric::kUndocumented:
      return "undocumented";
    case FailMetric::kMalformed:
      return "malformed";
    case FailMetric::kUnmatched:
      return "unmatched";
  }
  return "?";
}

std::optional<FailCondition> ParseFailCondition(std::string_view text, std::string* error) {
  FailCondition c;
  c.text = std::string(Trim(text));
  const std::string prefix = "--fail-on '" + c.text + "': ";
  const size_t op_at = c.text.find_first_of("<>");
  if (op_at == std::string::npos) {
    *error = prefix + "expected METRIC OP VALUE[%] with OP one of > >= < <=, e.g. 5xx>1%";
    return std::nullopt;
  }
  const std::string_view all = c.text;
  const std::string_view metric = Trim(all.substr(0, op_at));
  if (!ParseMetric(metric, &c.metric)) {
    *error = prefix + "unknown metric '" + std::string(metric) +
             "' (expected 5xx, 4xx, 429, undocumented, malformed or unmatched)";
    return std::nullopt;
  }
  size_t value_at = op_at + 1;
  const bool equal = value_at < all.size() && all[value_at] == '=';
  if (equal) ++value_at;
  c.op = all[op_at] == '>' ? (equal ? FailOp::kGreaterEqual : FailOp::kGreater)
                           : (equal ? FailOp::kLessEqual : FailOp::kLess);
  std::string_view value = Trim(all.substr(value_at));
  if (!value.empty() && value.back() == '%') {
    c.percent = true;
    value = Trim(value.substr(0, value.size() - 1));
  }
  if (value.empty()) {
    *error = prefix + "missing value after the operator (e.g. 5xx>1% or undocumented>0)";
    return std::nullopt;
  }
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), c.value);
  if (ec != std::errc() || ptr != value.data() + value.size() || !std::isfinite(c.value) ||
      value[0] == '-') {
    *error = prefix + "'" + std::string(value) + "' is not a non-negative number";
    return std::nullopt;
  }
  if (c.percent && c.value > 100) {
    *error = prefix + "a percentage must be between 0% and 100%";
    return std::nullopt;
  }
  if (!c.percent && c.value != std::floor(c.value)) {
    *error = prefix + "a count must be a whole number; for a ratio write a percentage, e.g. " +
             std::string(metric) + std::string(all.substr(op_at, value_at - op_at)) +
             std::string(value) + "%";
    return std::nullopt;
  }
  return c;
}

FailCheck EvaluateFailCondition(const FailCondition& condition, const FailOnCounts& counts) {
  uint64_t count = 0;
  uint64_t total = counts.responses;
  switch (condition.metric) {
    case FailMetric::k5xx:
      count = counts.count_5xx;
      break;
    case FailMetric::k4xx:
      count = counts.count_4xx;
      break;
    case FailMetric::k429:
      count = counts.count_429;
      break;
    case FailMetric::kUndocumented:
      count = counts.undocumented;
      break;
    case FailMetric::kMalformed:
      count = counts.malformed;
      total = counts.lines;
      break;
    case FailMetric::kUnmatched:
      count = counts.unmatched;
      break;
  }
  FailCheck r;
  const std::string name(FailMetricName(condition.metric));
  if (condition.percent) {
    r.actual = Ratio(count, total);
    // count * 100 against value * total: no division, so "5xx>=1%" holds at exactly 1 in 100.
    r.holds = total == 0 ? Compare(0, condition.op, condition.value)
                         : Compare(static_cast<double>(count) * 100, condition.op,
                                   condition.value * static_cast<double>(total));
    r.explanation = name + " ratio is " + FormatPercent(r.actual);
    if (condition.metric == FailMetric::kMalformed) r.explanation += " of lines";
  } else {
    r.actual = static_cast<double>(count);
    r.holds = Compare(r.actual, condition.op, condition.value);
    r.explanation = name + " count is " + std::to_string(count);
  }
  return r;
}

}  // namespace accesslog
