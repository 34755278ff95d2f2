// Stage: counters. Where the per-line path counts: one Recorder per worker thread.
//
//   Recorder recorder(options);             // at start-up: every slot it will need is sized
//   recorder.Record(log_id, fields, code);  // per line: array indexes and adds
//
// Responses are counted per label set (the combination of the opt-in labels: log, method, host,
// route, and the labels taken from the file's path) in plain slots indexed by status code; the
// request-duration, upstream-duration and response-size histograms are per histogram set and
// status class, as plain bucket counters. A histogram set is what label sets with the same
// values of histograms.labels share (by default: log and method, so routes and hosts do not
// multiply the buckets); a label set points at its own, resolved when the set is added.
//
// Series budget (labels.limits.series, series_budget.h): a new label set takes its 5 by-class
// series, a status code first seen in a set 1, a class first observed in a histogram set its
// bounds + 3 per histogram; a line whose new series would pass the budget goes to the overflow
// set. The check is one load and a mask per line (is this code / class new here?); the budget
// is touched only when it is. Expiry gives the series back. With no dynamic label configured there
// is exactly one label set and no lookup at all; with labels, a line costs a method switch, and one
// hash lookup per host/route value and per label set. Path labels cost nothing per line: a file's
// values are interned once, when the file is first followed (InternPathLabels), and the line
// carries the id. Those lookups allocate only when a new value or label set is added, which the
// caps bound. With histograms.native each histogram also keeps native buckets
// (native_histogram.h); when a source has exemplars.trace_id, each label set keeps the last trace
// id per response code, and each request-duration histogram per bucket (exemplar.h). Both are
// preallocated with the set.
//
// Expiry (labels.expire_after): each label set remembers the last tick (Expire, called by the
// writer once per poll interval) in which it counted a line, one plain store per line. Expire
// removes the sets idle for expire_after: their series leave the exposition, their memory is
// freed, their slot is reused, and accesslog_series_expired_total counts them. A label set that
// comes back starts again at 0 (a counter reset, which rate() handles). Path label values are
// reference-counted by the files that use them and the label sets that carry them, and freed
// with the last one, so pods that come and go leave nothing behind. (Host and route values stay
// interned, up to their caps.)
//
// Thread-safety: Record, InternPathLabels, ReleasePathLabels and Expire are called by the
// owning worker only (single writer). The collector reads at scrape time through
// ForEachLabelSet, which holds a mutex that the writer takes only to add or remove a label set
// or a path value (never per line); slots are relaxed atomics.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "classify/routes.h"
#include "classify/status_table.h"
#include "counters/exemplar.h"
#include "counters/labels.h"
#include "counters/native_histogram.h"
#include "counters/series_budget.h"
#include "counters/slots.h"
#include "parse/fields.h"

