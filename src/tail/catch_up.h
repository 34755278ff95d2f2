// Stage: lines. How another thread (a scrape) asks the tailer's Run thread to read what has been
// written so far, and waits until it has.
//
//   CatchUp catch_up(wake_fd);          // the eventfd Run polls
//   // the scrape's thread:
//   catch_up.Ask(milliseconds(100));    // true once a round that began after the ask has ended
//   catch_up.Serving(true);             // once Run will come (Tailer::Start); false at Stop
//   // Run's thread:
//   uint64_t g = catch_up.Asked();      // after the wake fd said something: the latest ask
//   ... drain the events, read the files ...
//   catch_up.Served(g);                 // wakes the askers of g and before
//
// Why: the tailer batches reads (TailOptions::read_batch_window), so a count can wait that long
// before it is read; a scrape asks first, so /metrics never shows counts older than the scrape.
// A write that returned before Ask was called has queued its inotify event already, so the
// round that drains the events after Asked() reads it.
//
// Thread-safety: Ask and Serving from any thread; Asked and Served from Run's thread only. The
// mutex is taken once per ask, never per line.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace accesslog {

class CatchUp {
 public:
  explicit CatchUp(int wake_fd) : wake_fd_(wake_fd) {}

  // Asks for a round of reads and waits until it is done, Run stops, or max_wait passes.
  // Returns true when the round was done; false at once when not serving.
  bool Ask(std::chrono::milliseconds max_wait);

  // Whether asks are served: true before Run begins, false when it stops (wakes every asker).
  void Serving(bool on) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      serving_ = on;
    }
    if (!on) cv_.notify_all();
  }
  // Run's thread.
  [[nodiscard]] uint64_t Asked() const { return asked_.load(std::memory_order_acquire); }
  void Served(uint64_t generation) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = std::max(done_, generation);
    }
    cv_.notify_all();
  }

 private:
  const int wake_fd_;
  std::atomic<uint64_t> asked_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t done_ = 0;     // guarded by mu_
  bool serving_ = false;  // guarded by mu_
};

}  // namespace accesslog
