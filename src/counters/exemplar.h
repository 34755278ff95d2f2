// Stage: counters (per-thread slots). The last exemplar of a series: a trace id (a source's
// exemplars.trace_id) with the value observed and when, kept in a fixed-size slot so that
// recording one allocates nothing.
//
//   ExemplarSlot slot;                         // preallocated with its series
//   slot.Store("4bf92f35...", 0.042, now);     // per line, writer only
//   Exemplar e;
//   if (slot.Load(&e)) { ... }                 // at scrape, any thread
//
// Which trace ids are kept (KeepTraceId): valid UTF-8, not empty, at most kMaxTraceIdBytes
// bytes, and short enough that the exemplar's label set {trace_id="…"} stays within
// OpenMetrics' limit of 128 runes for an exemplar's label names and values together (so the
// value has at most 120 runes); others are dropped (the line still counts).
//
// Thread-safety: one writer, any number of readers, through a seqlock: Store makes the
// sequence odd (then a release fence), writes the bytes, size, value and time as relaxed
// atomic words, and makes it even again with a release store; Load reads the sequence with
// acquire, copies, and after an acquire fence checks the sequence is even and unchanged (else
// retries a bounded number of times, then reports nothing for this scrape). A reader never
// sees one trace id's bytes with another's length or value.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "classify/status_table.h"

namespace accesslog {

inline constexpr size_t kMaxTraceIdBytes = 128;
inline constexpr size_t kMaxExemplarLabelRunes = 128;  // OpenMetrics: names + values

// Whether a trace id can be an exemplar (see above). Inline for a W3C trace id (32 ASCII
// bytes); the rest is KeepTraceIdSlow.
[[nodiscard]] bool KeepTraceIdSlow(std::string_view trace_id);
[[nodiscard]] inline bool KeepTraceId(std::string_view trace_id) {
  if (trace_id.size() == 32) {
    uint64_t w[4];
    std::memcpy(w, trace_id.data(), 32);
    if (((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ull) == 0) return true;
  }
  return KeepTraceIdSlow(trace_id);
}
// Unix time in seconds from the coarse real-time clock (a few ms of resolution, a few ns).
[[nodiscard]] double CoarseNowSeconds();

struct Exemplar {
  std::string trace_id;
  double value = 0;
  double timestamp = 0;  // Unix seconds
};

// One line's exemplar while the recorder counts it: the trace id (a view into the line) and
// the time.
struct ExemplarRef {
  std::string_view trace_id;
  double timestamp = 0;
};

class ExemplarSlot {
 public:
  // `trace_id` must satisfy KeepTraceId. Writer only. Inline: a traced line stores two.
  void Store(std::string_view trace_id, double value, double timestamp) {
    // Plain stores and a release fence (no instruction on x86-64): no locked instruction.
    const uint32_t seq = seq_.load(std::memory_order_relaxed);
    seq_.store(seq + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    // Whole words by fixed-size copies (a trace id is nearly always 32 or 16 hex digits), then
    // the tail, if any, zero-padded.
    const size_t n = trace_id.size();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w = 0;
      std::memcpy(&w, trace_id.data() + i, 8);
      words_[i / 8].store(w, std::memory_order_relaxed);
    }
    if (i < n) {
      char tail[8] = {};
      for (size_t j = i; j < n; ++j) tail[j - i] = trace_id[j];
      uint64_t w = 0;
      std::memcpy(&w, tail, 8);
      words_[i / 8].store(w, std::memory_order_relaxed);
    }
    size_.store(static_cast<uint32_t>(n), std::memory_order_relaxed);
    value_.store(value, std::memory_order_relaxed);
    timestamp_.store(timestamp, std::memory_order_relaxed);
    seq_.store(seq + 2, std::memory_order_release);
  }
  // False when nothing was stored yet (or a writer kept storing through every retry).
  bool Load(Exemplar* out) const;

 private:
  std::atomic<uint32_t> seq_{0};
  std::atomic<uint32_t> size_{0};  // 0: empty
  std::atomic<double> value_{0};
  std::atomic<double> timestamp_{0};
  std::array<std::atomic<uint64_t>, kMaxTraceIdBytes / 8> words_{};
};

// The exemplars of one label set's accesslog_http_responses_total series, one per status code
// seen with a trace id, up to kSlots codes (a label set rarely sees more; later codes get none).
// Writer: Record; readers: Get.
class ResponseExemplars {
 public:
  static constexpr size_t kSlots = 16;
  void Record(int code, const ExemplarRef& e);
  bool Get(int code, Exemplar* out) const;

 private:
  std::array<std::atomic<uint8_t>, kStatusSlots> slot_of_{};  // pool index + 1; 0: none
  std::array<ExemplarSlot, kSlots> pool_;
  uint8_t used_ = 0;  // writer only
};

}  // namespace accesslog
