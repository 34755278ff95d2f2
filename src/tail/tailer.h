// Stage: lines (files -> bytes -> lines). Follows log files as they grow and rotate.
//
//   accesslog::Tailer tailer(options);
//   tailer.Add("/var/log/nginx/access.log", &sink);   // sink: parser + counters
//   tailer.Add("/var/log/nginx/*.access.log", &sink);  // globs: every match feeds the sink
//   if (!tailer.Start(&error)) ...                     // loads positions, opens every file
//   std::thread t([&] { tailer.Run(); });              // reads until Stop()
//   ...
//   tailer.Stop(); t.join();                           // Run saved the positions on its way out
//
// Appends are noticed through inotify on each file's directory (which also sees files that do
// not exist yet and names that are renamed or recreated; directory_watches.h): a wake-up reads
// the files an event named, and nothing else. Every poll_interval a periodic check looks at
// what events cannot tell of: files in directories that are not watched (missing yet, on a
// network or user-space file system, reached through a symlinked directory), files not open,
// renamed files being drained, globs whose directories are not all watched. Every
// full_check_interval it looks at every file and every glob, in case an event was missed. Where
// inotify is unavailable (use_inotify=false, or inotify_init fails: some container volumes),
// the periodic check reads every file (the polling fallback).
//
// A file a glob matches after start-up is followed at once, and opened once it holds bytes that
// are not a copy of a file the glob follows (FileFollower::AwaitContent): a log created empty
// (nginx opening its log, a container runtime creating 0.log before the first output) is read
// from its first line on the first write, in either mode and in muted directories alike.
//
// Files are followed by what they are (device, inode and a fingerprint of their first bytes;
// see file_identity.h), not by name. Rotation and truncation are decided in one place,
// FileFollower::CheckRotation, with the reasoning beside each branch; docs/tailing.md tells
// what happens for each kind of rotation. In short: a renamed or deleted file is read on (it
// is "drained") until it has been idle for drain_idle, while the new file under the name is
// read from its start; a file truncated in place (copytruncate) is read again from its start,
// and what had not been read yet is taken from logrotate's copy when it can be found.
//
// Memory is bounded whatever the files do: one line buffer for all files (max_line_bytes +
// read_chunk_bytes), and per followed name at most two open files (the current one and one
// being drained) each holding at most one partial line.
//
// Reads are batched: after a read, a file that keeps being written waits read_batch_window for
// more (fewer wake-ups); a scrape does not wait for it (CatchUpNow). A directory whose files
// are written so steadily that their write events cost more than reading the files at every
// window has its write events muted, and its files are read at every round (steady_writers.h).
//
// Thread-safety: Add and Start before Run; Run on one thread (the positions file is written by
// a thread of its own: tail/positions_writer.h); Stop, CatchUpNow and Snapshot
// from any thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lines/line_sink.h"
#include "lines/line_splitter.h"
#include "tail/catch_up.h"
#include "tail/directory_watches.h"
#include "tail/file_follower.h"
#include "tail/file_identity.h"
#include "tail/positions.h"
#include "tail/positions_writer.h"
#include "tail/steady_writers.h"

namespace accesslog {

// What the tailer is following now, for the self-metrics (read lag, files followed): one entry
// per name with an open file. A renamed file still being drained is not listed.
struct FileStatus {
  std::string pattern;  // the path or glob the file was matched by (Tailer::Add)
  std::string path;
  int64_t size = 0;    // bytes in the file at the last check
  int64_t offset = 0;  // bytes consumed
};

class Tailer : private FollowerHost {
 public:
  explicit Tailer(TailOptions options);
  ~Tailer() override;
  Tailer(const Tailer&) = delete;  // owns descriptors
  Tailer& operator=(const Tailer&) = delete;

