// Stage: counters (per-thread slots). The sparse exponential buckets of a Prometheus native
// histogram, beside a histogram's classic buckets (HistogramSlots owns one when
// histograms.native is on).
//
//   NativeHistogram h(options);          // at label-set creation: every slot preallocated
//   h.Observe(0.042);                    // per line: a table lookup, a compare, an add
//   NativeHistogramSnapshot s;
//   h.Read(&s);                          // at scrape, from another thread
//   EncodeSpans(s.positive_offset, s.positive, &spans);  // spans + deltas, as client_golang
//
// Buckets (io.prometheus.client.Histogram, metrics.proto): at schema s, bucket `key` holds the
// values in (2^((key-1)/2^s), 2^(key/2^s)]; values whose magnitude is at most zero_threshold go
// to the zero bucket; negative values to the negative buckets, by magnitude. The key of a value
// is client_golang's (frexp, then the first of the 2^s bounds in [0.5, 1) that is >= the
// fraction, or a shift for s <= 0), so a value on a bound goes to the bucket below; for s > 0 it
// is read from a table by the mantissa's top bits and one comparison (native_histogram.cc).
//
// Bounded memory: each sign keeps a window of `max_buckets` counters, preallocated, holding the
// keys from the lowest to the highest seen (a ring: key k is at (k - origin) mod max_buckets).
// A key that would make that window wider than max_buckets halves the resolution first, as
// client_golang does past NativeHistogramMaxBucketNumber: the schema is decremented and the
// buckets merged pairwise (key k becomes ceil(k/2)), until it fits (the window bounds the keys'
// range, so the populated buckets never exceed max_buckets either). At schema -4 (the lowest)
// a key that still does not fit is counted in the farthest bucket the window holds. Non-finite
// values are not counted here (the classic buckets still count them).
//
// Thread-safety: one writer (Observe), any number of concurrent readers (Read). Counters are
// relaxed atomics as in slots.h, stored with release so that a reader, which loads them with
// acquire before it reads the classic buckets, never sees more native than classic
// observations. A schema reduction (and the first observation, which places the window) rewrites
// the windows: it runs inside a seqlock (generation odd while writing, after a release fence; even
// again with a release store). Read copies schema, windows and counters, then checks after an
// acquire fence that the generation is even and unchanged, else retries: a snapshot is either
// wholly before or wholly after a reduction. Between reductions, a concurrent reader may miss
// observations being made (each counter is monotonic, as for the classic buckets). Reductions
// are rare (at most 12 in a series' life: the schema only decreases), so retries are too.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

namespace accesslog {

// histograms.native (docs/configuration.md). Defaults: client_golang's (bucket factor 1.1).
struct NativeHistogramOptions {
  bool enabled = false;
  int32_t schema = 3;          // -4..8
  uint32_t max_buckets = 160;  // per sign, >= 1
  double zero_threshold = 0x1p-128;
  bool operator==(const NativeHistogramOptions&) const = default;
};

inline constexpr int32_t kMinNativeSchema = -4;
inline constexpr int32_t kMaxNativeSchema = 8;

// The largest schema whose bucket factor 2^(2^-schema) is at most `factor` (> 1), clamped to
// -4..8, as client_golang picks it for NativeHistogramBucketFactor.
int32_t SchemaForBucketFactor(double factor);
// The bucket key of a finite magnitude v > 0 at `schema`. Inline for the per-line case (a
// normal number at a schema above 0); the rest is NativeBucketKeySlow.
int32_t NativeBucketKey(double v, int32_t schema);
int32_t NativeBucketKeySlow(double v, int32_t schema);

namespace native_internal {
// The key table of native_histogram.cc (how it is built and why it is exact: there).
struct KeyEntry {
  double bound;
  int32_t below;
};
constexpr size_t KeyTableStart(int32_t schema) { return (size_t{1} << (schema + 1)) - 4; }
extern const std::array<KeyEntry, KeyTableStart(kMaxNativeSchema + 1)> kKeyTable;
}  // namespace native_internal

inline int32_t NativeBucketKey(double v, int32_t schema) {
  const auto bits = std::bit_cast<uint64_t>(v);
  const auto biased = static_cast<int32_t>((bits >> 52) & 0x7ff);
  if (biased == 0 || schema <= 0) [[unlikely]]
    return NativeBucketKeySlow(v, schema);
  // frexp by hand: the exponent bits, and the mantissa with the exponent of [0.5, 1).
  const int32_t exp = biased - 1022;
  const double frac =
      std::bit_cast<double>((bits & 0x800fffffffffffffull) | (uint64_t{1022} << 52));
  const uint64_t interval = (bits >> (52 - (schema + 1))) & ((uint64_t{1} << (schema + 1)) - 1);
  const native_internal::KeyEntry& e =
      native_internal::kKeyTable[native_internal::KeyTableStart(schema) + interval];
  return e.below + (e.bound < frac ? 1 : 0) + (exp - 1) * (int32_t{1} << schema);
}
// The upper bound of bucket `key` at `schema`: 2^(key/2^schema).
double NativeBucketUpperBound(int32_t key, int32_t schema);

// What Read copies out; also what the collector folds over workers (Merge) at scrape time.
struct NativeHistogramSnapshot {
  int32_t schema = 0;
  double zero_threshold = 0;
  uint64_t zero_count = 0;
  // Dense counts from the key `*_offset` on (zeros where a key has none).
  int32_t positive_offset = 0;
  std::vector<uint64_t> positive;
  int32_t negative_offset = 0;
  std::vector<uint64_t> negative;

