#include "exposition/family.h"

#include <utility>

namespace accesslog {

prometheus::MetricFamily MakeFamily(std::string name, std::string help,
                                    prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void AddSample(prometheus::MetricFamily* family, SampleLabels labels, double value) {
  prometheus::ClientMetric& m = family->metric.emplace_back();
  m.label = std::move(labels);
  if (family->type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
}

prometheus::MetricFamily SingleSample(std::string name, std::string help,
                                      prometheus::MetricType type, double value) {
  prometheus::MetricFamily f = MakeFamily(std::move(name), std::move(help), type);
  AddSample(&f, {}, value);
  return f;
}

}  // namespace accesslog
