// Stage: counters -> samples. Turns the workers' slots into Prometheus metric families when a
// scrape asks, so the per-line path never sees a label string.
//
//   auto collector = std::make_shared<accesslog::AccessLogCollector>(table, build);
//   collector->SetRecorders({recorder});
//   collector->AddSource("api", source_slots);
//   std::string text = accesslog::RenderExposition({collector.get(), process.get()});
//
// Exports (PRODUCT.md section 3): accesslog_http_responses_total{code,class,documented,+labels},
// accesslog_http_responses_by_class_total{class,+labels}, accesslog_status_code_info,
// accesslog_http_request_duration_seconds, accesslog_http_upstream_duration_seconds and
// accesslog_http_response_size_bytes{class,+labels} (when a source's format carries the
// field), accesslog_label_overflow_total{metric} (when dynamic labels are on),
// accesslog_lines_total{log,result}, accesslog_bytes_read_total{log},
// accesslog_file_rotations_total{log}, accesslog_last_line_timestamp_seconds{log},
// accesslog_build_info{version,revision}. Without dynamic labels, every documented code and
// every class is exported from the start, at 0 until seen, so rate() sees the first burst of a
// new series; with them, each label set exports its five classes and the codes it has seen.
// Every label value is valid UTF-8, as Prometheus requires: values from the logs are made so
// when interned (labels.h), names, paths, static values and meanings when collected.
//
// Thread-safety: all methods may be called concurrently; Collect takes a mutex that only
// registration and reload contend for, never the per-line path.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "classify/status_table.h"
#include "counters/recorder.h"
#include "counters/slots.h"
#include "exposition/contract_info.h"
#include "exposition/exposition_extras.h"

namespace accesslog {

struct BuildInfo {
  std::string version;
  std::string revision;
};

// Per-file tail state for the self-metrics; supplied by the app at scrape time.
struct FollowedFile {
  std::string log;   // the source's name
  std::string path;  // the file
  int64_t lag_bytes = 0;
  // Counted in accesslog_read_lag_bytes{log} summed over the source's files, without a `path`
  // label: container log sources (one file per container) would otherwise add a series per
  // pod that comes and goes.
  bool aggregate = false;
};

class AccessLogCollector final : public prometheus::Collectable {
 public:
  AccessLogCollector(std::shared_ptr<const StatusTable> table, BuildInfo build);

  // The workers' recorders (all built from the same label and histogram options).
  void SetRecorders(std::vector<std::shared_ptr<const Recorder>> recorders);
  // A source (the `log` label) and its line counters. Registering a name again replaces it.
  void AddSource(std::string log_name, std::shared_ptr<const SourceSlots> slots);
  // Forgets every source (reload).
  void ClearSources();
  // Swaps the status-code table (reload). Counts are kept: they are by code.
  void SetStatusTable(std::shared_ptr<const StatusTable> table);
  // What the sources are judged against beside the table: their own tables and OpenAPI
  // contracts (contract_info.h). Replaced whole on reload.
  void SetContracts(std::vector<SourceContract> contracts);
  // Where the files followed come from at scrape time (the tail stage's snapshot).
  void SetFileSnapshot(std::function<std::vector<FollowedFile>()> snapshot);

  std::vector<prometheus::MetricFamily> Collect() const override;
  // The same families, and in *extras what only OpenMetrics and protobuf carry (native
  // buckets, exemplars; exposition_extras.h).
  std::vector<prometheus::MetricFamily> Collect(ExpositionExtras* extras) const;

 private:
  struct Source {
    std::string name;
    std::shared_ptr<const SourceSlots> slots;
  };

  void CollectResponses(std::vector<prometheus::MetricFamily>* out, ExpositionExtras* extras) const;
  void CollectSources(std::vector<prometheus::MetricFamily>* out) const;

  mutable std::mutex mu_;
  std::shared_ptr<const StatusTable> table_;
  BuildInfo build_;
  std::vector<std::shared_ptr<const Recorder>> recorders_;
  std::vector<Source> sources_;
  std::vector<SourceContract> contracts_;
  std::function<std::vector<FollowedFile>()> snapshot_;
};

// Collects every collectable and serializes them in the text exposition format 0.0.4
// (exposition.h).
// Every family of every collectable, in order (the input of the exposition writers).
// With `extras`, an AccessLogCollector among them also fills it.
std::vector<prometheus::MetricFamily> CollectAll(
    const std::vector<const prometheus::Collectable*>& collectables,
    ExpositionExtras* extras = nullptr);

std::string RenderExposition(const std::vector<const prometheus::Collectable*>& collectables);

}  // namespace accesslog