namespace accesslog {

// Default buckets, for HTTP APIs: 5 ms to 10 s, and 100 B to 10 MB.
std::vector<double> DefaultDurationBuckets();
std::vector<double> DefaultSizeBuckets();

struct HistogramOptions {
  std::vector<double> request_duration = DefaultDurationBuckets();   // seconds
  std::vector<double> upstream_duration = DefaultDurationBuckets();  // seconds
  std::vector<double> response_size = DefaultSizeBuckets();          // bytes
  // histograms.labels: the labels histograms carry, of the configured ones ("class" always;
  // "log" and static labels always when configured: they do not vary per line). Path labels
  // go together: all of them or none.
  std::vector<std::string> labels = {"class", "method"};
  NativeHistogramOptions native;  // histograms.native: sparse buckets beside the classic ones
  // Not a key of its own: true when a source has exemplars.trace_id (set by the config loader),
  // so that each series keeps room for its exemplars.
  bool exemplars = false;
  bool operator==(const HistogramOptions&) const = default;
};

enum class HistogramKind : uint8_t {
  kRequestDuration = 0,
  kUpstreamDuration = 1,
  kResponseSize = 2
};
inline constexpr int kNumHistogramKinds = 3;

// One histogram's counters: non-cumulative bucket counts (the last one is +Inf), and the sum;
// with histograms.native, its native buckets too (native_histogram.h), counted after the classic
// ones: read native() before bucket() and the classic count is never below the native one.
class HistogramSlots {
 public:
  explicit HistogramSlots(size_t bounds, const NativeHistogramOptions& native = {},
                          bool exemplars = false)
      : buckets_(new RelaxedCounter[bounds + 1]),
        n_(bounds + 1),
        native_(native.enabled ? std::make_unique<NativeHistogram>(native) : nullptr),
        exemplars_(exemplars ? std::make_unique<ExemplarSlot[]>(bounds + 1) : nullptr) {}
  // `exemplar`: the line's, kept as its bucket's last (when this histogram keeps exemplars).
  void Observe(size_t bucket, double value, const ExemplarRef* exemplar = nullptr) {
    buckets_[bucket].Add(1);
    sum_.store(sum_.load(std::memory_order_relaxed) + value, std::memory_order_relaxed);
    if (native_) native_->Observe(value);
    if (exemplar && exemplars_)
      exemplars_[bucket].Store(exemplar->trace_id, value, exemplar->timestamp);
  }
  // The last exemplar of bucket i (non-cumulative index), when there is one.
  bool exemplar(size_t i, Exemplar* out) const { return exemplars_ && exemplars_[i].Load(out); }
  // Null unless histograms.native is on.
  [[nodiscard]] const NativeHistogram* native() const { return native_.get(); }
  [[nodiscard]] uint64_t bucket(size_t i) const { return buckets_[i].Load(); }
  [[nodiscard]] size_t size() const { return n_; }
  [[nodiscard]] double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::unique_ptr<RelaxedCounter[]> buckets_;
  size_t n_;
  std::atomic<double> sum_{0};
  std::unique_ptr<NativeHistogram> native_;
  std::unique_ptr<ExemplarSlot[]> exemplars_;  // one per bucket, with exemplars only
};

// The status codes a label set has counted, as bits: marked by the writer when a code is first
// counted in the set (the line that adds its series, before its count), so that a scrape reads
// the slots of those codes only instead of all 500. Single writer, any number of readers.
class SeenCodes {
 public:
  void Mark(int code) {
    std::atomic<uint64_t>& w = words_[static_cast<size_t>(code) / 64];
    w.store(w.load(std::memory_order_relaxed) | (uint64_t{1} << (code % 64)),
            std::memory_order_relaxed);
  }
  // Calls f(code) for every code marked, ascending.
  template <typename F>
  void ForEach(F f) const {
    for (size_t i = 0; i < words_.size(); ++i) {
      for (uint64_t w = words_[i].load(std::memory_order_relaxed); w != 0; w &= w - 1) {
        f(static_cast<int>(i * 64 + static_cast<size_t>(std::countr_zero(w))));
      }
    }
  }

 private:
  std::array<std::atomic<uint64_t>, (kStatusSlots + 63) / 64> words_{};
};

// The label values of one label set, as ids (resolved to strings at scrape time).
struct LabelSetKey {
  uint16_t log = 0;
  uint8_t method = 0;
  uint32_t host = 0;
  uint32_t route = 0;
  uint32_t path = 0;  // the file's path label values (InternPathLabels)
  uint32_t tag = 0;   // syslog_tag
  uint32_t upstream = 0;
  uint32_t operation = 0;  // an OpenAPI operationId (ContractValues::operations); 0: ""
};

// The routes and operations of the sources' API contracts (their OpenAPI documents): interned
// when the recorder is made, beyond labels.limits.routes (the spec's own templates are never
// folded), so that a line of such a source carries their ids and costs no lookup for them.
struct ContractValues {
  std::vector<std::string> routes;      // every template, and "__unmatched__"
  std::vector<std::string> operations;  // every operationId
  bool operator==(const ContractValues&) const = default;
};

// What a source's own contract said of one line: with an api spec, its route and operation, and
// whether the operation documents its code; with a status table of its own, whether that table
// does. Lines judged by the pipeline's table (kByTable) are classified when scraped.
struct LineContract {
  static constexpr uint32_t kRouteFromPath = UINT32_MAX;
  enum class Verdict : uint8_t { kByTable, kUndocumented, kDocumented };
  Verdict verdict = Verdict::kByTable;
  uint32_t route = kRouteFromPath;  // Recorder::ContractRoute's id, or: the path's route as usual
  uint32_t operation = 0;           // Recorder::ContractOperation's id; 0: none ("")
};

// Responses whose documentation a source's contract decided per line (LineContract), by code:
// [0] undocumented, [1] documented; and the codes each has counted. A label set gets them with
// its first such line.
struct ContractSlots {
  std::array<ResponseSlots, 2> by_documented;
  std::array<SeenCodes, 2> seen;
};

// The by-class series of a label set (accesslog_http_responses_by_class_total, every class).
inline constexpr size_t kClassSeries = kNumClasses;

// Which of the configured labels a series carries (the counters: all; histograms: the
// histograms.labels among them).
struct LabelSelection {
  bool log = false;
  bool method = false;
  bool host = false;
  bool route = false;
  bool syslog_tag = false;
  bool path = false;  // every path label
  bool upstream = false;
  bool operation = false;
};

class Recorder {
 public:
  // `log_names` are the sources' names (the `log` label), indexed by log id. `histograms`
  // says which histograms any source's format can fill (the others are never created).
  // `path_label_names`: the labels taken from files' paths (every source's path_labels, in
  // order of first appearance); none by default.
  Recorder(const LabelOptions& labels, const HistogramOptions& buckets,
           std::vector<std::string> log_names, std::array<bool, kNumHistogramKinds> histograms,
           std::vector<std::string> path_label_names = {}, bool upstream_retries = false,
           std::shared_ptr<SeriesBudget> budget = nullptr, const ContractValues& contracts = {});
  Recorder(const Recorder&) = delete;  // the collector holds references into it
  Recorder& operator=(const Recorder&) = delete;

