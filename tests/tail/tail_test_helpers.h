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

#include "tail/line_sink.h"
#include "tail/tailer.h"

namespace accesslog::tail_test {

// Records what the tail stage delivers. Lines arrive on the tailer's thread and are read on the
// test's thread, hence the lock (tests only).
class RecordingSink : public LineSink {
 public:
  void OnLine(std::string_view line) override {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.emplace_back(line);
  }
  void OnOverlongLine() override { ++overlong_; }
  void OnBytesRead(size_t bytes) override {
    bytes_ += bytes;
    ++reads_;
  }
  void OnRotation() override { ++rotations_; }

  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  size_t count() { return lines().size(); }

  std::atomic<int> overlong_{0};
  std::atomic<size_t> bytes_{0};
  std::atomic<int> reads_{0};  // reads that returned bytes
  std::atomic<int> rotations_{0};

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

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
