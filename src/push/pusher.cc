#include "push/pusher.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "util/log.h"

namespace accesslog {
namespace {

using Clock = std::chrono::steady_clock;

double NowSeconds() {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count()) /
         1000.0;
}

int64_t NowMilliseconds() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Retryable(const PostResult& r) {
  return r.status == 0 || r.status == 429 || r.status / 100 == 5;
}

}  // namespace

std::vector<PushLabel> ExternalLabels(const RemoteWriteOptions& options,
                                      const std::string& instance) {
  std::vector<PushLabel> out = {{"instance", instance}, {"job", "accesslog_exporter"}};
  for (const auto& label : options.external_labels) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const PushLabel& l) { return l.name == label.first; });
    if (it != out.end()) {
      it->value = label.second;
    } else {
      out.push_back({label.first, label.second});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const PushLabel& a, const PushLabel& b) { return a.name < b.name; });
  return out;
}

std::string DefaultInstance(int port) {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof(host), "localhost");
  }
  return std::string(host) + ":" + std::to_string(port);
}

bool CheckRemoteWrite(const RemoteWriteOptions& options, std::string* error) {
  return RemoteWriteClient::Make(options, error) != nullptr;
}

Pusher::Pusher(RemoteWriteOptions options, std::vector<PushLabel> external, Collect collect,
               std::shared_ptr<PushStats> stats)
    : options_(std::move(options)),
      encoder_(std::move(external), options_.queue.max_samples_per_send),
      collect_(std::move(collect)),
      stats_(std::move(stats)),
      queue_(options_.queue.max_samples),
      backoff_(options_.queue.min_backoff, options_.queue.max_backoff) {}

Pusher::~Pusher() {
  if (thread_.joinable()) Stop(kAbort);
}

void Pusher::Adopt(SendQueue queue) {
  queue_ = std::move(queue);
  CountDropped(queue_.SetMaxSamples(options_.queue.max_samples));
  PublishQueue();
}

bool Pusher::Start(std::string* error) {
  client_ = RemoteWriteClient::Make(options_, error);
  if (!client_) return false;
  stats_->configured.store(true);
  thread_ = std::thread([this] { Run(); });
  LogInfo("pushing with remote write",
          {{"url", options_.url}, {"interval", std::to_string(options_.interval.count()) + "ms"}});
  return true;
}

SendQueue Pusher::Stop(StopMode mode) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    flush_ = mode == kFlush;
    flush_deadline_ = Clock::now() + options_.timeout;
  }
  wake_.notify_all();
  if (mode == kAbort && client_) client_->Abort();
  if (thread_.joinable()) thread_.join();
  SendQueue left = std::move(queue_);
  queue_ = SendQueue(options_.queue.max_samples);
  return left;
}

void Pusher::CountDropped(size_t samples) {
  if (samples > 0) stats_->samples[kPushDropped].fetch_add(samples, std::memory_order_relaxed);
}

void Pusher::PublishQueue() {
  stats_->queue_samples.store(queue_.samples(), std::memory_order_relaxed);
}

void Pusher::CollectAndQueue() {
  const int64_t now_ms = NowMilliseconds();
  ExpositionExtras extras;
  const std::vector<prometheus::MetricFamily> families = collect_(&extras);
  std::vector<EncodedRequest> requests;
  encoder_.Encode(families, &extras, now_ms, &requests);
  size_t samples = 0;
  for (EncodedRequest& r : requests) {
    samples += r.samples;
    CountDropped(queue_.Push(std::move(r)));
  }
  if (samples > options_.queue.max_samples && !warned_oversize_) {
    warned_oversize_ = true;
    LogWarn(
        "a push holds more samples than remote_write.queue.max_samples: raise it, or part of "
        "every push is dropped",
        {{"samples", std::to_string(samples)},
         {"max_samples", std::to_string(options_.queue.max_samples)}});
  }
  PublishQueue();
}

Clock::time_point Pusher::SendFront(std::chrono::milliseconds timeout) {
  const EncodedRequest& request = queue_.front();
  const PostResult r = client_->Post(request.body, timeout);
  const Clock::time_point now = Clock::now();
  if (r.status / 100 == 2) {
    stats_->requests[kPushSuccess].fetch_add(1, std::memory_order_relaxed);
    stats_->samples[kPushSent].fetch_add(request.samples, std::memory_order_relaxed);
    stats_->last_success_seconds.store(NowSeconds(), std::memory_order_relaxed);
    queue_.Pop();
    PublishQueue();
    backoff_.Reset();
    if (failing_) {
      failing_ = false;
      LogInfo("remote write: the receiver accepts requests again", {{"url", options_.url}});
    }
    return now;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !flush_) return now;  // abandoned by Stop: neither a retry nor a failure
  }
  const std::string status = r.status == 0 ? "none" : std::to_string(r.status);
  const bool log = !failing_ || now - last_failure_log_ >= std::chrono::minutes(1);
  if (log) {
    failing_ = true;
    last_failure_log_ = now;
  }
  if (!Retryable(r)) {
    stats_->requests[kPushFailed].fetch_add(1, std::memory_order_relaxed);
    CountDropped(request.samples);
    if (log) {
      LogError("remote write: the receiver refused a request; its samples are dropped",
               {{"url", options_.url},
                {"status", status},
                {"samples", std::to_string(request.samples)},
                {"err", r.error}});
    }
    queue_.Pop();
    PublishQueue();
    return now;
  }
  stats_->requests[kPushRetried].fetch_add(1, std::memory_order_relaxed);
  std::chrono::milliseconds delay = backoff_.Next();
  if (const auto after = ParseRetryAfter(r.retry_after, std::chrono::system_clock::now())) {
    delay = *after;
  }
  if (log) {
    LogWarn("remote write: no success, trying again",
            {{"url", options_.url},
             {"status", status},
             {"err", r.error},
             {"retry_in", std::to_string(delay.count()) + "ms"},
             {"queue_samples", std::to_string(queue_.samples())}});
  }
  return now + delay;
}

void Pusher::Run() {
  Clock::time_point next_collect = Clock::now();
  Clock::time_point next_send = Clock::now();
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      const Clock::time_point wake =
          queue_.empty() ? next_collect : std::min(next_collect, next_send);
      wake_.wait_until(lock, wake, [this] { return stopping_; });
      if (stopping_) break;
    }
    Clock::time_point now = Clock::now();
    if (now >= next_collect) {
      CollectAndQueue();
      // Keep the cadence; after a stall (a slow receiver held the thread), start from now.
      next_collect += options_.interval;
      if (next_collect <= now) next_collect = now + options_.interval;
    }
    if (!queue_.empty() && Clock::now() >= next_send) next_send = SendFront(options_.timeout);
  }
  bool flush = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    flush = flush_;
  }
  if (flush) Flush();
}

void Pusher::Flush() {
  CollectAndQueue();
  while (!queue_.empty()) {
    Clock::time_point deadline;
    {
      std::lock_guard<std::mutex> lock(mu_);
      deadline = flush_deadline_;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    const size_t before = queue_.requests();
    SendFront(std::min(left, options_.timeout));
    if (queue_.requests() == before) break;  // to be tried again: not before stopping
  }
  if (!queue_.empty()) {
    LogWarn("remote write: stopping with samples not pushed",
            {{"url", options_.url}, {"queue_samples", std::to_string(queue_.samples())}});
  }
}

}  // namespace accesslog
