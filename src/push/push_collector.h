// Stage: push. The pusher's own counters, and their metric families at scrape (and push) time:
//
//   accesslog_remote_write_requests_total{result}        counter  requests sent, by outcome:
//       success (2xx), retried (5xx, 429, no answer: sent again after a backoff), failed
//       (another status: the request is dropped); every result from 0
//   accesslog_remote_write_samples_total{result}         counter  samples sent (in requests
//       the receiver accepted) and dropped (in failed requests, or pushed out of the full queue)
//   accesslog_remote_write_last_success_timestamp_seconds gauge   when a request was last
//       accepted (0 until one is)
//   accesslog_remote_write_queue_samples                 gauge    samples waiting to be sent
//
// Exported while remote write is configured (remote_write.url or --remote-write.url).
//
//   auto stats = std::make_shared<PushStats>();
//   RemoteWriteCollector collector(stats);     // registered with the scrape's collectables
//   stats->requests[kPushSuccess].fetch_add(1, std::memory_order_relaxed);
//
// Thread-safety: the counters are atomics written by the pusher's thread; Collect may be called
// from any thread.
#pragma once

#include <prometheus/collectable.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace accesslog {

enum PushRequestResult : size_t { kPushSuccess, kPushRetried, kPushFailed, kNumPushRequestResults };
enum PushSampleResult : size_t { kPushSent, kPushDropped, kNumPushSampleResults };

struct PushStats {
  std::atomic<bool> configured{false};
  std::array<std::atomic<uint64_t>, kNumPushRequestResults> requests{};
  std::array<std::atomic<uint64_t>, kNumPushSampleResults> samples{};
  std::atomic<double> last_success_seconds{0};
  std::atomic<uint64_t> queue_samples{0};
};

class RemoteWriteCollector final : public prometheus::Collectable {
 public:
  explicit RemoteWriteCollector(std::shared_ptr<const PushStats> stats)
      : stats_(std::move(stats)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::shared_ptr<const PushStats> stats_;
};

}  // namespace accesslog
