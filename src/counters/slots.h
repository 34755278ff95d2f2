// Stage: counters (per-thread slots). The only metric state the per-line path touches.
//
// Each worker thread owns its slots and is their only writer; a scrape reads them concurrently.
// A RelaxedCounter is a plain load + store on an atomic word (no lock prefix, no fence on
// x86-64), so counting a line costs an array index and an add. Slots are indexed by status code
// directly; there is no label lookup per line: labels are made at scrape time (collector.h).
//
// Thread-safety: one writer per slot object, any number of concurrent readers.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "classify/status_table.h"

namespace accesslog {

class RelaxedCounter {
 public:
  // Single writer only: a load and a store, not a read-modify-write.
  void Add(uint64_t n) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  [[nodiscard]] uint64_t Load() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// kDropped: deliberately not counted (a container stream that is not listed).
enum class LineResult : uint8_t { kParsed = 0, kMalformed = 1, kSkipped = 2, kDropped = 3 };
inline constexpr int kNumLineResults = 4;

// Responses counted by one worker, by status code (index = code, 100..599).
struct ResponseSlots {
  std::array<RelaxedCounter, kStatusSlots> by_code;
};

// Health of one followed log (the `log` label).
struct SourceSlots {
  std::array<RelaxedCounter, kNumLineResults> lines;
  RelaxedCounter bytes_read;
  RelaxedCounter rotations;
  // Unix time (seconds) of the last read that delivered a line; 0 until then.
  std::atomic<double> last_line_seconds{0};

  void CountLine(LineResult r) { lines[static_cast<size_t>(r)].Add(1); }
};

}  // namespace accesslog
