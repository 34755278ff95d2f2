#include "app/reload_collector.h"

#include <prometheus/metric_family.h>

#include "exposition/family.h"

namespace accesslog {

std::vector<prometheus::MetricFamily> ReloadCollector::Collect() const {
  std::vector<prometheus::MetricFamily> out;
  out.push_back(SingleSample("accesslog_config_last_reload_successful",
                             "Whether the last configuration reload succeeded (1 at start-up); 0 "
                             "while the running configuration is older than the one asked for.",
                             prometheus::MetricType::Gauge, successful_.load() ? 1 : 0));
  out.push_back(SingleSample("accesslog_config_last_reload_success_timestamp_seconds",
                             "When the configuration in force was loaded: start-up or the last "
                             "successful reload.",
                             prometheus::MetricType::Gauge, success_seconds_.load()));
  return out;
}

}  // namespace accesslog
