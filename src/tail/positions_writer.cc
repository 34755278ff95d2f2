#include "tail/positions_writer.h"

#include <utility>

#include "tail/positions.h"
#include "util/log.h"

namespace accesslog {

PositionsWriter::PositionsWriter(std::string file, std::chrono::milliseconds retry,
                                 std::atomic<uint64_t>* failures)
    : file_(std::move(file)), retry_(retry), failures_(failures) {}

PositionsWriter::~PositionsWriter() { Stop(); }

bool PositionsWriter::Write(const std::string& text) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (!failing_ && text == last_written_) return true;
  std::string error;
  if (!WriteFileAtomically(file_, text, &error)) {
    failures_->fetch_add(1, std::memory_order_relaxed);
    if (!failing_) {
      LogWarn(
          "cannot save positions; following and counting without them, trying again at "
          "every save",
          {{"err", error}});
    }
    failing_ = true;
    return false;
  }
  if (failing_) LogInfo("positions saved again", {{"file", file_}});
  failing_ = false;
  last_written_ = text;
  return true;
}

void PositionsWriter::Post(std::string text) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    pending_ = std::move(text);
    if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  }
  cv_.notify_one();
}

void PositionsWriter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    pending_.reset();
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void PositionsWriter::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  std::optional<std::string> retry;  // the text of a failed write, tried again after retry_
  while (!stop_) {
    if (!retry) {
      cv_.wait(lock, [&] { return stop_ || pending_; });
    } else {
      cv_.wait_for(lock, retry_, [&] { return stop_ || pending_; });
    }
    if (stop_) break;
    std::string text = pending_ ? std::move(*pending_) : std::move(*retry);
    pending_.reset();
    retry.reset();
    lock.unlock();
    const bool ok = Write(text);
    lock.lock();
    if (!ok) retry = std::move(text);
  }
}

}  // namespace accesslog
