// Stage: exposition. Building prometheus-cpp metric families by hand, as every collector of ours
// does at scrape time (the response metrics, the process, the inputs, the web endpoint):
//
//   auto f = MakeFamily("accesslog_web_connections_open", "Connections open now.",
//                       prometheus::MetricType::Gauge);
//   AddSample(&f, {{"log", "api"}}, 3);
//   out.push_back(SingleSample("accesslog_series", "Series exported now.",
//                              prometheus::MetricType::Gauge, 680));
//
// AddSample sets the counter's value for a Counter family and the gauge's for every other type
// (histograms are filled by their collectors directly).
//
// Thread-safety: no state.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include <string>
#include <vector>

namespace accesslog {

using SampleLabels = std::vector<prometheus::ClientMetric::Label>;

// A family with no samples yet.
[[nodiscard]] prometheus::MetricFamily MakeFamily(std::string name, std::string help,
                                                  prometheus::MetricType type);

// Appends one sample with `labels` and `value` to *family.
void AddSample(prometheus::MetricFamily* family, SampleLabels labels, double value);

// A family of one sample without labels.
[[nodiscard]] prometheus::MetricFamily SingleSample(std::string name, std::string help,
                                                    prometheus::MetricType type, double value);

}  // namespace accesslog
