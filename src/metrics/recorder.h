// Stage: counters. Where the per-line path counts: one Recorder per worker thread.
//
//   Recorder recorder(options);             // at start-up: every slot it will need is sized
//   recorder.Record(log_id, fields, code);  // per line: array indexes and adds
//
// Responses are counted per label set (the combination of the opt-in labels: log, method, host,
// route) in plain slots indexed by status code; the request-duration, upstream-duration and
// response-size histograms are per label set and status class, as plain bucket counters. With
// no dynamic label configured there is exactly one label set and no lookup at all; with labels,
// a line costs a method switch, and one hash lookup per host/route value and per label set.
// Those lookups allocate only when a new value or label set is added, which the caps bound.
//
// Thread-safety: Record is called by the owning worker only (single writer). Everything the
// collector reads (LabelSetCount, label_set, values, histogram slots) may be read concurrently
// at scrape time: slots are relaxed atomics and new label sets are published with release
// stores.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "classify/status_table.h"
#include "metrics/labels.h"
#include "metrics/slots.h"
#include "parse/fields.h"

namespace accesslog {

// Default buckets, for HTTP APIs: 5 ms to 10 s, and 100 B to 10 MB.
std::vector<double> DefaultDurationBuckets();
std::vector<double> DefaultSizeBuckets();

struct HistogramOptions {
  std::vector<double> request_duration = DefaultDurationBuckets();   // seconds
  std::vector<double> upstream_duration = DefaultDurationBuckets();  // seconds
  std::vector<double> response_size = DefaultSizeBuckets();          // bytes
  bool operator==(const HistogramOptions&) const = default;
};

enum class HistogramKind : uint8_t {
  kRequestDuration = 0,
  kUpstreamDuration = 1,
  kResponseSize = 2
};
inline constexpr int kNumHistogramKinds = 3;

// One histogram's counters: non-cumulative bucket counts (the last one is +Inf), and the sum.
class HistogramSlots {
 public:
  explicit HistogramSlots(size_t bounds)
      : buckets_(new RelaxedCounter[bounds + 1]), n_(bounds + 1) {}
  void Observe(size_t bucket, double value) {
    buckets_[bucket].Add(1);
    sum_.store(sum_.load(std::memory_order_relaxed) + value, std::memory_order_relaxed);
  }
  [[nodiscard]] uint64_t bucket(size_t i) const { return buckets_[i].Load(); }
  [[nodiscard]] size_t size() const { return n_; }
  [[nodiscard]] double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::unique_ptr<RelaxedCounter[]> buckets_;
  size_t n_;
  std::atomic<double> sum_{0};
};

// The label values of one label set, as ids (resolved to strings at scrape time).
struct LabelSetKey {
  uint16_t log = 0;
  uint8_t method = 0;
  uint32_t host = 0;
  uint32_t route = 0;
};

class Recorder {
 public:
  // `log_names` are the sources' names (the `log` label), indexed by log id. `histograms`
  // says which histograms any source's format can fill (the others are never created).
  Recorder(const LabelOptions& labels, const HistogramOptions& buckets,
           std::vector<std::string> log_names, std::array<bool, kNumHistogramKinds> histograms);
  Recorder(const Recorder&) = delete;  // the collector holds references into it
  Recorder& operator=(const Recorder&) = delete;

  // Counts one parsed line whose status `code` is valid (100-599). Writer only.
  void Record(uint16_t log_id, const Fields& fields, int code);

  // --- read side (scrape) ---
  struct LabelSet {
    LabelSetKey key;
    ResponseSlots responses;
    // [kind][class]; null when that histogram is not enabled.
    std::array<std::array<std::unique_ptr<HistogramSlots>, kNumClasses>, kNumHistogramKinds> hist;
  };
  [[nodiscard]] size_t LabelSetCount() const { return count_.load(std::memory_order_acquire); }
  [[nodiscard]] const LabelSet& label_set(size_t i) const { return *sets_[i]; }
  [[nodiscard]] const LabelOptions& labels() const { return labels_; }
  [[nodiscard]] const HistogramOptions& buckets() const { return buckets_; }
  [[nodiscard]] bool histogram_enabled(HistogramKind k) const {
    return histograms_[static_cast<size_t>(k)];
  }
  [[nodiscard]] std::string_view log_name(uint16_t id) const { return log_names_[id]; }
  [[nodiscard]] std::string_view host(uint32_t id) const { return hosts_.value(id); }
  [[nodiscard]] std::string_view route(uint32_t id) const { return routes_.value(id); }
  // Lines whose label set was folded (a label over its cap, or too many label sets).
  [[nodiscard]] uint64_t folded_lines() const { return folded_lines_.Load(); }
  [[nodiscard]] uint64_t folded_observations(HistogramKind k) const {
    return folded_obs_[static_cast<size_t>(k)].Load();
  }

 private:
  LabelSet* Find(uint16_t log_id, const Fields& fields, bool* folded);
  LabelSet* Add(const LabelSetKey& key);
  void Observe(LabelSet* set, HistogramKind kind, int cls, double value);

  LabelOptions labels_;
  HistogramOptions buckets_;
  std::vector<std::string> log_names_;
  std::array<bool, kNumHistogramKinds> histograms_;
  Interner hosts_;
  Interner routes_;
  RouteNormalizer route_normalizer_;
  bool dynamic_;  // any of log, method, host, route: otherwise there is one label set
  std::string route_scratch_;
  std::unordered_map<uint64_t, LabelSet*> index_;
  std::vector<std::unique_ptr<LabelSet>> sets_;  // preallocated; never reallocates
  std::atomic<size_t> count_{0};
  LabelSet* overflow_set_ = nullptr;
  RelaxedCounter folded_lines_;
  std::array<RelaxedCounter, kNumHistogramKinds> folded_obs_;
};

}  // namespace accesslog
