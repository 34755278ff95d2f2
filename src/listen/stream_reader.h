// Stage: listeners. Reads a stream that is not a file to follow: standard input (--log.file=-)
// or a named pipe. No rotation, no positions: bytes are cut into lines (lines/line_splitter.h)
// and handed to the same LineSink a followed file feeds.
//
//   accesslog::StreamReader in("-", max_line_bytes, &sink);
//   if (!in.Open(&error)) ...
//   std::thread t([&] { in.Run(); });     // serving: reads until Stop() (or end of stdin)
//   in.Stop(); t.join();
//   // or, --oneshot: in.ReadToEnd();     // to the end of the input, last line flushed
//
// Standard input ends once; the source then stays, reported closed (open() is false). A named
// pipe is opened for reading and writing, so that when its writer closes it the reader waits for
// the next writer (`mkfifo p; while true; do producer > p; done`) instead of seeing end of file
// over and over; its unterminated last line waits for the next writer's newline.
//
// A reload keeps a stream whose path it still reads: Stop, join Run's thread, Rearm with the new
// configuration's sink, Run again. The descriptor and the partial last line stay.
//
// Thread-safety: Open and Run (or ReadToEnd) on one thread; Stop and open() from any thread;
// Rearm while Run is not running.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

#include "lines/line_sink.h"
#include "lines/line_splitter.h"

namespace accesslog {

// True when `path` is "-" or names a FIFO (what a StreamReader reads instead of the tailer).
[[nodiscard]] bool IsStreamPath(const std::string& path);

class StreamReader {
 public:
  StreamReader(std::string path, size_t max_line_bytes, LineSink* sink);
  ~StreamReader();
  StreamReader(const StreamReader&) = delete;  // owns descriptors and a buffer
  StreamReader& operator=(const StreamReader&) = delete;

  // Opens the stream (for "-", takes standard input). False with *error naming the path.
  // `for_oneshot`: a named pipe is opened read-only, so that its writer closing ends the run.
  [[nodiscard]] bool Open(std::string* error, bool for_oneshot = false);
  // Reads until Stop() or the end of standard input. Blocks in poll(2) between reads.
  void Run();
  // Reads to the end of the input and flushes an unterminated last line (--oneshot).
  void ReadToEnd();
  void Stop();
  // After Stop and the end of Run: the next Run reads into `sink` (a reload), and a Stop before
  // this call no longer ends it.
  void Rearm(LineSink* sink);
  [[nodiscard]] bool open() const { return open_.load(); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  // One read into the splitter. False at the end of the input or on an error.
  bool ReadOnce();

  std::string path_;
  LineSink* sink_;
  LineSplitter splitter_;
  int fd_ = -1;
  int stop_fd_ = -1;  // eventfd: Stop wakes Run's poll
  bool owns_fd_ = false;
  std::atomic<bool> open_{false};
};

}  // namespace accesslog
