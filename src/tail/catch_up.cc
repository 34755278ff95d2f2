#include "tail/catch_up.h"

#include <unistd.h>

namespace accesslog {

bool CatchUp::Ask(std::chrono::milliseconds max_wait) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!serving_) return false;
  const uint64_t want = asked_.fetch_add(1, std::memory_order_acq_rel) + 1;
  const uint64_t one = 1;
  // EAGAIN only when the counter is near 2^64: Run has a wake-up pending then anyway.
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof(one));
  return cv_.wait_for(lock, max_wait, [&] { return done_ >= want || !serving_; }) && done_ >= want;
}

}  // namespace accesslog
