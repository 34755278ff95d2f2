// Stage: counters -> samples. What the prometheus-cpp model (MetricFamily, ClientMetric) cannot
// carry and the newer expositions can: a histogram's native buckets (protobuf only) and
// exemplars (OpenMetrics and protobuf; never text 0.0.4). The collector fills it beside the
// families (AccessLogCollector::Collect(&extras)); the writers take it as an optional argument.
//
//   ExpositionExtras extras;
//   auto families = CollectAll(collectables, &extras);
//   AppendProtobufDelimited(families, &out, &extras);
//
// Keyed by the family's name, then by the sample's index in that family's `metric` list; a
// family or sample without an entry has no extras.
//
// Thread-safety: plain data.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "counters/exemplar.h"
#include "counters/native_histogram.h"

namespace accesslog {

struct SampleExtras {
  std::optional<NativeHistogramSnapshot> native;
  std::optional<Exemplar> exemplar;  // a counter's
  // A histogram's, by classic bucket (the index in ClientMetric::histogram.bucket).
  std::vector<std::optional<Exemplar>> bucket_exemplars;
};

using ExpositionExtras = std::map<std::string, std::vector<SampleExtras>, std::less<>>;

}  // namespace accesslog
