#include "push/push_collector.h"

#include "exposition/family.h"

namespace accesslog {

using prometheus::MetricFamily;
using prometheus::MetricType;

std::vector<MetricFamily> RemoteWriteCollector::Collect() const {
  if (!stats_->configured.load(std::memory_order_relaxed)) return {};
  std::vector<MetricFamily> out;
  MetricFamily requests = MakeFamily(
      "accesslog_remote_write_requests_total",
      "Remote-write requests sent, by outcome: success (2xx), retried (5xx, 429 or no answer: "
      "sent again after a backoff), failed (any other status: the request is dropped).",
      MetricType::Counter);
  const char* request_results[] = {"success", "retried", "failed"};
  for (size_t r = 0; r < kNumPushRequestResults; ++r) {
    AddSample(&requests, {{"result", request_results[r]}},
              static_cast<double>(stats_->requests[r].load(std::memory_order_relaxed)));
  }
  out.push_back(std::move(requests));
  MetricFamily samples = MakeFamily(
      "accesslog_remote_write_samples_total",
      "Samples pushed, by outcome: sent (in requests the receiver accepted), dropped (in failed "
      "requests, or pushed out of the full queue).",
      MetricType::Counter);
  const char* sample_results[] = {"sent", "dropped"};
  for (size_t r = 0; r < kNumPushSampleResults; ++r) {
    AddSample(&samples, {{"result", sample_results[r]}},
              static_cast<double>(stats_->samples[r].load(std::memory_order_relaxed)));
  }
  out.push_back(std::move(samples));
  out.push_back(SingleSample(
      "accesslog_remote_write_last_success_timestamp_seconds",
      "When the receiver last accepted a remote-write request (Unix seconds; 0 until it has).",
      MetricType::Gauge, stats_->last_success_seconds.load(std::memory_order_relaxed)));
  out.push_back(SingleSample(
      "accesslog_remote_write_queue_samples",
      "Samples waiting to be pushed (at most remote_write.queue.max_samples).", MetricType::Gauge,
      static_cast<double>(stats_->queue_samples.load(std::memory_order_relaxed))));
  return out;
}

}  // namespace accesslog
