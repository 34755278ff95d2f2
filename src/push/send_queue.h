// Stage: push. The requests waiting for the receiver, oldest first, bounded by the samples
// they hold (remote_write.queue.max_samples): while the receiver is down or slow, new
// snapshots queue behind the one being retried, and past the bound the oldest requests are
// dropped. Counters are cumulative, so a dropped snapshot costs the store resolution during
// the outage, never a count: the next request that gets through carries the exact totals.
//
//   SendQueue queue(100000);
//   size_t dropped = queue.Push(std::move(request));   // samples dropped to make room
//   while (!queue.empty()) { Send(queue.front()); queue.Pop(); }
//
// Memory: the compressed bodies, about what max_samples samples take snappy-compressed (a few
// bytes to a few tens of bytes a sample), whatever the receiver does.
//
// Thread-safety: none; the pusher's thread owns it.
#pragma once

#include <cstddef>
#include <deque>

#include "push/write_request.h"

namespace accesslog {

class SendQueue {
 public:
  explicit SendQueue(size_t max_samples) : max_samples_(max_samples) {}

  // Appends `request`, then drops the oldest requests while more than max_samples are held
  // (the new one too, when it alone holds more). Returns the samples dropped.
  size_t Push(EncodedRequest request);
  // A new bound (reload); returns the samples dropped to keep it.
  size_t SetMaxSamples(size_t max_samples);
  // Drops everything; returns the samples dropped.
  size_t Clear();

  bool empty() const { return requests_.empty(); }
  // The oldest request. Not empty.
  const EncodedRequest& front() const { return requests_.front(); }
  void Pop();

  size_t samples() const { return samples_; }
  size_t requests() const { return requests_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  size_t Trim();

  size_t max_samples_;
  std::deque<EncodedRequest> requests_;
  size_t samples_ = 0;
  size_t bytes_ = 0;
};

}  // namespace accesslog