  // Counts one parsed line whose status `code` is valid (100-599); `path_id` is the line's
  // file's InternPathLabels (0 without path labels). A line whose upstream_tries is more than 1
  // also counts one upstream retry (accesslog_http_upstream_retries_total). `read_seconds`: when
  // the line was read (Unix seconds, the caller's coarse clock taken once per read), the
  // timestamp of its exemplars; 0 reads the coarse clock here, per line. Writer only.
  // `contract`: what the line's source's contract decided (null: the pipeline's table decides
  // at scrape time).
  void Record(uint16_t log_id, const Fields& fields, int code, uint32_t path_id = 0,
              double read_seconds = 0, const LineContract* contract = nullptr);

  // The ids of a contract's route and operation (ContractValues), for LineContract; resolved
  // once per source when the pipeline is built. Any thread: what they read is fixed when the
  // recorder is made. A value the recorder was not made with gives the route label's overflow
  // id, or operation 0.
  [[nodiscard]] uint32_t ContractRoute(std::string_view route) const;
  [[nodiscard]] uint32_t ContractOperation(std::string_view operation_id) const;

  // The id of one file's path label values (one per path_label_names(), "" where the file has
  // none), adding it when new and the cap (labels.limits.paths) allows; past the cap, the id
  // whose every value is "__overflow__" (and its lines count as folded). Called when a file is
  // first followed, never per line. Writer only.
  [[nodiscard]] uint32_t InternPathLabels(const std::vector<std::string>& values);
  // A file that had InternPathLabels' id is no longer followed. Writer only.
  void ReleasePathLabels(uint32_t id);
  // One tick: advances the recorder's clock to `now` and, with labels.expire_after, removes the
  // label sets that have counted no line for that long. Writer only; call it about once a
  // second (the tailer's poll interval).
  void Expire(std::chrono::steady_clock::time_point now);

