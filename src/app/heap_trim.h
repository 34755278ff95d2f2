// Stage: app. Gives freed heap back to the system when much of it was freed, so that the RSS
// follows the load down (pods that came and went, a large scrape), not only up.
//
//   HeapTrimmer trimmer;           // one, on the thread that ticks
//   trimmer.Tick(now);             // about once a second (the tailer's tick)
//
// glibc keeps freed memory in its arena (M_ARENA_MAX is 1, main.cc) and returns it only from
// the top of the heap; malloc_trim(0) also releases the whole free pages inside it. Tick reads
// the arena's free bytes (mallinfo2: the arena lock and a walk over its bins, microseconds) at
// most once a second and trims when at least kTrimAfterFreedBytes more are free than after
// the last trim (what was reused since lowers that mark). Never on the per-line path.
//
// Thread-safety: one thread calls Tick. Without glibc it does nothing.
#pragma once

#include <chrono>
#include <cstddef>

namespace accesslog {

class HeapTrimmer {
 public:
  static constexpr size_t kTrimAfterFreedBytes = size_t{4} << 20;
  // Trims when the arena's free bytes passed the mark; returns whether it trimmed.
  bool Tick(std::chrono::steady_clock::time_point now);
  // Trims now (and sets the mark).
  void Trim();

 private:
  std::chrono::steady_clock::time_point last_check_{};
  size_t mark_ = 0;  // free bytes after the last trim, lowered as they are reused
};

}  // namespace accesslog
