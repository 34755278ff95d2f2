// The positions file, written on a thread of its own:
//
//   PositionsWriter writer(file, /*retry=*/1s, &failures);
//   writer.Write(text);   // now, on the caller's thread (at start, and the last save)
//   writer.Post(text);    // by the writer's thread; a newer text replaces one not yet written
//   writer.Stop();        // the thread ends (what it had not written, the caller writes last)
//
// Why a thread: a save is a write, two fsyncs and a rename, and on a busy or network disk an
// fsync can take seconds (or hang while the server is away). Done by the tailer, that held up
// every read and every scrape's catch-up meanwhile. Now the tailer only serializes and posts;
// a stalled disk delays the positions file, never a count.
//
// Positions are an aid, never a precondition: a save that fails (a full or read-only disk, a
// directory that went away) is counted in *failures, warned about once until a save works again
// (which is said too), and tried again every `retry` with the latest text, whether or not a
// newer one is posted. A text equal to the last one written is not written again.
// WriteFileAtomically never leaves a partial file in place of a good one.
//
// Thread-safety: Write, Post and Stop may be called from any thread; writes never overlap.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace accesslog {

class PositionsWriter {
 public:
  PositionsWriter(std::string file, std::chrono::milliseconds retry,
                  std::atomic<uint64_t>* failures);
  ~PositionsWriter();
  PositionsWriter(const PositionsWriter&) = delete;
  PositionsWriter& operator=(const PositionsWriter&) = delete;

  // Writes `text` now, on the caller's thread; false when it failed (counted, told of once).
  bool Write(const std::string& text);
  // Has the writer's thread (started at the first Post) write `text`.
  void Post(std::string text);
  // Ends the writer's thread; a text posted and not yet written is dropped (the caller's last
  // Write has the newest). Idempotent.
  void Stop();

 private:
  void Loop();

  const std::string file_;
  const std::chrono::milliseconds retry_;
  std::atomic<uint64_t>* const failures_;

  std::mutex write_mu_;       // one write at a time; guards the two below
  std::string last_written_;  // to skip unchanged saves
  bool failing_ = false;      // the last write failed (warned about once)

  std::mutex mu_;  // guards pending_ and stop_
  std::condition_variable cv_;
  std::optional<std::string> pending_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace accesslog