  // Follows every file matching `pattern` (a path, or a glob(3) pattern re-evaluated as files
  // appear); all of them feed `sink`, or, when `per_file` is given and gives one, a sink of
  // their own (asked once per followed name, kept until the name is no longer followed). Call
  // before Start. One pattern per file: a path that several patterns match is followed by the
  // first added (globs.h PathMatches), and by no other; a pattern added twice is added once.
  void Add(std::string pattern, LineSink* sink, LineSinkFactory* per_file = nullptr);
  // Loads the positions file, opens and positions every file that exists (missing files are
  // picked up when they appear), forgets the positions of files it found no trace of (they
  // are not written again: the positions file holds the files followed and those being
  // drained, nothing else) and saves positions once, so a positions file that cannot be
  // written is told of now (a warning: the tailer follows and counts without it, and tries
  // again at every save). Returns false with *error set (naming the file and the reason) when
  // the positions file cannot be read or parsed.
  [[nodiscard]] bool Start(std::string* error);
  // Before Start: failed saves of the positions file are counted in *counter, which must
  // outlive the tailer (a reload's next tailer counts on in the same one). Without it the
  // tailer counts in its own. Thread-safe to read.
  void CountPositionsWriteFailuresIn(std::atomic<uint64_t>* counter) { failures_ = counter; }
  [[nodiscard]] uint64_t positions_write_failures() const {
    return failures_->load(std::memory_order_relaxed);
  }
  // Follows the files until Stop() is called, then saves positions.
  void Run();
  // Thread-safe; makes Run return soon.
  void Stop();
  // Before Run: `tick` is called on Run's thread once per poll interval (the periodic check),
  // for work that must happen on the thread that hands out lines even when no line comes
  // (the recorder's expiry of idle label sets).
  void SetTick(std::function<void(std::chrono::steady_clock::time_point)> tick) {
    tick_ = std::move(tick);
  }

  // Thread-safe: reads what has been written by now (the pending events, files with more to
  // read, files events cannot tell of, new matches of globs events cannot tell of) on Run's
  // thread, and waits for that round, at most max_wait. A scrape calls it first, so the read
  // batching window never delays a count on /metrics (catch_up.h). Returns false on timeout, or at
  // once before Start and after Stop.
  bool CatchUpNow(std::chrono::milliseconds max_wait) { return catch_up_.Ask(max_wait); }

  // How many directories have their write events muted now, their files read at every round
  // instead (steady_writers.h). Thread-safe; for tests.
  [[nodiscard]] size_t muted_directories() const {
    return muted_dirs_.load(std::memory_order_relaxed);
  }

  // How many names are followed now: those with a file open, and those waiting for theirs (a
  // path that does not exist yet, a new match of a glob that is still empty). Thread-safe; for
  // tests.
  [[nodiscard]] size_t followed_names() const {
    std::lock_guard<std::mutex> lock(mu_);
    return followers_.size();
  }

  // The files followed now. Thread-safe: called at scrape time.
  [[nodiscard]] std::vector<FileStatus> Snapshot() const;

  // Where every file stands, as the positions file would say: the files followed and those
  // being drained. Call when Run is not running
  // (after Stop and join): a reload that restarts tailing hands it to the next Tailer's
  // ResumeFrom, so files go on where they were even without --positions.file.
  [[nodiscard]] std::vector<PositionEntry> Positions() const;
  // Before Start: resume from `positions` (from Positions()) instead of the positions file's
  // content; the positions file, if any, is still written.
  void ResumeFrom(std::vector<PositionEntry> positions);

 private:
  struct Pattern {
    std::string pattern;
    LineSink* sink;
    LineSinkFactory* per_file;  // may be null
    bool glob;
    bool watched = false;  // every directory it can match in is a trusted watch
  };
  struct KnownFile {  // a file read for the last time in this run
    FileIdentity id;
    int64_t offset;
  };
  // One followed name, and what the tailer knows of it.
  struct Followed {
    std::unique_ptr<FileFollower> f;
    bool trusted = false;  // events tell of its name and of writes to its file
    bool hot = false;      // in hot_
    uint64_t round = 0;    // the last Sweep round that polled it
    uint64_t moved = 0;    // the last Sweep round in which it read bytes
    // What the name reached when the watches were last set up: a change sets them up again.
    bool was_open = false;
    uint64_t dev = 0, ino = 0;
    std::string target;  // the symlink's target (realpath), when the name is a symlink
  };
  // FollowerHost
  int64_t StartOffset(const std::string& path, int fd, const FileIdentity& id, int64_t size,
                      bool at_startup, bool* skip_to_newline) override;
  void Closed(const FileIdentity& id, int64_t offset) override;
  bool IsFollowed(const std::string& pattern, const FileIdentity& id) const override;
  bool IsCopyOfFollowed(const std::string& pattern, const FileIdentity& id) const override;

