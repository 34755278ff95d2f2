// Stage: counters -> samples. The Prometheus protobuf exposition: length-delimited
// io.prometheus.client.MetricFamily messages (content type application/vnd.google.protobuf;
// proto=io.prometheus.client.MetricFamily; encoding=delimited), the classes generated at build
// time from the metrics.proto Debian ships in golang-github-prometheus-client-model-dev.
//
//   std::string body;
//   accesslog::AppendProtobufDelimited(families, &body);
//
// Each family becomes one message, named as in the text format (counters keep _total, as the Go
// client writes them); histograms carry their classic cumulative buckets (+Inf included).
//
// Thread-safety: no state.
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <vector>

namespace accesslog {

void AppendProtobufDelimited(const std::vector<prometheus::MetricFamily>& families,
                             std::string* out);

}  // namespace accesslog
