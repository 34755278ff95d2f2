// Stage: counters -> samples. The standard process_* metrics every Prometheus exporter serves
// (prometheus-cpp has no process collector): read from /proc/self at scrape time.
//
// Exports process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds, process_start_time_seconds.
// A value that cannot be read is left out rather than reported as 0.
//
// Thread-safety: Collect may be called concurrently.
#pragma once

#include <prometheus/collectable.h>

#include <vector>

namespace accesslog {

class ProcessCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace accesslog
