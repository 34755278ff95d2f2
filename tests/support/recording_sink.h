// A LineSink for tests of the producers of lines (the splitter, the tailer, the listeners): it
// records every line and event they deliver. Lines may arrive on a producer's thread and be read
// on the test's thread, hence the lock (tests only).
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "lines/line_sink.h"

namespace accesslog::testing {

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

  // Every line so far, in order.
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_.size();
  }
  // How many times each distinct line arrived.
  std::map<std::string, int> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, int> out;
    for (const auto& l : lines_) ++out[l];
    return out;
  }

  std::atomic<int> overlong_{0};
  std::atomic<size_t> bytes_{0};
  std::atomic<int> reads_{0};  // reads that returned bytes
  std::atomic<int> rotations_{0};

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

}  // namespace accesslog::testing
