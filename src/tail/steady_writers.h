// Stage: lines. Which watched directories are written so steadily that their followed files are
// read at every round of the tailer instead of on every write event, and when they are quiet
// enough to be heard of by events again.
//
// Many files in turn, each written a line per write(2) (a node's container logs, or a server's
// virtual-host logs side by side), make one inotify event per line: the kernel merges an event
// only with the identical one queued last, so interleaved files are never merged. Reading and
// freeing those events cost more than the reads they lead to, which are one per file per
// batching window anyway. So a directory whose write events come to at least
// kMuteEventsPerSlot per followed file over kMuteRounds rounds in a row (each within two
// windows of the one before) has IN_MODIFY taken out of its watch (DirectoryWatches::
// SetWritesMuted), and its files are read at every round: one round per window, and each catch-
// up. Its names, renames and deletions are still events, so rotation is seen as before, and
// every read is confirmed against the file's fingerprint as before.
//
// A muted directory is heard of by events again when none of its files brought a byte for
// max(2 windows, 1 s), or when fewer than a quarter of them did in each of kSparseRounds
// rounds (reading them all then costs more than their events would): IN_MODIFY goes back, and
// the caller reads its files once more (what was written before the watch had IN_MODIFY again
// made no event).
//
//   SteadyWriters steady(&watches, window);
//   events = watches.Drain(&touched);
//   steady.AfterDrain(now);                            // may mute directories
//   for (const auto& d : steady.dirs()) read d.slots;  // with the rest of the round's reads
//   steady.AfterReads(now, brought, &reread);          // may unmute: read `reread` next round
//
// With a window of 0 (every write read at once) nothing is muted.
//
// Thread-safety: one thread (the tailer's Run).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tail/directory_watches.h"

namespace accesslog {

class SteadyWriters {
 public:
  using Clock = std::chrono::steady_clock;

  static constexpr uint32_t kMuteRounds = 3;
  static constexpr uint32_t kMuteEventsPerSlot = 8;
  static constexpr uint32_t kSparseRounds = 4;

  struct Dir {
    int wd = -1;
    std::vector<uint32_t> slots;  // read at every round
    Clock::time_point busy;       // the last round one of them brought bytes
    uint32_t sparse = 0;          // rounds in a row in which fewer than a quarter did
  };

  SteadyWriters(DirectoryWatches* watches, Clock::duration window);

  // After a round's Drain: counts each directory's write events, and mutes those that have
  // become steady. Returns true when one was muted.
  bool AfterDrain(Clock::time_point now);
  // After the round's reads. `brought(slot)` says whether that slot's file brought bytes this
  // round. Unmutes the directories that have gone quiet (or sparse) and appends their slots to
  // *reread, for the caller to read in the next round.
  void AfterReads(Clock::time_point now, const std::function<bool(uint32_t)>& brought,
                  std::vector<uint32_t>* reread);
  // After the watches' names were indexed again (slots may have moved): each muted directory's
  // slots again. A directory whose watch is gone, or was added again without the mute, or that
  // names no follower any more, is dropped, and the slots it still names are appended to
  // *reread.
  void Reindexed(std::vector<uint32_t>* reread);

  [[nodiscard]] const std::vector<Dir>& dirs() const { return dirs_; }
  [[nodiscard]] size_t muted() const { return dirs_.size(); }

 private:
  struct Candidate {
    Clock::time_point last;  // the last round with write events
    uint32_t rounds = 0;     // in a row, each within two windows of the one before
    uint64_t events = 0;     // over those rounds
  };

  DirectoryWatches* watches_;
  Clock::duration window_;
  Clock::duration quiet_;  // max(2 windows, 1 s)
  std::vector<Dir> dirs_;
  std::unordered_map<int, Candidate> candidates_;  // by watch descriptor
  std::vector<std::pair<int, uint32_t>> writes_;   // TakeWrites's, reused
};

}  // namespace accesslog
