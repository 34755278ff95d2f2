// Stage: push. Prometheus remote write 1.0 from the exporter, beside /metrics: every
// remote_write.interval, on a thread of its own, the pusher collects the same families a
// scrape would (through the app's callback), encodes them (write_request.h), queues the
// requests (send_queue.h) and sends them oldest first (http_client.h).
//
//   auto stats = std::make_shared<PushStats>();
//   Pusher pusher(options, ExternalLabels(options, "web-1:9958"), collect, stats);
//   if (!pusher.Start(&error)) ...
//   ...
//   pusher.Stop(Pusher::kFlush);   // SIGTERM: one last push within remote_write.timeout
//
// What happens to a request (as Prometheus' own sender does): 2xx, sent; 5xx, 429 or no answer
// (connection refused, TLS error, timeout), tried again after a capped exponential backoff
// (queue.min_backoff doubling to queue.max_backoff, or the answer's Retry-After) while newer
// snapshots queue behind it; any other status (400, 401, 413 ...), dropped and counted. The
// queue holds at most queue.max_samples samples; past it the oldest requests are dropped and
// counted. Counters are cumulative, so the first request that gets through after an outage
// carries the exact totals. A request waits at most remote_write.timeout; the thread does
// nothing else meanwhile, and neither reading logs nor /metrics ever waits for it.
//
// Thread-safety: Start and Stop from one thread (the app's); `collect` runs on the pusher's
// thread and must be thread-safe with scrapes.
#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "exposition/exposition_extras.h"
#include "push/backoff.h"
#include "push/http_client.h"
#include "push/push_collector.h"
#include "push/push_options.h"
#include "push/send_queue.h"
#include "push/write_request.h"

namespace accesslog {

// The labels every pushed series carries: job="accesslog_exporter" and instance=`instance`
// (what a scrape of this exporter would give them), then remote_write.external_labels, which
// replace those two when they name them.
[[nodiscard]] std::vector<PushLabel> ExternalLabels(const RemoteWriteOptions& options,
                                                    const std::string& instance);

// "<hostname>:<port>", the default instance label.
[[nodiscard]] std::string DefaultInstance(int port);

// Whether `options` can be used: the URL parses, the TLS, password and token files load.
// False with *error naming the key (the URL's error without it: the caller knows whether the
// flag or the file gave it).
[[nodiscard]] bool CheckRemoteWrite(const RemoteWriteOptions& options, std::string* error);

class Pusher {
 public:
  // Every family a scrape would show, and in *extras the exemplars (collect's contract is the
  // exposition's CollectAll).
  using Collect = std::function<std::vector<prometheus::MetricFamily>(ExpositionExtras* extras)>;

  // `stats` outlives the pusher and may be handed to the next one (reload).
  Pusher(RemoteWriteOptions options, std::vector<PushLabel> external, Collect collect,
         std::shared_ptr<PushStats> stats);
  ~Pusher();                       // Stop(kAbort) if still running
  Pusher(const Pusher&) = delete;  // owns a thread that points into it
  Pusher& operator=(const Pusher&) = delete;

  // Takes over the requests another pusher left (a reload), oldest first. Before Start.
  void Adopt(SendQueue queue);
  // Makes the client and starts the thread; the first push is collected at once. False with
  // *error when the client cannot be made (see CheckRemoteWrite).
  bool Start(std::string* error);

  enum StopMode { kAbort, kFlush };
  // Stops the thread. kFlush: the request in flight finishes, then one last snapshot is
  // collected and the queue sent in order, until the first failure or remote_write.timeout
  // after this call. kAbort: the request in flight is abandoned at once. Returns what is left
  // in the queue (for the next pusher; dropping it is the caller's to count).
  SendQueue Stop(StopMode mode);

  const RemoteWriteOptions& options() const { return options_; }
  const std::vector<PushLabel>& external_labels() const { return encoder_.external_labels(); }

 private:
  void Run();
  // Collects one snapshot and queues its requests.
  void CollectAndQueue();
  // Sends the oldest request once, waiting at most `timeout`. Returns when the next attempt may
  // start.
  std::chrono::steady_clock::time_point SendFront(std::chrono::milliseconds timeout);
  void Flush();
  void CountDropped(size_t samples);
  void PublishQueue();

  const RemoteWriteOptions options_;
  WriteRequestEncoder encoder_;
  Collect collect_;
  std::shared_ptr<PushStats> stats_;
  std::unique_ptr<RemoteWriteClient> client_;
  SendQueue queue_;
  Backoff backoff_;
  std::thread thread_;
  std::mutex mu_;  // guards stopping_, flush_deadline_
  std::condition_variable wake_;
  bool stopping_ = false;
  bool flush_ = false;
  std::chrono::steady_clock::time_point flush_deadline_;
  // Logging: the first failure of a run of them, then at most one line a minute.
  bool failing_ = false;
  std::chrono::steady_clock::time_point last_failure_log_;
  bool warned_oversize_ = false;
};

}  // namespace accesslog
