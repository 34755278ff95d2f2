#include "counters/exemplar.h"

#include <time.h>

#include <cstring>
#include <thread>

#include "util/utf8.h"

namespace accesslog {

bool KeepTraceIdSlow(std::string_view id) {
  if (id.empty() || id.size() > kMaxTraceIdBytes) return false;
  // Trace ids are nearly always ASCII (hex): then every byte is a rune and valid UTF-8, which
  // eight bytes at a time tell without a branch per byte.
  uint64_t high = 0;
  size_t i = 0;
  for (; i + 8 <= id.size(); i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, id.data() + i, 8);
    high |= w;
  }
  for (; i < id.size(); ++i) high |= static_cast<uint8_t>(id[i]);
  if ((high & 0x8080808080808080ull) == 0) return id.size() + 8 <= kMaxExemplarLabelRunes;
  size_t runes = 0;
  for (char c : id) runes += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  // "trace_id" counts towards the limit too.
  return runes + 8 <= kMaxExemplarLabelRunes && IsValidUtf8(id);
}

double CoarseNowSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

bool ExemplarSlot::Load(Exemplar* out) const {
  char bytes[kMaxTraceIdBytes];
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const uint32_t seq = seq_.load(std::memory_order_acquire);
    if ((seq & 1) == 0) {
      const uint32_t size =
          std::min<uint32_t>(size_.load(std::memory_order_relaxed), kMaxTraceIdBytes);
      for (size_t i = 0; i * 8 < size; ++i) {
        const uint64_t w = words_[i].load(std::memory_order_relaxed);
        std::memcpy(bytes + i * 8, &w, std::min<size_t>(8, size - i * 8));
      }
      const double value = value_.load(std::memory_order_relaxed);
      const double timestamp = timestamp_.load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (seq_.load(std::memory_order_relaxed) == seq) {
        if (size == 0) return false;
        out->trace_id.assign(bytes, size);
        out->value = value;
        out->timestamp = timestamp;
        return true;
      }
    }
    std::this_thread::yield();
  }
  return false;
}

void ResponseExemplars::Record(int code, const ExemplarRef& e) {
  std::atomic<uint8_t>& index = slot_of_[static_cast<size_t>(code)];
  uint8_t i = index.load(std::memory_order_relaxed);
  if (i == 0) {
    if (used_ == kSlots) return;
    i = ++used_;
    pool_[i - 1].Store(e.trace_id, 1, e.timestamp);
    index.store(i, std::memory_order_release);  // publishes the slot, already filled
    return;
  }
  pool_[i - 1].Store(e.trace_id, 1, e.timestamp);
}

bool ResponseExemplars::Get(int code, Exemplar* out) const {
  const uint8_t i = slot_of_[static_cast<size_t>(code)].load(std::memory_order_acquire);
  return i != 0 && pool_[i - 1].Load(out);
}

}  // namespace accesslog
