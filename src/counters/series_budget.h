// Stage: counters. The series budget of one exporter (labels.limits.series): how many series
// of the response metrics and histograms the recorders may make, shared by every recorder of
// one configuration (file sources, syslog sources, streams).
//
//   SeriesBudget budget(10000);
//   if (budget.TryTake(n)) { ... make the n series ... } else { ... fold ... }
//   budget.Give(n);  // the series left (expired)
//
// What a series costs is the recorder's business (recorder.h: a label set's 5 by-class series,
// one per status code it has seen, bounds + 3 per histogram and class observed). The budget is
// taken only when a label set, a code or a histogram class is new, never per line.
//
// Thread-safety: any thread; lock-free (one atomic).
#pragma once

#include <atomic>
#include <cstddef>

namespace accesslog {

class SeriesBudget {
 public:
  explicit SeriesBudget(size_t limit) : limit_(limit) {}
  SeriesBudget(const SeriesBudget&) = delete;  // recorders share one by pointer
  SeriesBudget& operator=(const SeriesBudget&) = delete;

  // Takes n series when the total stays within the limit; false (nothing taken) otherwise.
  [[nodiscard]] bool TryTake(size_t n) {
    size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (used + n > limit_) return false;
    } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    return true;
  }
  // Takes n series whatever the limit (the overflow set's, which has nowhere to fold to).
  void Take(size_t n) { used_.fetch_add(n, std::memory_order_relaxed); }
  // Gives back n series taken before.
  void Give(size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }
  [[nodiscard]] size_t used() const { return used_.load(std::memory_order_relaxed); }
  [[nodiscard]] size_t limit() const { return limit_; }

 private:
  const size_t limit_;
  std::atomic<size_t> used_{0};
};

}  // namespace accesslog
