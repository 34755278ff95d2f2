#include "push/send_queue.h"

#include <utility>

namespace accesslog {

size_t SendQueue::Push(EncodedRequest request) {
  samples_ += request.samples;
  bytes_ += request.body.size();
  requests_.push_back(std::move(request));
  return Trim();
}

size_t SendQueue::SetMaxSamples(size_t max_samples) {
  max_samples_ = max_samples;
  return Trim();
}

size_t SendQueue::Clear() {
  const size_t dropped = samples_;
  requests_.clear();
  samples_ = 0;
  bytes_ = 0;
  return dropped;
}

void SendQueue::Pop() {
  samples_ -= requests_.front().samples;
  bytes_ -= requests_.front().body.size();
  requests_.pop_front();
}

size_t SendQueue::Trim() {
  size_t dropped = 0;
  while (samples_ > max_samples_ && !requests_.empty()) {
    dropped += requests_.front().samples;
    Pop();
  }
  return dropped;
}

}  // namespace accesslog
