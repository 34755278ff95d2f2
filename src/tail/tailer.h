// Stage: lines (files -> bytes -> lines). Follows log files as they grow and rotate.
//
//   accesslog::Tailer tailer(options);
//   tailer.Add("/var/log/nginx/access.log", &sink);   // sink: parser + counters
//   tailer.Start();                                    // opens and positions every file
//   std::thread t([&] { tailer.Run(); });              // reads until Stop()
//   ...
//   tailer.Stop(); t.join();
//
// Appends are noticed through inotify on each file's directory (which also sees files that do
// not exist yet and names that are renamed or recreated), with a periodic check every
// poll_interval that doubles as the polling fallback where inotify is unavailable (some
// container volumes). Files are followed by what they are (device and inode), not by name: when
// the name points at a new file, the old one is read to its end first; when a file shrinks, it
// was truncated (copytruncate) and is read again from its start. All of that is decided in
// FileFollower::CheckRotation.
//
// Thread-safety: Add and Start before Run; Run on one thread; Stop from any thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tail/line_sink.h"
#include "tail/line_splitter.h"

namespace accesslog {

struct TailOptions {
  bool from_start = false;                        // --tail.from=start: read what the files hold now
  size_t max_line_bytes = 64 * 1024;              // --log.max-line-bytes: longer lines are skipped
  size_t read_chunk_bytes = 256 * 1024;           // one read() at most this much
  std::chrono::milliseconds poll_interval{1000};  // --tail.poll-interval
  bool use_inotify = true;                        // false: poll only
  std::string positions_file;                     // --positions.file; empty: no positions are kept
  std::chrono::milliseconds positions_interval{1000};  // how often positions are saved
};

// What the tailer is following now, for the self-metrics (read lag, files followed).
struct FileStatus {
  std::string pattern;  // the path or glob the file was matched by (Tailer::Add)
  std::string path;
  int64_t size = 0;    // bytes in the file at the last check
  int64_t offset = 0;  // bytes consumed
};

// One followed path. Owns its descriptor and its line buffer.
class FileFollower {
 public:
  FileFollower(std::string path, const TailOptions& options, LineSink* sink);
  ~FileFollower();
  FileFollower(const FileFollower&) = delete;  // owns a descriptor and a buffer
  FileFollower& operator=(const FileFollower&) = delete;

  // Opens the file if it is not open yet. The first open of a file that existed at start-up
  // honours from_start; a file that appears later is new content and is read from its start.
  // Returns false (quietly) while the file does not exist.
  bool EnsureOpen(bool at_startup);
  // Reads everything the file holds now and hands complete lines to the sink. Returns the
  // number of bytes read.
  size_t ReadAvailable();
  // Follows a rename, replacement or truncation of the file (see tailer.cc for the reasoning).
  void CheckRotation();
  // Reads to the end and hands a final unterminated line over too (oneshot).
  void ReadToEndAndFlush();

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] bool is_open() const { return fd_ >= 0; }
  [[nodiscard]] int64_t offset() const { return offset_; }

 private:
  void OpenAt(int fd, bool seek_end);
  void Close();

  std::string path_;
  LineSink* sink_;
  LineSplitter splitter_;
  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  int64_t offset_ = 0;  // bytes consumed from the current file
  bool from_start_;     // honoured on the first open at start-up only
};

class Tailer {
 public:
  explicit Tailer(TailOptions options);
  ~Tailer();
  Tailer(const Tailer&) = delete;  // owns descriptors
  Tailer& operator=(const Tailer&) = delete;

  // Follows every file matching `pattern` (a path, or a glob re-evaluated as files appear);
  // all of them feed `sink`. Call before Start.
  void Add(std::string pattern, LineSink* sink);
  // Opens and positions every file that exists. Missing files are picked up when they appear.
  // Returns false with *error set when the tailer cannot run at all (an unreadable positions
  // file).
  [[nodiscard]] bool Start(std::string* error);
  // Follows the files until Stop() is called.
  void Run();
  // Thread-safe; makes Run return soon.
  void Stop();

  // The files followed now. Thread-safe: called at scrape time.
  [[nodiscard]] std::vector<FileStatus> Snapshot() const;

 private:
  void WatchDirectories();
  void Sweep();  // open, check rotation, read: every follower

  TailOptions options_;
  std::vector<std::unique_ptr<FileFollower>> followers_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: Stop() wakes Run()
  std::atomic<bool> stop_{false};
};

}  // namespace accesslog