  FileFollower* AddFollower(const std::string& path, const Pattern& p);
  // Evaluates the globs (all of them, or those whose directories are not all watched): new
  // followers, unmatched ones. Returns true when a follower was added.
  bool Rescan(bool at_startup, bool all = true);
  void AdoptUnclaimedPositions();
  // The rest of the saved positions: their file is gone (a pod deleted while the exporter was
  // down), or no pattern follows it now. Dropped, so that they leave the positions file.
  void ForgetUnclaimedPositions();
  // Whether a pattern added before patterns_[index] matches `path` (it then reads the file).
  [[nodiscard]] bool OwnedByEarlier(size_t index, const std::string& path) const;
  // Sets up the watches and the names events are reported for, for the followers there are
  // now. Returns true when a directory watch was added (the globs must be looked at again).
  bool UpdateWatches();
  void Reindex();  // UpdateWatches when stale, and the globs again while watches were added
  // One round of reads. `all`: every follower (start, polling fallback, overflow, full check);
  // `tick`: the periodic check (followers that events cannot tell of). Otherwise the followers
  // events named, those with more to read, and those draining a renamed file. Returns true
  // when a file has more to read now.
  bool Sweep(std::chrono::steady_clock::time_point now, bool all, bool tick);
  bool PollOne(uint32_t slot, bool written_only, std::chrono::steady_clock::time_point now);
  // When something changed (or `now`, on this thread): the positions file, by positions_.
  void SavePositions(bool now = false);

  TailOptions options_;
  LineSplitter splitter_;  // one line buffer for every file: they are read in turn
  std::vector<Pattern> patterns_;
  // Followers are added and removed by the Run thread only; mu_ guards that against Snapshot.
  mutable std::mutex mu_;
  std::vector<Followed> followers_;
  std::deque<KnownFile> known_;        // bounded: kMaxKnownFiles
  std::vector<PositionEntry> saved_;   // from the positions file, not yet matched (Start only)
  std::vector<PositionEntry> resume_;  // ResumeFrom
  bool resume_set_ = false;
  DirectoryWatches watches_;  // inotify; not open: the polling fallback
  SteadyWriters steady_{&watches_, options_.read_batch_window};
  std::atomic<size_t> muted_dirs_{0};  // steady_.muted(), for muted_directories()
  bool watches_stale_ = true;          // followers or their files changed since UpdateWatches
  std::vector<Touched> touched_;       // what the last events named (slots of followers_)
  std::vector<uint32_t> more_;         // followers with more to read at once
  std::vector<uint32_t> again_;        // more_ of the previous round, being read
  std::vector<uint32_t> hot_;          // followers draining a file or whose name is gone
  std::vector<uint32_t> polled_;  // followers not open or not in a trusted watch (UpdateWatches)
  std::vector<uint32_t> reread_;  // steady_'s unmuted slots, reused
  uint64_t round_ = 0;
  bool poll_all_ = false;    // followers were removed: slots moved, read everything once
  bool moved_ = true;        // offsets or files changed since the positions were last saved
  bool maybe_gone_ = false;  // a glob follower may be unmatched with no open file: remove it
  std::unique_ptr<PositionsWriter> positions_;  // with --positions.file, from Start
  std::atomic<uint64_t> own_failures_{0};
  std::atomic<uint64_t>* failures_ = &own_failures_;  // CountPositionsWriteFailuresIn
  int wake_fd_ = -1;                                  // eventfd: Stop() and CatchUpNow() wake Run()
  CatchUp catch_up_;                                  // on wake_fd_
  std::atomic<bool> stop_{false};
  std::function<void(std::chrono::steady_clock::time_point)> tick_;
};

}  // namespace accesslog
