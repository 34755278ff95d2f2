// Stage: lines (files -> bytes -> lines). The follower of one followed name: its current file
// and at most one renamed file being drained, rotation and truncation decided in one place
// (FileFollower::CheckRotation, with the reasoning beside each branch in file_follower.cc).
// The set of followed names (globs, inotify, positions) is the Tailer's (tailer.h).
//
//   FileFollower f(path, options, &sink);  // on its own (oneshot): its own line buffer
//   if (f.EnsureOpen(/*at_startup=*/true)) f.ReadToEndAndFlush();
//
// Thread-safety: one thread drives a follower; status_size and status_offset may be read from
// any thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "lines/line_sink.h"
#include "lines/line_splitter.h"
#include "tail/file_identity.h"

namespace accesslog {

struct TailOptions {
  bool from_start = false;                        // --tail.from=start: read what the files hold now
  size_t max_line_bytes = 64 * 1024;              // --log.max-line-bytes: longer lines are skipped
  size_t read_chunk_bytes = 256 * 1024;           // one read() at most this much
  std::chrono::milliseconds poll_interval{1000};  // --tail.poll-interval
  // With inotify, how often every followed file and every glob is looked at even though no
  // event said anything happened: the safety net for an event the kernel did not deliver.
  // (Files events cannot tell of are looked at every poll_interval.)
  std::chrono::milliseconds full_check_interval{30000};
  bool use_inotify = true;     // false: poll only
  std::string positions_file;  // --positions.file; empty: no positions are kept
  std::chrono::milliseconds positions_interval{1000};  // how often positions are saved
  // A renamed or deleted file is read on until it has had no new bytes for this long (and at
  // least two poll intervals), so lines a server writes before it reopens its log are counted.
  std::chrono::milliseconds drain_idle{5000};
  // When inotify events come close together (within twice this of each other), the tailer sleeps
  // this long after each read before it looks at the events again, so a server that writes its
  // log a line at a time costs one wake-up per batch, not per line (--tail.batch-window). A
  // scrape does not wait for it (Tailer::CatchUpNow reads what is pending first); a write after
  // a quiet spell is read at once, and so is the next one. 0: read on every event.
  std::chrono::milliseconds read_batch_window{1000};
};

// One open file: a descriptor, what it is, how far it was read, its partial last line.
struct FileStream {
  int fd = -1;
  FileIdentity id;
  int64_t offset = 0;  // bytes consumed (including a partial line held in `carry`)
  int64_t size = 0;    // at the last check
  LineCarry carry;
  std::chrono::steady_clock::time_point active;  // last new bytes, or when draining began

  [[nodiscard]] bool open() const { return fd >= 0; }
  // Where a restart must resume so that no complete line is lost or counted twice: just after
  // the last complete line handed on (a partial line is read again).
  [[nodiscard]] int64_t resume_offset() const {
    return carry.discarding ? offset : offset - static_cast<int64_t>(carry.bytes.size());
  }
};

// What a FileFollower asks of the Tailer that owns it. Internal to the tail stage.
class FollowerHost {
 public:
  virtual ~FollowerHost() = default;
  // Where to start reading `fd` (just opened under `path`, `size` bytes now). May set
  // *skip_to_newline when resuming inside an over-long line.
  virtual int64_t StartOffset(const std::string& path, int fd, const FileIdentity& id, int64_t size,
                              bool at_startup, bool* skip_to_newline) = 0;
  // A file was read for the last time, to `offset`: remember it, so that if a glob matches it
  // later under another name it is not read again.
  virtual void Closed(const FileIdentity& id, int64_t offset) = 0;
  // Whether a file with this device and inode is open in some follower of `pattern`.
  virtual bool IsFollowed(const std::string& pattern, const FileIdentity& id) const = 0;
};

// One followed name. Owns up to two descriptors (current and draining).
class FileFollower {
 public:
  // A follower on its own (oneshot): its own line buffer, from_start honoured at start-up.
  FileFollower(std::string path, const TailOptions& options, LineSink* sink);
  // A follower in a Tailer: the tailer's shared line buffer and start-offset policy.
  FileFollower(std::string path, std::string pattern, const TailOptions& options, LineSink* sink,
               LineSplitter* shared, FollowerHost* host);
  ~FileFollower();
  FileFollower(const FileFollower&) = delete;  // owns descriptors and a buffer
  FileFollower& operator=(const FileFollower&) = delete;

