// The tail tests' own helpers: a sink that records what the tail stage delivers, a tailer run
// on its own thread for the duration of a test, and the options the tests start from.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lines/line_sink.h"
#include "support/recording_sink.h"
#include "support/test_support.h"
#include "tail/tailer.h"

namespace accesslog::tail_test {

using testing::RecordingSink;

// Runs a tailer on its own thread for the duration of a test, and counts its periodic checks
// (Tailer::SetTick), so that a test waits for rounds of the tailer rather than for time: "two
// periodic checks ran to their end and nothing more came" holds on a loaded machine too, where
// a fixed sleep may pass before the tailer's thread has run at all.
class RunningTailer {
 public:
  explicit RunningTailer(TailOptions options) : tailer_(options) {}
  ~RunningTailer() { Stop(); }
  Tailer& tailer() { return tailer_; }
  void Start() {
    std::string error;
    tailer_.SetTick([this](std::chrono::steady_clock::time_point) { ++ticks_; });
    ASSERT_TRUE(tailer_.Start(&error)) << error;
    thread_ = std::thread([this] { tailer_.Run(); });
  }
  // Waits until `n` periodic checks that began after the call have ran to their end (the tick
  // is called at the start of a check's round: the round of tick k is over once tick k+1 has
  // begun), at most `deadline`. Returns false on timeout.
  [[nodiscard]] bool WaitTicks(int n, std::chrono::milliseconds deadline) {
    const uint64_t start = ticks_.load();
    return testing::WaitFor([&] { return ticks_.load() >= start + static_cast<uint64_t>(n) + 1; },
                            deadline);
  }
  void Stop() {
    if (!thread_.joinable()) return;
    tailer_.Stop();
    thread_.join();
  }

 private:
  Tailer tailer_;
  std::thread thread_;
  std::atomic<uint64_t> ticks_{0};
};

inline TailOptions Fast(bool from_start, bool inotify = true) {
  TailOptions o;
  o.from_start = from_start;
  o.use_inotify = inotify;
  o.poll_interval = std::chrono::milliseconds(inotify ? 1000 : 50);
  return o;
}

}  // namespace accesslog::tail_test
