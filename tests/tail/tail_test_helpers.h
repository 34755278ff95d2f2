// The tail tests' own helpers: a sink that records what the tail stage delivers, a tailer run
// on its own thread for the duration of a test, and the options the tests start from.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lines/line_sink.h"
#include "support/recording_sink.h"
#include "tail/tailer.h"

namespace accesslog::tail_test {

using testing::RecordingSink;

// Runs a tailer on its own thread for the duration of a test.
class RunningTailer {
 public:
  explicit RunningTailer(TailOptions options) : tailer_(options) {}
  ~RunningTailer() { Stop(); }
  Tailer& tailer() { return tailer_; }
  void Start() {
    std::string error;
    ASSERT_TRUE(tailer_.Start(&error)) << error;
    thread_ = std::thread([this] { tailer_.Run(); });
  }
  void Stop() {
    if (!thread_.joinable()) return;
    tailer_.Stop();
    thread_.join();
  }

 private:
  Tailer tailer_;
  std::thread thread_;
};

inline TailOptions Fast(bool from_start, bool inotify = true) {
  TailOptions o;
  o.from_start = from_start;
  o.use_inotify = inotify;
  o.poll_interval = std::chrono::milliseconds(inotify ? 1000 : 50);
  return o;
}

}  // namespace accesslog::tail_test
