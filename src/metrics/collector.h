// Stage: counters -> samples. Turns the per-thread slots into Prometheus metric families when
// a scrape asks, so the per-line path never sees a label.
//
//   auto collector = std::make_shared<accesslog::AccessLogCollector>(table, build);
//   collector->AddResponseSlots(worker_slots);
//   collector->AddSource("/var/log/nginx/access.log", source_slots);
//   std::string text = accesslog::RenderExposition({collector.get(), process.get()});
//
// Exports (PRODUCT.md section 3): accesslog_http_responses_total{code,class,documented},
// accesslog_http_responses_by_class_total{class}, accesslog_status_code_info{code,class,meaning},
// accesslog_lines_total{log,result}, accesslog_bytes_read_total{log},
// accesslog_file_rotations_total{log}, accesslog_last_line_timestamp_seconds{log},
// accesslog_build_info{version,revision}. Every documented code and every class is exported
// from the start at 0, so rate() sees the first burst of a new series.
//
// Thread-safety: all methods may be called concurrently; Collect takes a mutex that only
// registration and reload contend for, never the per-line path.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "classify/status_table.h"
#include "metrics/slots.h"

namespace accesslog {

struct BuildInfo {
  std::string version;
  std::string revision;
};

class AccessLogCollector final : public prometheus::Collectable {
 public:
  AccessLogCollector(std::shared_ptr<const StatusTable> table, BuildInfo build);

  void AddResponseSlots(std::shared_ptr<const ResponseSlots> slots);
  void AddSource(std::string log_name, std::shared_ptr<const SourceSlots> slots);
  // Swaps the status-code table (reload). Counts are kept: they are by code.
  void SetStatusTable(std::shared_ptr<const StatusTable> table);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct Source {
    std::string name;
    std::shared_ptr<const SourceSlots> slots;
  };

  mutable std::mutex mu_;
  std::shared_ptr<const StatusTable> table_;
  BuildInfo build_;
  std::vector<std::shared_ptr<const ResponseSlots>> responses_;
  std::vector<Source> sources_;
};

// Collects every collectable and serializes them in the text exposition format 0.0.4.
std::string RenderExposition(const std::vector<const prometheus::Collectable*>& collectables);

}  // namespace accesslog
