// Stage: counters -> samples. The OpenMetrics 1.0 text exposition (also served for 0.0.1), from
// the same families as the text format 0.0.4:
//
//   std::string text;
//   accesslog::AppendOpenMetrics(families, {.created_seconds = start_time}, &text);
//
// What differs from text 0.0.4 (OpenMetrics 1.0, "ABNF" and "Metric types"): a counter family is
// named without its _total suffix in # TYPE and # HELP, and its samples are <name>_total and,
// when a creation time is known, <name>_created; histograms get _created too; a family whose
// name ends in _seconds or _bytes gets # UNIT; untyped families are "unknown"; histogram le
// values are canonical floats ("1.0", "+Inf"); HELP escapes \, newline and "; the exposition
// ends with "# EOF". With options.extras, exemplars (exposition_extras.h) follow their sample:
// `name_total{…} 42 # {trace_id="…"} 1 1764590000.123` on a counter, and on the histogram
// bucket each fell in (OpenMetrics "Exemplars"; the timestamp in seconds, to the millisecond).
//
// Thread-safety: no state.
#pragma once

#include <prometheus/metric_family.h>

#include <map>
#include <string>
#include <vector>

#include "exposition/exposition_extras.h"

namespace accesslog {

struct OpenMetricsOptions {
  // Unix time since which the counters and histograms count (their _created); 0: not written.
  double created_seconds = 0;
  // A creation time of their own for some families (by the family's full name), e.g. the
  // response counters after a reload reset them.
  std::map<std::string, double> created_by_family;
  // Exemplars to write (the collector's); none when null.
  const ExpositionExtras* extras = nullptr;
};

void AppendOpenMetrics(const std::vector<prometheus::MetricFamily>& families,
                       const OpenMetricsOptions& options, std::string* out);

}  // namespace accesslog