  // --- read side (scrape) ---
  // The histograms of every label set with the same histogram labels (its key is the label
  // set's key with the labels histograms do not carry cleared).
  struct HistogramSet {
    LabelSetKey key;
    // [kind][class]; null when that histogram is not enabled.
    std::array<std::array<std::unique_ptr<HistogramSlots>, kNumClasses>, kNumHistogramKinds> hist;
    uint32_t refs = 0;      // writer only: the label sets that observe into it
    uint16_t observed = 0;  // writer only: bit kind * kNumClasses + class, once observed
    size_t slot = 0;        // writer only: its index in the recorder's table
  };
  struct LabelSet {
    LabelSetKey key;
    ResponseSlots responses;
    // The codes counted in responses, in a recorder with labels (dynamic()); the one set of a
    // recorder without labels counts with no check per line, and is read whole.
    SeenCodes seen_codes;
    // Responses for which nginx contacted more than one upstream server, by class.
    std::array<RelaxedCounter, kNumClasses> retries;
    // With exemplars: accesslog_http_responses_total's, by code.
    std::unique_ptr<ResponseExemplars> exemplars;
    // Lines a source's contract judged (LineContract); null until the first. Published with
    // release for the collector, which loads it with acquire.
    std::atomic<const ContractSlots*> contract{nullptr};
    std::unique_ptr<ContractSlots> contract_owner;  // writer only
    HistogramSet* histograms = nullptr;             // never null; shared by label sets
    uint32_t last_used = 0;                         // writer only: the tick of its last line
    uint16_t observed = 0;  // writer only: the bits of histograms->observed this set has seen
  };
  // Label sets alive now (the overflow set included).
  [[nodiscard]] size_t LabelSetCount() const { return live_.load(std::memory_order_relaxed); }
  // Calls f(const LabelSet&) for every label set alive, holding the lock that keeps them (and
  // the path values) from being removed meanwhile. path_values may be called from f.
  template <typename F>
  void ForEachLabelSet(F f) const {
    std::lock_guard<std::mutex> lock(mu_);
    const size_t n = count_.load(std::memory_order_acquire);
    for (size_t i = 0; i < n; ++i) {
      if (sets_[i]) f(*sets_[i]);
    }
  }
  // Calls f(const HistogramSet&) for every histogram set alive, as ForEachLabelSet.
  template <typename F>
  void ForEachHistogramSet(F f) const {
    std::lock_guard<std::mutex> lock(mu_);
    const size_t n = hist_count_.load(std::memory_order_acquire);
    for (size_t i = 0; i < n; ++i) {
      if (hist_sets_[i]) f(*hist_sets_[i]);
    }
  }
  // The labels the counters carry, and those the histograms carry.
  [[nodiscard]] const LabelSelection& counter_labels() const { return counter_labels_; }
  [[nodiscard]] const LabelSelection& histogram_labels() const { return histogram_labels_; }
  // The series budget (labels.limits.series), shared with the other recorders of a pipeline.
  [[nodiscard]] const std::shared_ptr<SeriesBudget>& budget() const { return budget_; }
  // Label sets removed by expire_after so far.
  [[nodiscard]] uint64_t expired() const { return expired_.Load(); }
  [[nodiscard]] const LabelOptions& labels() const { return labels_; }
  [[nodiscard]] const HistogramOptions& buckets() const { return buckets_; }
  [[nodiscard]] bool histogram_enabled(HistogramKind k) const {
    return histograms_[static_cast<size_t>(k)];
  }
  [[nodiscard]] std::string_view log_name(uint16_t id) const { return log_names_[id]; }
  [[nodiscard]] std::string_view host(uint32_t id) const { return hosts_.value(id); }
  [[nodiscard]] std::string_view route(uint32_t id) const { return routes_.value(id); }
  [[nodiscard]] std::string_view syslog_tag(uint32_t id) const { return tags_.value(id); }
  [[nodiscard]] std::string_view upstream(uint32_t id) const { return upstreams_.value(id); }
  [[nodiscard]] std::string_view operation(uint32_t id) const {
    return id == 0 ? std::string_view() : operations_[id - 1];
  }
  // Whether some source's format carries the upstream tries (the retries counter exists).
  [[nodiscard]] bool upstream_retries() const { return upstream_retries_; }
  [[nodiscard]] const std::vector<std::string>& path_label_names() const { return path_names_; }
  // The path label values of an id, joined by '\0' (names and values never hold one), or
  // "__overflow__" for the overflow id. Inside ForEachLabelSet (or on the writer's thread).
  [[nodiscard]] std::string_view path_values(uint32_t id) const {
    return id < path_slots_.size() ? std::string_view(path_slots_[id].values) : kOverflowValue;
  }
  [[nodiscard]] bool is_path_overflow(uint32_t id) const { return id >= path_slots_.size(); }
  // Path label values held now (for tests and figures).
  [[nodiscard]] size_t PathCount() const { return path_index_.size(); }
  // Whether any label varies per line or per file (otherwise there is one label set).
  [[nodiscard]] bool dynamic() const { return dynamic_; }
  // Lines whose label set was folded (a label over its cap, or too many label sets).
  [[nodiscard]] uint64_t folded_lines() const { return folded_lines_.Load(); }
  [[nodiscard]] uint64_t folded_observations(HistogramKind k) const {
    return folded_obs_[static_cast<size_t>(k)].Load();
  }

