// Stage: counters -> samples. The Prometheus protobuf exposition: length-delimited
// io.prometheus.client.MetricFamily messages (content type application/vnd.google.protobuf;
// proto=io.prometheus.client.MetricFamily; encoding=delimited), the classes generated at build
// time from the metrics.proto Debian ships in golang-github-prometheus-client-model-dev.
//
//   std::string body;
//   accesslog::AppendProtobufDelimited(families, &body);
//
// Each family becomes one message, named as in the text format (counters keep _total, as the Go
// client writes them); histograms carry their classic cumulative buckets (+Inf included) and,
// where `extras` has them (histograms.native), their native buckets beside: schema, zero
// threshold and count, spans and deltas (NativeSpans), as client_golang writes a histogram with
// both; a native histogram with no bucket and no zero bucket gets client_golang's empty span
// (offset 0, length 0), so that Prometheus still reads it as native. Such a histogram's
// sample_count is its native buckets' total, which newer Prometheus versions require to be
// exact; the classic buckets, read a moment later during a scrape beside the writer, may hold
// a few more observations (nothing checks those against the count).
//
// Thread-safety: no state.
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <vector>

#include "exposition/exposition_extras.h"

namespace accesslog {

void AppendProtobufDelimited(const std::vector<prometheus::MetricFamily>& families,
                             std::string* out, const ExpositionExtras* extras = nullptr);

}  // namespace accesslog
