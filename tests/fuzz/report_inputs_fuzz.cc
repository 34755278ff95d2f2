// libFuzzer target: what `analyze` reads from outside besides the lines' fields: timestamps as
// logs write them (ParseLogTime, per line) and `--fail-on` conditions (ParseFailCondition).
// The input is split at its first newline: the first part is a condition, the rest a timestamp
// (and the whole input is tried as a timestamp too). Whatever the bytes:
//   - an accepted timestamp, written back by FormatLogTime and read again, is the same instant
//     and the same offset, and its offset is within ±24 h;
//   - a refused condition has a one-line error naming it; an accepted one (any metric, unmatched
//     included) has a finite value (0-100 for a percentage), and evaluating it on any counts
//     gives a ratio in [0, 1] or a count, and an explanation that names the metric.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "report/fail_on.h"
#include "report/log_time.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckTime(std::string_view text) {
  accesslog::LogTime t;
  if (!accesslog::ParseLogTime(text, &t)) return;
  Check(std::abs(t.utc_offset_seconds) <= 24 * 3600);
  const std::string again = accesslog::FormatLogTime(t.unix_seconds, t.utc_offset_seconds);
  accesslog::LogTime back;
  Check(accesslog::ParseLogTime(again, &back));
  Check(back.unix_seconds == t.unix_seconds);
  Check(back.utc_offset_seconds == t.utc_offset_seconds);
}

void CheckCondition(std::string_view text, const uint8_t* data, size_t size) {
  std::string error;
  const auto c = accesslog::ParseFailCondition(text, &error);
  if (!c) {
    Check(!error.empty() && error.find('\n') == std::string::npos);
    return;
  }
  Check(std::isfinite(c->value) && c->value >= 0);
  if (c->percent) Check(c->value <= 100);
  // Counts from the input's bytes, consistent as analyze makes them (parts of the whole).
  uint64_t n[4] = {};
  for (size_t i = 0; i < size; ++i) n[i % 4] = n[i % 4] * 131 + data[i];
  accesslog::FailOnCounts counts;
  counts.lines = n[0] % 1000000;
  counts.malformed = counts.lines ? n[1] % (counts.lines + 1) : 0;
  counts.responses = counts.lines - counts.malformed;
  const uint64_t r = counts.responses + 1;
  counts.count_5xx = n[2] % r;
  counts.count_4xx = (n[3] % r) - std::min(n[3] % r, counts.count_5xx);
  counts.count_429 = counts.count_4xx / 2;
  counts.undocumented = n[1] % r;
  counts.unmatched = n[2] % r;  // a part of the undocumented, or not: any count up to responses
  const accesslog::FailCheck result = accesslog::EvaluateFailCondition(*c, counts);
  Check(std::isfinite(result.actual) && result.actual >= 0);
  if (c->percent) Check(result.actual <= 1);
  Check(result.explanation.find(accesslog::FailMetricName(c->metric)) != std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckTime(input);
  const size_t nl = input.find('\n');
  CheckCondition(input.substr(0, nl), data, size);
  if (nl != std::string_view::npos) CheckTime(input.substr(nl + 1));
  return 0;
}