 private:
  LabelSet* Find(uint16_t log_id, const Fields& fields, uint32_t path_id, int code, int cls,
                 const LineContract* contract, bool* folded);
  // The counter a line of `code` goes to in `set`: its responses, or the contract's slots of
  // the line's verdict (made with the set's first such line); *seen: the codes that slot's
  // array has counted (null for the responses of a recorder without labels).
  RelaxedCounter& CodeSlot(LabelSet* set, int code, const LineContract* contract, SeenCodes** seen);
  // The histograms a line of class `cls` observes: bit kind * kNumClasses + cls.
  [[nodiscard]] uint16_t Observes(const Fields& f, int cls) const;
  LabelSet* Add(const LabelSetKey& key, HistogramSet* histograms);
  // The set's series that a line of `code` observing `observes` adds (a code or a histogram
  // class not seen yet) are taken from the budget; past it, the line goes to the overflow set.
  LabelSet* Admit(LabelSet* set, int code, uint16_t observes, const LineContract* contract,
                  bool* folded);
  LabelSet* Overflow(uint16_t log);
  LabelSetKey HistogramKey(const LabelSetKey& key) const;
  HistogramSet* FindHistogramSet(const LabelSetKey& key);  // null when there is none
  HistogramSet* AddHistogramSet(const LabelSetKey& key);
  void ReleaseHistogramSet(HistogramSet* h);
  // Series of the histograms whose bits are in `bits`: bounds + 3 each (buckets, +Inf, _sum,
  // _count).
  [[nodiscard]] size_t HistogramSeries(uint16_t bits) const;
  // A label set's by-class series: the responses by class, and the upstream retries by class
  // when that counter exists.
  [[nodiscard]] size_t ClassSeries() const { return kClassSeries * (upstream_retries_ ? 2 : 1); }
  void UnrefPath(uint32_t id);
  struct IndexKey;
  static IndexKey KeyOf(const LabelSetKey& key);
  void Observe(LabelSet* set, HistogramKind kind, int cls, double value,
               const ExemplarRef* exemplar = nullptr);

  LabelOptions labels_;
  HistogramOptions buckets_;
  std::vector<std::string> log_names_;
  std::array<bool, kNumHistogramKinds> histograms_;
  std::vector<std::string> path_names_;
  Interner hosts_;
  Interner routes_;
  Interner tags_;  // syslog_tag values
  Interner upstreams_;
  std::vector<std::string> operations_;  // ContractValues::operations; id = index + 1
  std::unordered_map<std::string, uint32_t> contract_routes_;  // ContractValues::routes' ids
  std::unordered_map<std::string, uint32_t> operation_ids_;
  bool upstream_retries_;
  // Path label values: a slot per distinct value (joined), reference-counted by files and label
  // sets, reused once free. Values written under mu_ (the collector reads them).
  struct PathSlot {
    std::string values;
    uint32_t refs = 0;
  };
  std::vector<PathSlot> path_slots_;  // labels.limits.paths slots; never reallocates
  std::vector<uint32_t> free_paths_;
  size_t path_high_ = 0;  // slots used so far
  std::unordered_map<std::string, uint32_t> path_index_;
  std::string path_scratch_;
  RouteNormalizer route_normalizer_;
  bool dynamic_;  // any of log, method, host, route, path: otherwise there is one label set
  std::string route_scratch_;
  struct IndexKey {   // NOLINT: declared above
    uint64_t packed;  // log, method, host, route
    uint32_t path;
    uint32_t tag;
    uint32_t upstream;
    uint32_t operation;
    bool operator==(const IndexKey&) const = default;
  };
  struct IndexHash {
    size_t operator()(const IndexKey& k) const {
      return std::hash<uint64_t>()(k.packed ^ (uint64_t{k.path} * 0x9E3779B97F4A7C15ull) ^
                                   (uint64_t{k.tag} * 0xC2B2AE3D27D4EB4Full) ^
                                   (uint64_t{k.upstream} * 0x165667B19E3779F9ull) ^
                                   (uint64_t{k.operation} * 0x27D4EB2F165667C5ull));
    }
  };
  std::unordered_map<IndexKey, LabelSet*, IndexHash> index_;
  LabelSelection counter_labels_;
  LabelSelection histogram_labels_;
  std::shared_ptr<SeriesBudget> budget_;
  std::unordered_map<IndexKey, HistogramSet*, IndexHash> hist_index_;
  std::vector<std::unique_ptr<HistogramSet>> hist_sets_;  // preallocated; never reallocates
  std::atomic<size_t> hist_count_{0};                     // slots used so far
  std::vector<size_t> free_hist_sets_;
  std::vector<std::unique_ptr<LabelSet>> sets_;  // preallocated; never reallocates
  std::atomic<size_t> count_{0};                 // slots used so far (some may be free again)
  std::atomic<size_t> live_{0};                  // label sets alive
  std::vector<size_t> free_sets_;                // slots of expired sets, to reuse
  mutable std::mutex mu_;                        // slot and path value changes vs ForEachLabelSet
  LabelSet* overflow_set_ = nullptr;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  uint32_t tick_ = 0;  // seconds since start_, as of the last Expire
  RelaxedCounter expired_;
  RelaxedCounter folded_lines_;
  std::array<RelaxedCounter, kNumHistogramKinds> folded_obs_;
};

}  // namespace accesslog