  // Observations counted (zero bucket included).
  [[nodiscard]] uint64_t count() const;
  // Buckets with a count (the zero bucket not included).
  [[nodiscard]] size_t populated() const;
  // Halves the resolution until the schema is `schema` (no-op when it is already at or below).
  void ReduceTo(int32_t schema);
  // Adds `other` (same zero threshold), at the lower of the two schemas.
  void Merge(const NativeHistogramSnapshot& other);
  // Halves the resolution while more than `max_buckets` buckets have a count (and schema > -4):
  // the sum of several workers' windows may be wider than one.
  void Limit(size_t max_buckets);
};

// A sign's dense counts, encoded as metrics.proto's spans and deltas the way client_golang
// writes them: the empty buckets are left out, except that a gap of one or two is filled with
// zero buckets rather than starting a new span; the first span's offset is its first key, the
// next ones' the number of keys skipped; each delta is the count minus the previous bucket's.
struct NativeSpans {
  std::vector<std::pair<int32_t, uint32_t>> spans;  // (offset, length)
  std::vector<int64_t> deltas;
};
void EncodeSpans(int32_t offset, const std::vector<uint64_t>& dense, NativeSpans* out);

class NativeHistogram {
 public:
  // `negative` false: negative values are not counted (the recorder never observes any: it
  // drops negative durations and sizes before), and no memory is kept for them.
  explicit NativeHistogram(const NativeHistogramOptions& options, bool negative = false);
  NativeHistogram(const NativeHistogram&) = delete;  // readers hold references into it
  NativeHistogram& operator=(const NativeHistogram&) = delete;

  // Counts one value. Writer only; allocation-free and lock-free. Inline for the common case (a
  // positive value whose key is inside the window); the rest is ObserveSlow.
  void Observe(double v) {
    const auto bits = std::bit_cast<uint64_t>(v);
    const auto biased = static_cast<int32_t>((bits >> 52) & 0x7ff);
    // A normal number at a schema above 0: NativeBucketKey with the current schema's table,
    // shift and mask kept by the writer (key_).
    if (v > zero_threshold_ && v <= std::numeric_limits<double>::max() && biased != 0 &&
        key_.table != nullptr) {
      const native_internal::KeyEntry& e = key_.table[(bits >> key_.shift) & key_.mask];
      const double frac =
          std::bit_cast<double>((bits & 0x800fffffffffffffull) | (uint64_t{1022} << 52));
      const int32_t key = e.below + (e.bound < frac ? 1 : 0) + (biased - 1023) * key_.per;
      const int32_t lo = positive_.lo.load(std::memory_order_relaxed);
      const int32_t hi = positive_.hi.load(std::memory_order_relaxed);
      if (key >= lo && key <= hi) {
        std::atomic<uint64_t>& slot = positive_.slots[positive_.Slot(key)];
        slot.store(slot.load(std::memory_order_relaxed) + 1, std::memory_order_release);
        return;
      }
    }
    ObserveSlow(v);
  }
  // A consistent copy (see the header comment). Any thread. False only when a writer kept
  // reducing through every retry (then *out is not filled); in practice it does not happen.
  bool Read(NativeHistogramSnapshot* out) const;

  [[nodiscard]] int32_t schema() const { return schema_.load(std::memory_order_relaxed); }

 private:
  // One sign's ring of counters over the keys [lo, hi] (empty while lo > hi).
  struct Window {
    std::unique_ptr<std::atomic<uint64_t>[]> slots;
    int32_t cap = 0;
    std::atomic<int32_t> lo{1};
    std::atomic<int32_t> hi{0};
    std::atomic<int32_t> origin{0};
    [[nodiscard]] size_t Slot(int32_t key) const {
      // origin is a key of the window and the window is at most cap wide: |key - origin| < cap.
      const int32_t d = key - origin.load(std::memory_order_relaxed);
      return static_cast<size_t>(d < 0 ? d + cap : d);
    }
    void Halve();                                                  // writer, inside the seqlock
    void Copy(int32_t* offset, std::vector<uint64_t>* out) const;  // reader
  };
  // The writer's copy of what NativeBucketKey needs at the current schema (table null at a
  // schema of 0 or below, and then Observe takes ObserveSlow). Set with the schema.
  struct KeyParams {
    const native_internal::KeyEntry* table = nullptr;
    int32_t shift = 0;
    uint64_t mask = 0;
    int32_t per = 0;
  };
  void SetSchema(int32_t schema);
  void ObserveSlow(double v);
  void Place(Window* w, double magnitude);
  void BeginWrite();
  void EndWrite();

  double zero_threshold_;
  std::atomic<int32_t> schema_;
  KeyParams key_;                        // writer only
  std::atomic<uint64_t> generation_{0};  // odd while the writer rewrites the windows
  std::atomic<uint64_t> zero_count_{0};
  Window positive_;
  Window negative_;
};

}  // namespace accesslog
