// Stage: counters. Where the per-line path counts: one Recorder per worker thread.
//
//   Recorder recorder(options);             // at start-up: every slot it will need is sized
//   recorder.Record(log_id, fields, code);  // per line: array indexes and adds
//
// Responses are counted per label set (the combination of the opt-in labels: log, method, host,
// route, and the labels taken from the file's path) in plain slots indexed by status code; the
// request-duration, upstream-duration and response-size histograms are per label set and status
// class, as plain bucket counters. With no dynamic label configured there is exactly one label set
// and no lookup at all; with labels, a line costs a method switch, and one hash lookup per
// host/route value and per label set. Path labels cost nothing per line: a file's values are
// interned once, when the file is first followed (InternPathLabels), and the line carries the id.
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
  uint32_t path = 0;  // the file's path label values (InternPathLabels)
};

class Recorder {
 public:
  // `log_names` are the sources' names (the `log` label), indexed by log id. `histograms`
  // says which histograms any source's format can fill (the others are never created).
  // `path_label_names`: the labels taken from files' paths (every source's path_labels, in
  // order of first appearance); none by default.
  Recorder(const LabelOptions& labels, const HistogramOptions& buckets,
           std::vector<std::string> log_names, std::array<bool, kNumHistogramKinds> histograms,
           std::vector<std::string> path_label_names = {});
  Recorder(const Recorder&) = delete;  // the collector holds references into it
  Recorder& operator=(const Recorder&) = delete;

  // Counts one parsed line whose status `code` is valid (100-599); `path_id` is the line's
  // file's InternPathLabels (0 without path labels). Writer only.
  void Record(uint16_t log_id, const Fields& fields, int code, uint32_t path_id = 0);

  // The id of one file's path label values (one per path_label_names(), "" where the file has
  // none), adding it when new and the cap (labels.limits.paths) allows; past the cap, the id
  // whose every value is "__overflow__" (and its lines count as folded). Called when a file is
  // first followed, never per line. Writer only.
  [[nodiscard]] uint32_t InternPathLabels(const std::vector<std::string>& values);

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
  [[nodiscard]] const std::vector<std::string>& path_label_names() const { return path_names_; }
  // The path label values of an id, joined by '\0' (names and values never hold one), or
  // "__overflow__" for the overflow id.
  [[nodiscard]] std::string_view path_values(uint32_t id) const { return paths_.value(id); }
  [[nodiscard]] bool is_path_overflow(uint32_t id) const { return id == paths_.overflow_id(); }
  // Whether any label varies per line or per file (otherwise there is one label set).
  [[nodiscard]] bool dynamic() const { return dynamic_; }
  // Lines whose label set was folded (a label over its cap, or too many label sets).
  [[nodiscard]] uint64_t folded_lines() const { return folded_lines_.Load(); }
  [[nodiscard]] uint64_t folded_observations(HistogramKind k) const {
    return folded_obs_[static_cast<size_t>(k)].Load();
  }

 private:
  LabelSet* Find(uint16_t log_id, const Fields& fields, uint32_t path_id, bool* folded);
  LabelSet* Add(const LabelSetKey& key);
  void Observe(LabelSet* set, HistogramKind kind, int cls, double value);

  LabelOptions labels_;
  HistogramOptions buckets_;
  std::vector<std::string> log_names_;
  std::array<bool, kNumHistogramKinds> histograms_;
  std::vector<std::string> path_names_;
  Interner hosts_;
  Interner routes_;
  Interner paths_;
  std::string path_scratch_;
  RouteNormalizer route_normalizer_;
  bool dynamic_;  // any of log, method, host, route, path: otherwise there is one label set
  std::string route_scratch_;
  struct IndexKey {
    uint64_t packed;  // log, method, host, route
    uint32_t path;
    bool operator==(const IndexKey&) const = default;
  };
  struct IndexHash {
    size_t operator()(const IndexKey& k) const {
      return std::hash<uint64_t>()(k.packed ^ (uint64_t{k.path} * 0x9E3779B97F4A7C15ull));
    }
  };
  std::unordered_map<IndexKey, LabelSet*, IndexHash> index_;
  std::vector<std::unique_ptr<LabelSet>> sets_;  // preallocated; never reallocates
  std::atomic<size_t> count_{0};
  LabelSet* overflow_set_ = nullptr;
  RelaxedCounter folded_lines_;
  std::array<RelaxedCounter, kNumHistogramKinds> folded_obs_;
};

}  // namespace accesslog