  // Opens the file if it is not open yet. The first open of a file that existed at start-up
  // honours from_start (and the positions file, in a Tailer); a file that appears later is new
  // content and is read from its start. Returns false (quietly) while the file does not exist.
  bool EnsureOpen(bool at_startup);
  // Reads everything the current file holds now and hands complete lines to the sink. Returns
  // the number of bytes read.
  size_t ReadAvailable();
  // Follows a rename, replacement or truncation of the file (file_follower.cc: the reasoning).
  void CheckRotation();
  // Reads to the end and hands a final unterminated line over too (oneshot).
  void ReadToEndAndFlush();
  // One step of a Tailer: drain the old file, follow the name, read the current file. Reads at
  // most a bounded amount per file, so that one busy file cannot hold up the others; returns
  // true when it stopped at that bound with more to read (the tailer then polls again at once,
  // without waiting for an event that was already consumed).
  bool Poll(std::chrono::steady_clock::time_point now);
  // The step for "its file was written, and nothing happened to its name" (what an inotify
  // event said): reads the current file, and only when that brings nothing new checks its
  // content for a truncation (CheckRotation's cases 3 and 4). Does what Poll does when a file is
  // being drained or the name is gone. The read is confirmed against the fingerprint as always.
  // Returns what Poll returns.
  bool PollWritten(std::chrono::steady_clock::time_point now);
  // Takes over a file found to belong to this name (at start-up: a renamed file the positions
  // file knew) and drains it from `offset`.
  void AdoptRotated(int fd, const FileIdentity& id, int64_t offset, bool skip_to_newline);
  // Closes both files without reading further (a glob no longer matches, or shutdown).
  void CloseAll();
  // Makes `sink` (this name's own sink, from a LineSinkFactory) the one lines go to, and owns
  // it. Before the first read.
  void AdoptSink(std::unique_ptr<LineSink> sink);

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::string& pattern() const { return pattern_; }
  [[nodiscard]] bool is_open() const { return current_.open(); }
  [[nodiscard]] bool has_open_files() const { return current_.open() || draining_.open(); }
  [[nodiscard]] int64_t offset() const { return current_.offset; }
  [[nodiscard]] const FileStream& current() const { return current_; }
  [[nodiscard]] const FileStream& draining() const { return draining_; }
  // The name reached no file at the last check, while the current file is still read.
  [[nodiscard]] bool name_gone() const {
    return gone_since_ != std::chrono::steady_clock::time_point{};
  }
  // Thread-safe: what the last Poll saw of the current file.
  [[nodiscard]] int64_t status_size() const { return status_size_.load(std::memory_order_relaxed); }
  [[nodiscard]] int64_t status_offset() const {
    return status_offset_.load(std::memory_order_relaxed);
  }

  bool matched = true;  // a glob follower whose name the last evaluation still matched

 private:
  bool OpenCurrent(bool at_startup);
  size_t Read(FileStream* s);
  void BeginDrain(FileStream* s);
  void Finish(FileStream* s);
  void Truncated(const FileIdentity& before);
  void CheckContent();
  void PublishStatus();

  std::string path_;
  std::string pattern_;
  LineSink* sink_;
  std::unique_ptr<LineSink> own_sink_;          // AdoptSink: this name's own sink, or null
  std::unique_ptr<LineSplitter> own_splitter_;  // oneshot only
  LineSplitter* splitter_;
  FollowerHost* host_;  // null on its own
  bool from_start_;
  std::chrono::milliseconds drain_idle_;
  size_t max_bytes_per_poll_;
  FileStream current_;   // the file the name points at (or pointed at, until it is idle)
  FileStream draining_;  // the previous file after a rename, read until idle
  std::chrono::steady_clock::time_point gone_since_{};  // the name stopped existing
  bool warned_open_ = false;
  bool size_checked_ = false;  // current_.size was taken in this Poll (fstat or open)
  std::atomic<int64_t> status_size_{0};
  std::atomic<int64_t> status_offset_{0};
};

}  // namespace accesslog
